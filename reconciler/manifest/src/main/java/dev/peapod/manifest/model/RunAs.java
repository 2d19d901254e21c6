package dev.peapod.manifest.model;

/**
 * Which user a container's processes run as; empty parts mean "as the image says".
 * From Kubernetes' {@code securityContext.runAsUser/runAsGroup} (numeric) or a HyperContainer
 * {@code user} (names allowed).
 */
public record RunAs(String user, String group) {
  public static final RunAs IMAGE_DEFAULT = new RunAs("", "");

  public RunAs {
    user = user == null ? "" : user;
    group = group == null ? "" : group;
  }

  public boolean isImageDefault() {
    return user.isEmpty() && group.isEmpty();
  }

  /** {@code uid:gid}, {@code uid}, {@code :gid} or empty. */
  @Override
  public String toString() {
    return group.isEmpty() ? user : user + ":" + group;
  }
}
