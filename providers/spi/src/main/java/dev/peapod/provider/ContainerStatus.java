package dev.peapod.provider;

import java.util.OptionalInt;

/**
 * One container of a running pod.
 *
 * @param name the container
 * @param state running, waiting to be restarted, or exited for good
 * @param pid guest pid of the main process while it runs, else 0
 * @param exitCode the last exit code (status, or 128+signal), if it ever exited
 * @param restarts how often the guest restarted it
 * @param imageId the image it runs
 * @param ready running, started, and passing its readiness probe (or having none)
 * @param started running, its postStart hook done and its startup probe passed (or having none)
 * @param probeMessage the last probe or hook failure ("Liveness probe failed: ..."), or ""
 */
public record ContainerStatus(
    String name, ContainerState state, int pid, OptionalInt exitCode, int restarts, String imageId,
    boolean ready, boolean started, String probeMessage) {

  public ContainerStatus {
    probeMessage = probeMessage == null ? "" : probeMessage;
  }

  /** A container without probes: ready and started exactly while it runs. */
  public ContainerStatus(
      String name, ContainerState state, int pid, OptionalInt exitCode, int restarts, String imageId) {
    this(name, state, pid, exitCode, restarts, imageId, state == ContainerState.RUNNING,
        state == ContainerState.RUNNING, "");
  }

  public enum ContainerState { RUNNING, WAITING, EXITED }
}
