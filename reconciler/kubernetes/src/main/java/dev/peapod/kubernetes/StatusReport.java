package dev.peapod.kubernetes;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peapod.kubernetes.crd.PeaPodContainerStatus;
import dev.peapod.kubernetes.crd.PeaPodStatus;
import dev.peapod.kubernetes.crd.PendingChange;
import dev.peapod.kubernetes.crd.VmStatus;
import dev.peapod.engine.PodReadiness;
import dev.peapod.manifest.model.DesiredState;
import dev.peapod.plan.Change;
import dev.peapod.plan.FieldChange;
import dev.peapod.provider.ContainerStatus;
import dev.peapod.provider.PodState;
import dev.peapod.provider.PodStatus;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A PeaPod's status from what the agent saw: the pod on the node, and how the last pass ended.
 * Pure, so that each rule is tested by itself. Conditions are kstatus' {@code Ready},
 * {@code Reconciling} and {@code Stalled} plus the pod's own ({@code Scheduled},
 * {@code ImagesReady}, {@code VMReady}, {@code ContainersReady}); a condition keeps its
 * {@code lastTransitionTime} while its status, reason and message stay the same.
 */
final class StatusReport {
  private StatusReport() {}

  private static final ObjectMapper JSON = new ObjectMapper();

  /** How the agent's pass over a PeaPod ended. */
  sealed interface Outcome {
    /** The pod is as the PeaPod says. */
    record Converged() implements Outcome {}

    /** {@code change} is about to be carried out. */
    record Pending(Change change) implements Outcome {}

    /** The change failed and is retried with backoff. */
    record Failing(String reason, String message) implements Outcome {}

    /** Nothing changes until the PeaPod does. */
    record Stalled(String reason, String message, List<String> diagnostics) implements Outcome {}
  }

  /**
   * @param desired the state the spec asks for; empty when the spec is invalid or the PeaPod is deleted
   * @param pod the pod on the node now, if it exists
   * @param previous the conditions the PeaPod's status has now
   */
  static PeaPodStatus of(long generation, String node, String podName, boolean deleting,
      Optional<DesiredState> desired, Optional<PodStatus> pod, Outcome outcome, List<Condition> previous,
      Instant now) {
    PeaPodStatus status = new PeaPodStatus();
    status.observedGeneration = generation;
    status.podName = podName;
    status.phase = phase(deleting, pod, outcome);
    pod.ifPresent(p -> {
      status.ready = ready(p) + "/" + appContainers(p).size();
      // As a Pod's: app containers in containerStatuses, init containers (sidecars included) in
      // initContainerStatuses; a container the guest does not report yet is left out of both.
      Set<String> inits = p.spec().initContainers().stream().map(c -> c.name()).collect(Collectors.toSet());
      status.containerStatuses = p.containers().stream().filter(c -> !inits.contains(c.name()))
          .map(StatusReport::container).toList();
      List<PeaPodContainerStatus> initStatuses = p.containers().stream().filter(c -> inits.contains(c.name()))
          .map(StatusReport::container).toList();
      status.initContainerStatuses = initStatuses.isEmpty() ? null : initStatuses;
      p.vm().filter(vm -> p.state() == PodState.RUNNING).ifPresent(vm -> {
        VmStatus v = new VmStatus();
        v.node = node;
        v.bootId = vm.bootId();
        v.boot = vm.boot();
        v.accelerator = vm.accelerator();
        v.startedAt = vm.startedAt().toString();
        status.vm = v;
      });
    });
    if (outcome instanceof Outcome.Pending pending) {
      status.pendingChange = pendingChange(pending.change());
    }
    if (outcome instanceof Outcome.Stalled stalled && !stalled.diagnostics().isEmpty()) {
      status.diagnostics = List.copyOf(stalled.diagnostics());
    }
    List<Condition> conditions = new ArrayList<>();
    conditions.add(condition("Ready", ready(desired, pod, outcome, deleting), generation, previous, now));
    conditions.add(condition("Reconciling", reconciling(outcome, deleting), generation, previous, now));
    conditions.add(condition("Stalled", stalled(outcome), generation, previous, now));
    conditions.add(condition("Scheduled", new State("True", "BoundToNode",
        "bound to node " + node + " by its label " + PeaPods.NODE_LABEL), generation, previous, now));
    conditions.add(condition("ImagesReady", imagesReady(pod, outcome), generation, previous, now));
    conditions.add(condition("VMReady", vmReady(pod), generation, previous, now));
    conditions.add(condition("ContainersReady", containersReady(pod), generation, previous, now));
    status.conditions = conditions;
    return status;
  }

