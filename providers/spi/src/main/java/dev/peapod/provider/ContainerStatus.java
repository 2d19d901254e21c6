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
 */
public record ContainerStatus(
    String name, ContainerState state, int pid, OptionalInt exitCode, int restarts, String imageId) {

  public enum ContainerState { RUNNING, WAITING, EXITED }
}
