package dev.peapod.provider;

/** The provider has no pod of that name. */
public final class PodNotFoundException extends ProviderException {
  public PodNotFoundException(String pod) {
    super(pod, "no such pod");
  }
}