  /** One line, as the CLI's plan prints it: {@code replace (same VM) because image of container "web" changed}. */
  static String summary(Change change) {
    StringBuilder out = new StringBuilder(change.action().verb());
    if (!change.action().qualifier().isEmpty()) {
      out.append(' ').append(change.action().qualifier());
    }
    change.reasons().stream().findFirst().ifPresent(r -> out.append(' ').append(r));
    return out.toString();
  }

  private static PendingChange pendingChange(Change change) {
    PendingChange pending = new PendingChange();
    pending.action = change.action().verb();
    pending.summary = summary(change);
    pending.reasons = change.reasons().stream().map(Object::toString).toList();
    if (!change.diff().isEmpty()) {
      pending.fields = change.diff().stream().map(StatusReport::field).toList();
    }
    return pending;
  }

  private static String field(FieldChange field) {
    return field.path() + ": " + json(field.before()) + " -> " + json(field.after());
  }

  /** A canonical value (string, number, boolean, list or map) as the plan prints it. */
  private static String json(Object value) {
    if (value == null) {
      return "(none)";
    }
    try {
      return JSON.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      return String.valueOf(value);
    }
  }

  private static String phase(boolean deleting, Optional<PodStatus> pod, Outcome outcome) {
    if (deleting) {
      return "Terminating";
    }
    if (outcome instanceof Outcome.Stalled || outcome instanceof Outcome.Failing) {
      return "Failed";
    }
    if (outcome instanceof Outcome.Pending pending) {
      return switch (pending.change().action()) {
        case CREATE, RECREATE -> "Creating";
        case START -> "Starting";
        case REPLACE, UPDATE, REFRESH -> "Updating";
        case STOP -> "Stopping";
        case REMOVE -> "Terminating";
      };
    }
    return pod.map(p -> switch (p.state()) {
      case RUNNING -> "Running";
      case CREATED -> "Created";
      case VM_GONE -> "Stopped";
    }).orElse("Pending");
  }

  /** The state of one condition. */
  private record State(String status, String reason, String message) {}

  private static State ready(Optional<DesiredState> desired, Optional<PodStatus> pod, Outcome outcome,
      boolean deleting) {
    if (deleting) {
      return new State("False", "Terminating", "the PeaPod is being deleted; its VM is stopped and removed");
    }
    if (outcome instanceof Outcome.Stalled stalled) {
      return new State("False", stalled.reason(), stalled.message());
    }
    if (outcome instanceof Outcome.Failing failing) {
      return new State("False", failing.reason(), failing.message());
    }
    if (outcome instanceof Outcome.Pending pending) {
      return new State("False", "Progressing", summary(pending.change()));
    }
    if (pod.isEmpty() || desired.isEmpty()) {
      return new State("False", "NoPod", "the pod does not exist on the node");
    }
    PodStatus p = pod.get();
    if (desired.get() == DesiredState.CREATED) {
      return p.state() == PodState.CREATED
          ? new State("True", "ReconciliationSucceeded", "Created, as spec.state asks")
          : new State("False", "Progressing", "spec.state is Created; the pod is " + p.state());
    }
    if (p.state() != PodState.RUNNING) {
      return new State("False", "VMNotRunning", "its VM is not running" + (p.message().isEmpty() ? "" : ": "
          + p.message()));
    }
    int running = running(p);
    int ready = ready(p);
    int all = appContainers(p).size();
    if (ready == all) {
      return new State("True", "ReconciliationSucceeded", "running, " + ready + "/" + all + " containers ready");
    }
    return running == all
        ? new State("False", "ContainersNotReady", notReady(p, ready, all))
        : new State("False", "ContainersNotReady", running + "/" + all + " containers running");
  }

  /** All run, some fail their readiness probe: say which, with the probe's last failure. */
  private static String notReady(PodStatus pod, int ready, int all) {
    Set<String> apps = appContainers(pod);
    return ready + "/" + all + " containers ready; not ready: " + pod.containers().stream()
        .filter(c -> apps.contains(c.name()) && !c.ready())
        .map(c -> c.name() + (c.probeMessage().isEmpty() ? "" : " (" + c.probeMessage() + ")"))
        .collect(Collectors.joining(", "));
  }

