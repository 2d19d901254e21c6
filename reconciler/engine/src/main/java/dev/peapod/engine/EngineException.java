package dev.peapod.engine;

/**
 * An error whose message is written for people (it names the pod, file or source it is about),
 * so front ends print it as it is: the CLI on one line, the controller in a status or a problem
 * response.
 */
public abstract class EngineException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  protected EngineException(String message, Throwable cause) {
    super(message, cause);
  }
}
