package dev.peapod.plan;

import java.util.Objects;

/**
 * Why a pod is in the plan: a kind that code can match on and the sentence
 * people read after "because" ({@code image of container "web" changed}).
 */
public record Reason(Kind kind, String text) {

  public Reason {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(text, "text");
  }

  /** What made the planner act; each constant reads as the rule it stands for. */
  public enum Kind {
    CreateBecauseNew,
    CreateBecauseRemovedOutsideApply,
    StartBecauseDesiredRunning,
    StartBecauseVmEnded,
    ReplaceBecauseContainersChanged,
    ReplaceBecausePodSettingsChanged,
    ReplaceBecauseConfigChanged,
    UpdateBecauseMetadataChanged,
    RefreshBecauseFilesChanged,
    RecreateBecauseVmSettingsChanged,
    RecreateBecauseSpecChangedWithoutVm,
    RecreateBecauseNoRecordedManifest,
    RecreateBecauseProviderNeedsNewVm,
    RedoBecauseLastApplyInterrupted,
    StopBecauseDesiredCreated,
    RemoveBecauseNoLongerDeclared
  }

  static Reason of(Kind kind, String text) {
    return new Reason(kind, text);
  }

  @Override
  public String toString() {
    return "because " + text;
  }
}
