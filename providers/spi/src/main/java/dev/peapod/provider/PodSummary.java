package dev.peapod.provider;

import java.util.Optional;

/**
 * A pod's state without its spec: what planning reads of every pod ({@link Provider#summaries()}).
 * A plan compares desired manifests with Peapod's applied records, never with the provider's spec,
 * so a provider that keeps its pods' specs in files need not parse a thousand of them to plan.
 *
 * @param name the pod
 * @param state lifecycle state
 * @param vm the running (or last) VM, as {@link PodStatus#vm()}
 * @param message why the pod is in this state, as {@link PodStatus#message()}
 * @param recreateReason why its running VM must be replaced by a new one whatever its manifest says
 *     (phrased to follow "because"), e.g. a VM an older provider started in a way this one no longer
 *     runs VMs; empty for most
 */
public record PodSummary(String name, PodState state, Optional<VmInfo> vm, String message,
    Optional<String> recreateReason) {

  public PodSummary {
    vm = vm == null ? Optional.empty() : vm;
    message = message == null ? "" : message;
    recreateReason = recreateReason == null ? Optional.empty() : recreateReason;
  }

  /** A pod whose VM, if any, is as this provider makes them. */
  public PodSummary(String name, PodState state, Optional<VmInfo> vm, String message) {
    this(name, state, vm, message, Optional.empty());
  }

  /** The summary of a full status. */
  public static PodSummary of(PodStatus status) {
    return new PodSummary(status.name(), status.state(), status.vm(), status.message());
  }
}
