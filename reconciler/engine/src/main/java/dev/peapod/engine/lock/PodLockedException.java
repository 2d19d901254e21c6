package dev.peapod.engine.lock;

import dev.peapod.engine.EngineException;

/** Another process (or another lock in this one) holds a pod's lock; the message names the holder. */
public final class PodLockedException extends EngineException {
  private static final long serialVersionUID = 1L;

  public PodLockedException(String message) {
    super(message, null);
  }
}
