package dev.peapod.engine;

import dev.peapod.provider.ContainerSpec;
import dev.peapod.provider.ContainerStatus;
import dev.peapod.provider.PodState;
import dev.peapod.provider.PodStatus;
import dev.peapod.provider.RestartPolicy;
import java.util.List;
import java.util.stream.Stream;

/**
 * Kubernetes' Ready for a pod: it runs and every container meant to keep running (app containers
 * and sidecars) is ready, that is running, started and passing its readiness probe if it has one.
 * Init containers that ran to completion do not count.
 */
public final class PodReadiness {
  private PodReadiness() {}

  /** The app containers and sidecars, by name, in start order. */
  public static List<String> lasting(PodStatus pod) {
    return Stream.concat(
        pod.spec().initContainers().stream().filter(c -> c.restartPolicy() == RestartPolicy.ALWAYS),
        pod.spec().containers().stream()).map(ContainerSpec::name).toList();
  }

  /** How many of {@link #lasting} are ready. */
  public static long readyCount(PodStatus pod) {
    List<String> lasting = lasting(pod);
    return pod.containers().stream()
        .filter(c -> lasting.contains(c.name()) && isReady(c)).count();
  }

  public static boolean ready(PodStatus pod) {
    return pod.state() == PodState.RUNNING && readyCount(pod) == lasting(pod).size();
  }

  private static boolean isReady(ContainerStatus c) {
    return c.state() == ContainerStatus.ContainerState.RUNNING && c.ready();
  }

  /** {@code 1/2}, as kubectl's READY column. */
  public static String text(PodStatus pod) {
    return readyCount(pod) + "/" + lasting(pod).size();
  }
}
