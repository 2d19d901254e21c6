package dev.peapod.manifest.model;

/**
 * A container's {@code resources}. As Kubernetes defaults them, a request left out but with a
 * limit set equals the limit; so {@code requests} here is already defaulted.
 */
public record Resources(ResourceList limits, ResourceList requests) {
  public static final Resources NONE = new Resources(ResourceList.NONE, ResourceList.NONE);

  public Resources {
    limits = limits == null ? ResourceList.NONE : limits;
    requests = requests == null ? ResourceList.NONE : requests;
    requests = new ResourceList(
        requests.cpu().or(limits::cpu), requests.memory().or(limits::memory));
  }
}
