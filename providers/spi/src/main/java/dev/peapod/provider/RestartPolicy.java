package dev.peapod.provider;

/** Kubernetes restartPolicy: what happens when a container's main process exits. */
public enum RestartPolicy {
  ALWAYS,
  ON_FAILURE,
  NEVER
}
