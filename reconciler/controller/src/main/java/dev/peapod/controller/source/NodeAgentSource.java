package dev.peapod.controller.source;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A {@code k8s:} source as the sources list shows it: a node agent follows the API server's watch
 * of the PeaPods bound to its node and reconciles them itself, so it has no revision to sync,
 * suspend or roll back; what it has is whether its watch is up and how many pods it owns.
 */
public final class NodeAgentSource implements AutoCloseable {

  /** What the controller needs of a running agent, without loading any Kubernetes class. */
  public interface Agent extends AutoCloseable {
    String node();

    /** Its watch has listed the node's PeaPods once. */
    boolean synced();

    /** PeaPods waiting for a pass, counted into {@code peapod_queue_depth}. */
    int queueDepth();

    /**
     * Pods PeaPods own on this node, as the agent's last read of the actual state found them: the
     * sources list asks often and must not read every pod's state for it.
     */
    int pods();
  }

  private final String name;
  private final String location;
  private final Agent agent;
  private final Instant startedAt;
  private Condition ready;

  public NodeAgentSource(String name, String location, Agent agent, Instant startedAt) {
    this.name = name;
    this.location = location;
    this.agent = agent;
    this.startedAt = startedAt;
    this.ready = new Condition("Ready", "Unknown", "Connecting", "", startedAt);
  }

  public String name() {
    return name;
  }

  /** PeaPods waiting for a pass in the agent's own queue. */
  public int queueDepth() {
    return agent.queueDepth();
  }

  /** Its watch has listed the node's PeaPods once: what readiness asks of it. */
  public boolean synced() {
    return agent.synced();
  }

  /** The owner of the pods it makes: {@code k8s:NAMESPACE/NAME} each, so a prefix. */
  public static String ownerPrefix() {
    return "k8s:";
  }

  /** Its status now, with the pods PeaPods own on this node as its agent last read them. */
  public synchronized SourceStatus status(Instant now) {
    int pods = agent.pods();
    ready = agent.synced()
        ? ready.update("True", "Watching", "following the PeaPods bound to node " + agent.node() + " (" + pods
            + " pods)", now)
        : ready.update("Unknown", "Connecting", "waiting for the first list of PeaPods bound to node " + agent.node(),
            now);
    return new SourceStatus(name, location, ownerPrefix() + "*", false, "", "", agent.synced() ? startedAt : null,
        0, List.of(), List.of(ready), pods, Map.of());
  }

  @Override
  public void close() throws Exception {
    agent.close();
  }
}
