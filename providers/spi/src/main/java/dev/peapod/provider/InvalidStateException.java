package dev.peapod.provider;

/** An operation that the pod's current lifecycle state does not allow, e.g. start of a Running pod. */
public final class InvalidStateException extends ProviderException {

  private final PodState actual;

  public InvalidStateException(String pod, PodState actual, String message) {
    super(pod, message);
    this.actual = actual;
  }

  public PodState actual() {
    return actual;
  }
}
