package dev.peapod.engine.source;

import dev.peapod.engine.EngineException;

/** A source that cannot be read at all: a path that does not exist, a git server that does not answer. */
public final class SourceUnavailableException extends EngineException {
  private static final long serialVersionUID = 1L;

  private final boolean missing;

  /** @param missing whether what was named does not exist (rather than being unreachable for now) */
  public SourceUnavailableException(String message, boolean missing, Throwable cause) {
    super(message, cause);
    this.missing = missing;
  }

  public boolean missing() {
    return missing;
  }
}
