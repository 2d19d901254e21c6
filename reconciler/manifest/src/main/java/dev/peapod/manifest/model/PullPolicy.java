package dev.peapod.manifest.model;

/** {@code imagePullPolicy}, as in Kubernetes. */
public enum PullPolicy implements ManifestNamed {
  ALWAYS("Always"),
  IF_NOT_PRESENT("IfNotPresent"),
  NEVER("Never");

  private final String manifestName;

  PullPolicy(String manifestName) {
    this.manifestName = manifestName;
  }

  public String manifestName() {
    return manifestName;
  }

  /**
   * Kubernetes' default: {@code Always} when the tag is {@code latest} or there is neither tag
   * nor digest (which means {@code latest}), {@code IfNotPresent} otherwise.
   */
  public static PullPolicy defaultFor(String image) {
    String withoutDigest = image.contains("@") ? image.substring(0, image.indexOf('@')) : image;
    String lastSegment = withoutDigest.substring(withoutDigest.lastIndexOf('/') + 1);
    int colon = lastSegment.indexOf(':');
    String tag = colon < 0 ? "" : lastSegment.substring(colon + 1);
    if (tag.isEmpty()) {
      return image.contains("@") ? IF_NOT_PRESENT : ALWAYS;
    }
    return tag.equals("latest") ? ALWAYS : IF_NOT_PRESENT;
  }
}
