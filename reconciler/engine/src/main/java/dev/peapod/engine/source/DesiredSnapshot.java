package dev.peapod.engine.source;

import dev.peapod.manifest.diag.Diagnostic;
import dev.peapod.plan.DesiredPod;
import java.util.List;
import java.util.Objects;

/**
 * What one read of a source gave: every declared pod, valid, and the revision it was read at.
 *
 * @param revision names the content: {@code main@sha1:<id>} for git, a digest of the manifests
 *     for a directory
 * @param pods the declared pods, in declaration order
 * @param warnings diagnostics that do not stop the pods from being applied
 */
public record DesiredSnapshot(String revision, List<DesiredPod> pods, List<Diagnostic> warnings) {

  public DesiredSnapshot {
    Objects.requireNonNull(revision, "revision");
    pods = List.copyOf(pods);
    warnings = List.copyOf(warnings);
  }
}
