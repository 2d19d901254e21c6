package dev.peapod.controller.source;

/**
 * A node agent started for a {@code k8s:} source, as the controller holds it: without a type from
 * the Kubernetes module, so that file and git modes never load one.
 */
public interface RunningAgent extends AutoCloseable {

  /** PeaPods waiting for a pass, counted into {@code peapod_queue_depth}. */
  int queueDepth();

  /** Stops the agent; its VMs keep running. */
  @Override
  void close();
}
