package dev.peapod.provider;

/**
 * A replace asked for a change that the running VM cannot take; the pod needs
 * a new VM (stop, then start with the new spec). The message says which field.
 */
public final class RecreateRequiredException extends ProviderException {
  public RecreateRequiredException(String pod, String reason) {
    super(pod, "needs a new VM: " + reason);
  }
}
