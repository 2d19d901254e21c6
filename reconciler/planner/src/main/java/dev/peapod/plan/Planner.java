package dev.peapod.plan;

import dev.peapod.manifest.model.DesiredState;
import dev.peapod.plan.FieldChange.Impact;
import dev.peapod.plan.Reason.Kind;
import dev.peapod.provider.PodState;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Desired pods against actual pods, one plan. Pure: it reads nothing and calls nothing, so the
 * CLI, the controller loop and the Kubernetes mode all plan the same way.
 *
 * <p>Per pod, in this order:
 *
 * <ol>
 *   <li>declared nowhere: removed if the plan's owner has it ({@link Action#REMOVE}), otherwise
 *       left alone: a source prunes only what it created or took over ({@link Owners});
 *   <li>declared, but another source owns it: a {@link Conflict}, left alone unless the options
 *       say to take it over;
 *   <li>declared, no provider pod: {@link Action#CREATE};
 *   <li>declared, a provider pod but no record of what was applied, or a create, recreate or
 *       removal that never finished: {@link Action#RECREATE}; an interrupted replace is done
 *       again in the running VM, an interrupted start or stop is judged by the lifecycle below;
 *   <li>spec differs: the most disruptive {@link FieldChange.Impact} of the field changes decides
 *       ({@link FieldRules}): a new VM, new containers in the running VM (a pod without a
 *       running VM is recreated instead), new files in the running VM ({@link Action#REFRESH}),
 *       or only the record;
 *   <li>spec equal: the lifecycle decides: {@link Action#START} when desired Running but Created
 *       or its VM ended, {@link Action#STOP} when desired Created but running.
 * </ol>
 */
public final class Planner {

  private final Clock clock;

  public Planner(Clock clock) {
    this.clock = clock;
  }

  public Planner() {
    this(Clock.systemUTC());
  }

  public Plan plan(List<DesiredPod> desired, ActualState actual, PlanOptions options) {
    Map<String, DesiredPod> byName = new TreeMap<>();
    desired.forEach(d -> byName.put(d.name(), d));
    TreeSet<String> names = new TreeSet<>();
    if (options.targets().isEmpty()) {
      names.addAll(byName.keySet());
      names.addAll(actual.pods().keySet());
    } else {
      // Only the targets: a pass over one pod of a thousand looks at that one, not at every name.
      options.targets().stream().filter(t -> byName.containsKey(t) || actual.pods().containsKey(t)).forEach(names::add);
    }

    List<Change> changes = new ArrayList<>();
    List<Conflict> conflicts = new ArrayList<>();
    List<String> warnings = new ArrayList<>();
    int unchanged = 0;
    for (String name : names) {
      DesiredPod want = byName.get(name);
      ActualPod have = actual.pods().getOrDefault(name, new ActualPod(name, null, null, null));
      Optional<String> otherOwner = want == null ? Optional.empty() : otherOwner(have, options);
      if (otherOwner.isPresent()) {
        conflicts.add(new Conflict(name, otherOwner.get(), want.source()));
        continue;
      }
      Optional<Change> change = want == null ? removal(have, options.owner()) : change(want, have);
      if (change.isPresent()) {
        changes.add(change.get());
      } else if (want != null) {
        unchanged++;
      }
    }
    options.targets().stream()
        .filter(t -> !names.contains(t))
        .forEach(t -> warnings.add("--target " + t + ": no manifest declares it and no such pod exists"));
    if (!options.targets().isEmpty()) {
      warnings.add("only the targeted pods were planned; the others may differ from their manifests");
    }
    return new Plan(changes, unchanged, actual.revision(), clock.instant(),
        refusal(changes, actual, options), warnings, options.owner(), conflicts);
  }

  /** The owner of a declared pod when it is neither this source nor one any source may adopt. */
  private static Optional<String> otherOwner(ActualPod have, PlanOptions options) {
    return have.record().map(AppliedRecord::managedBy)
        .filter(owner -> !owner.equals(options.owner()) && !Owners.adoptable(owner) && !options.takeOver());
  }

  private static Optional<Change> removal(ActualPod have, String owner) {
    boolean owned = have.record().map(r -> r.ownedBy(owner)).orElse(false);
    if (!owned) {
      return Optional.empty();
    }
    return Optional.of(new Change(have.name(), Action.REMOVE,
        List.of(Reason.of(Kind.RemoveBecauseNoLongerDeclared, "no manifest declares it any more"
            + (have.exists() ? "" : " (its pod is already gone; only the record is left)"))),
        List.of(), Optional.empty(), Optional.empty()));
  }

  private static Optional<Change> change(DesiredPod want, ActualPod have) {
    Optional<DesiredState> target = Optional.of(want.state());
    if (!have.exists()) {
      Reason why = have.record().isPresent()
          ? Reason.of(Kind.CreateBecauseRemovedOutsideApply, "it was removed outside apply")
          : Reason.of(Kind.CreateBecauseNew, "it does not exist yet");
      return Optional.of(new Change(want.name(), Action.CREATE, List.of(why), List.of(), Optional.of(want), target));
    }
    if (have.record().isEmpty()) {
      return Optional.of(recreate(want, List.of(Reason.of(Kind.RecreateBecauseNoRecordedManifest,
          "it exists but Peapod has no record of the manifest it was made from")), List.of()));
    }
    AppliedRecord record = have.record().get();
    List<FieldChange> diff = List.of();
    if (!record.hash().equals(want.hash())) {
      // Only now is the record's tree normalised: for an unchanged pod the hashes suffice.
      Optional<NormalizedPod> applied = record.normalized();
      if (applied.isEmpty()) {
        return Optional.of(recreate(want, List.of(interrupted(record)), List.of()));
      }
      diff = TreeDiff.between(applied.get().tree(), want.normalized().tree());
    }
    Impact impact = diff.stream().map(FieldChange::impact).max(Enum::compareTo).orElse(null);
    List<Reason> reasons = new ArrayList<>();
    record.pending().ifPresent(p -> reasons.add(interrupted(record)));
    reasons.addAll(ReasonText.of(diff));
    boolean wantRunning = want.state() == DesiredState.RUNNING;

    boolean interruptedOutsideVm = record.pending()
        .filter(p -> p.action() != Action.START && p.action() != Action.STOP && p.action() != Action.REPLACE
            && p.action() != Action.REFRESH) // an interrupted refresh is done again in the VM (as a replace)
        .isPresent();
    // A VM the provider itself wants replaced (one an older Peapod started as it no longer starts VMs):
    // only a new VM helps, whatever else changed; a pod that is to stop gets one at its next start.
    Optional<Reason> provider = have.recreateReason().filter(r -> have.running() && wantRunning)
        .map(r -> Reason.of(Kind.RecreateBecauseProviderNeedsNewVm, r));
    provider.ifPresent(reasons::add);
    if (impact == Impact.VM || interruptedOutsideVm || provider.isPresent()) {
      return Optional.of(recreate(want, reasons, diff));
    }
    if (impact == Impact.CONTAINERS || record.pending().filter(p -> p.action() != Action.START
        && p.action() != Action.STOP).isPresent()) {
      if (have.running() && wantRunning) {
        return Optional.of(new Change(want.name(), Action.REPLACE, reasons, diff, Optional.of(want), target));
      }
      reasons.add(have.running()
          ? Reason.of(Kind.RecreateBecauseSpecChangedWithoutVm, "its manifest wants it Created with a new spec")
          : Reason.of(Kind.RecreateBecauseSpecChangedWithoutVm, "it has no running VM to replace containers in"));
      return Optional.of(recreate(want, reasons, diff));
    }
    if (impact == Impact.FILES) {
      if (have.running() && wantRunning) {
        return Optional.of(new Change(want.name(), Action.REFRESH, reasons, diff, Optional.of(want), target));
      }
      // The provider's recorded spec holds the files a start gives: without a running VM, a new record.
      reasons.add(have.running()
          ? Reason.of(Kind.RecreateBecauseSpecChangedWithoutVm, "its manifest wants it Created with new files")
          : Reason.of(Kind.RecreateBecauseSpecChangedWithoutVm, "it has no running VM to update the files in"));
      return Optional.of(recreate(want, reasons, diff));
    }
    Optional<Reason> lifecycle = lifecycle(want, have);
    if (lifecycle.isPresent()) {
      reasons.add(0, lifecycle.get());
      Action action = lifecycle.get().kind() == Kind.StopBecauseDesiredCreated ? Action.STOP : Action.START;
      return Optional.of(new Change(want.name(), action, reasons, diff, Optional.of(want), target));
    }
    if (impact == Impact.RECORD || !reasons.isEmpty()) {
      return Optional.of(new Change(want.name(), Action.UPDATE, reasons, diff, Optional.of(want), target));
    }
    return Optional.empty();
  }

  private static Optional<Reason> lifecycle(DesiredPod want, ActualPod have) {
    PodState state = have.state().orElseThrow();
    if (want.state() == DesiredState.RUNNING) {
      return switch (state) {
        case RUNNING -> Optional.empty();
        case CREATED -> Optional.of(Reason.of(Kind.StartBecauseDesiredRunning,
            "it is Created and its manifest wants it Running"));
        case VM_GONE -> Optional.of(Reason.of(Kind.StartBecauseVmEnded,
            "its VM ended" + (have.message().isEmpty() ? "" : ": " + have.message())));
      };
    }
    return state == PodState.RUNNING
        ? Optional.of(Reason.of(Kind.StopBecauseDesiredCreated, "its manifest wants it Created"))
        : Optional.empty();
  }

  private static Reason interrupted(AppliedRecord record) {
    AppliedRecord.Pending pending = record.pending().orElseThrow(
        () -> new IllegalStateException("a record without a spec always has a pending change"));
    return Reason.of(Kind.RedoBecauseLastApplyInterrupted,
        "the last apply did not finish its " + pending.action().verb() + " (started " + pending.since() + ")");
  }

  private static Change recreate(DesiredPod want, List<Reason> reasons, List<FieldChange> diff) {
    return new Change(want.name(), Action.RECREATE, reasons, diff, Optional.of(want), Optional.of(want.state()));
  }

  private static Optional<String> refusal(List<Change> changes, ActualState actual, PlanOptions options) {
    long removals = changes.stream().filter(c -> c.action() == Action.REMOVE && hasPod(c, actual)).count();
    if (removals == 0 || options.allowMassRemoval()) {
      return Optional.empty();
    }
    long managed = actual.ownedCount(options.owner());
    if (removals >= managed) {
      return Optional.of("this plan removes every pod " + options.owner() + " owns (" + removals + " of " + managed
          + "); if that is intended, plan again with --allow-mass-removal");
    }
    if (removals > options.maxRemovals()) {
      return Optional.of("this plan removes " + removals + " pods, more than the limit of " + options.maxRemovals()
          + "; if that is intended, plan again with --allow-mass-removal");
    }
    return Optional.empty();
  }

  private static boolean hasPod(Change change, ActualState actual) {
    ActualPod pod = actual.pods().get(change.pod());
    return pod != null && pod.exists();
  }
}