  private static State reconciling(Outcome outcome, boolean deleting) {
    if (outcome instanceof Outcome.Pending pending) {
      return new State("True", "Progressing", summary(pending.change()));
    }
    if (outcome instanceof Outcome.Failing failing) {
      return new State("True", "ProgressingWithRetry", failing.message());
    }
    if (deleting && !(outcome instanceof Outcome.Stalled)) {
      return new State("True", "Terminating", "stopping and removing the VM");
    }
    return new State("False", "ReconciliationSucceeded", "");
  }

  private static State stalled(Outcome outcome) {
    return outcome instanceof Outcome.Stalled stalled
        ? new State("True", stalled.reason(), stalled.message())
        : new State("False", "ReconciliationSucceeded", "");
  }

  private static State imagesReady(Optional<PodStatus> pod, Outcome outcome) {
    if (pod.isPresent()) {
      return new State("True", "Pulled", "the images of every container are in the node's store");
    }
    if (outcome instanceof Outcome.Failing failing) {
      return new State("False", failing.reason(), failing.message());
    }
    return new State("Unknown", "NoPod", "the pod does not exist on the node yet");
  }

  private static State vmReady(Optional<PodStatus> pod) {
    return pod.filter(p -> p.state() == PodState.RUNNING).flatMap(PodStatus::vm)
        .map(vm -> new State("True", "Booted", "VM " + vm.bootId() + " (" + vm.accelerator() + ", " + vm.boot() + ")"))
        .orElseGet(() -> new State("False", "NoVM", pod.map(p -> "the pod is " + p.state()).orElse("no pod")));
  }

  private static State containersReady(Optional<PodStatus> pod) {
    if (pod.isEmpty() || pod.get().state() != PodState.RUNNING) {
      return new State("False", "NoVM", "no VM runs the containers");
    }
    int running = running(pod.get());
    int ready = ready(pod.get());
    int all = appContainers(pod.get()).size();
    if (ready == all) {
      return new State("True", "AllRunning", running + "/" + all + " containers running");
    }
    return running == all
        ? new State("False", "ContainersNotReady", notReady(pod.get(), ready, all))
        : new State("False", "ContainersNotReady", running + "/" + all + " containers running");
  }

  /**
   * The containers whose readiness makes the pod's, as the kubelet counts them for {@code Ready},
   * {@code ContainersReady} and the READY column: app containers and sidecars (init containers
   * with {@code restartPolicy: Always}); init containers that run to completion do not count.
   */
  private static Set<String> appContainers(PodStatus pod) {
    return Set.copyOf(PodReadiness.lasting(pod));
  }

  private static int running(PodStatus pod) {
    Set<String> apps = appContainers(pod);
    return (int) pod.containers().stream()
        .filter(c -> apps.contains(c.name()) && c.state() == ContainerStatus.ContainerState.RUNNING).count();
  }

  /** Running and passing readiness (a container without a readiness probe is ready while it runs). */
  private static int ready(PodStatus pod) {
    Set<String> apps = appContainers(pod);
    return (int) pod.containers().stream()
        .filter(c -> apps.contains(c.name()) && c.state() == ContainerStatus.ContainerState.RUNNING && c.ready())
        .count();
  }

  private static PeaPodContainerStatus container(ContainerStatus c) {
    PeaPodContainerStatus s = new PeaPodContainerStatus();
    s.name = c.name();
    s.ready = c.state() == ContainerStatus.ContainerState.RUNNING && c.ready();
    s.restartCount = c.restarts();
    s.imageId = c.imageId();
    s.state = state(c);
    return s;
  }

  private static ContainerState state(ContainerStatus c) {
    return switch (c.state()) {
      case RUNNING -> new ContainerStateBuilder().withNewRunning().endRunning().build();
      case WAITING -> new ContainerStateBuilder().withNewWaiting().withReason("Waiting").endWaiting().build();
      case EXITED -> new ContainerStateBuilder().withNewTerminated()
          .withExitCode(c.exitCode().isPresent() ? c.exitCode().getAsInt() : null)
          .withReason(c.exitCode().orElse(-1) == 0 ? "Completed" : "Error").endTerminated().build();
    };
  }

  private static Condition condition(String type, State state, long generation, List<Condition> previous,
      Instant now) {
    String since = previous.stream()
        .filter(c -> type.equals(c.getType()) && state.status().equals(c.getStatus())
            && state.reason().equals(c.getReason()) && state.message().equals(c.getMessage()))
        .map(Condition::getLastTransitionTime).findFirst().orElse(now.toString());
    return new ConditionBuilder().withType(type).withStatus(state.status()).withReason(state.reason())
        .withMessage(state.message()).withObservedGeneration(generation).withLastTransitionTime(since).build();
  }
}
