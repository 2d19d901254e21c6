package dev.peapod.manifest.decode;

import dev.peapod.manifest.model.RunAs;

/** {@code runAsUser} / {@code runAsGroup}, shared by pod and container security contexts. */
final class SecurityContexts {
  private SecurityContexts() {}

  /** Kubernetes takes user and group ids in 0..2^31-1. */
  private static final long MAX_ID = Integer.MAX_VALUE;

  static RunAs runAs(MapReader context) {
    String user = context.integer("runAsUser", 0, MAX_ID).map(String::valueOf).orElse("");
    String group = context.integer("runAsGroup", 0, MAX_ID).map(String::valueOf).orElse("");
    return new RunAs(user, group);
  }
}
