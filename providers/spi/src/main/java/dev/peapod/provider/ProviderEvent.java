package dev.peapod.provider;

import java.util.Objects;

/**
 * Something happened to a pod that the watcher did not ask for: its VM ended (crashed, was killed,
 * powered off), or its state changed through another client (another process created, changed or
 * removed it). Events are hints to look again, as a Kubernetes watch is to an informer: a watcher
 * re-reads {@link Provider#inventory()} rather than trusting an event's content, so a missed or
 * merged event costs latency, never correctness, as long as the watcher also re-reads now and then.
 *
 * @param pod the pod's name, or empty for "anything may have changed" (the provider lost track,
 *     e.g. its file watch overflowed)
 * @param kind what happened
 */
public record ProviderEvent(String pod, Kind kind) {

  public enum Kind {
    /** The pod's VM process ended. */
    VM_ENDED,
    /** The pod appeared, went, or its recorded state changed. */
    CHANGED,
    /**
     * A container of the running pod became ready or stopped being ready (or started, as its
     * startup probe or postStart hook decides), as the pod's guest announced: a hint to inspect
     * the pod for its readiness. Its recorded state did not change. A provider that cannot push
     * this sends none, and watchers poll.
     */
    READINESS
  }

  public ProviderEvent {
    Objects.requireNonNull(pod, "pod");
    Objects.requireNonNull(kind, "kind");
  }

  /** The provider cannot say what changed: every pod is to be looked at again. */
  public static ProviderEvent anything() {
    return new ProviderEvent("", Kind.CHANGED);
  }

  public boolean isAnything() {
    return pod.isEmpty();
  }
}
