package dev.peapod.controller.loop;

import dev.peapod.provider.ContainerStatus;
import dev.peapod.provider.PodState;
import dev.peapod.provider.PodStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * A change on probation, as a Deployment's rollout is: after a replace or recreate, the pod's
 * containers must all run (and be Ready, where they have a readiness probe), without a restart, for
 * {@code minReady}, and that must happen before
 * {@code deadline}. Checked by polling the pod's status ({@link #observe}); nothing is decided
 * from one observation alone except a restart, which starts the clock again.
 */
final class HealthGate {

  enum Verdict { WAITING, PASSED, FAILED }

  private final String source;
  private final Duration minReady;
  private final Instant deadline;
  private Instant healthySince;
  private int baselineRestarts = -1;
  private String lastProblem = "it has not been seen running yet";

  HealthGate(String source, Duration minReady, Instant deadline) {
    this.source = source;
    this.minReady = minReady;
    this.deadline = deadline;
  }

  String source() {
    return source;
  }

  /** Why the gate has not passed, in words, for the rollback's message. */
  String problem() {
    return lastProblem;
  }

  Duration minReady() {
    return minReady;
  }

  synchronized Verdict observe(Optional<PodStatus> status, Instant now) {
    Optional<String> problem = problem(status);
    if (problem.isEmpty()) {
      if (healthySince == null) {
        healthySince = now;
      }
      if (!now.isBefore(healthySince.plus(minReady))) {
        return Verdict.PASSED;
      }
    } else {
      healthySince = null;
      lastProblem = problem.get();
    }
    return now.isAfter(deadline) ? Verdict.FAILED : Verdict.WAITING;
  }

  private Optional<String> problem(Optional<PodStatus> status) {
    if (status.isEmpty()) {
      return Optional.of("the pod is gone");
    }
    PodStatus pod = status.get();
    if (pod.state() != PodState.RUNNING) {
      return Optional.of("the pod is " + pod.state() + (pod.message().isEmpty() ? "" : " (" + pod.message() + ")"));
    }
    int restarts = 0;
    for (var container : pod.spec().containers()) {
      Optional<ContainerStatus> s = pod.container(container.name());
      if (s.isEmpty() || s.get().state() != ContainerStatus.ContainerState.RUNNING) {
        return Optional.of("container " + container.name() + " is not running"
            + s.filter(c -> c.exitCode().isPresent()).map(c -> " (exit code " + c.exitCode().getAsInt() + ")").orElse(""));
      }
      if (!s.get().ready()) {
        return Optional.of("container " + container.name() + " is not ready"
            + (s.get().probeMessage().isEmpty() ? "" : " (" + s.get().probeMessage() + ")"));
      }
      restarts += s.get().restarts();
    }
    if (baselineRestarts < 0) {
      baselineRestarts = restarts;
    } else if (restarts > baselineRestarts) {
      baselineRestarts = restarts;
      return Optional.of("a container restarted");
    }
    return Optional.empty();
  }
}
