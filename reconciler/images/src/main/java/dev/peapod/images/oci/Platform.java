package dev.peapod.images.oci;

import java.util.Objects;

/**
 * An OS/architecture pair (plus optional CPU variant) as image indexes list them.
 *
 * @param os e.g. {@code linux}
 * @param architecture GOARCH spelling, e.g. {@code amd64}, {@code arm64}
 * @param variant e.g. {@code v8}; null when not given
 */
public record Platform(String os, String architecture, String variant) {
  /** What Peapod's micro-VMs run today. */
  public static final Platform LINUX_AMD64 = new Platform("linux", "amd64", null);

  public Platform {
    Objects.requireNonNull(os, "os");
    Objects.requireNonNull(architecture, "architecture");
  }

  /** The platform of the JVM's host, in GOARCH names. */
  public static Platform host() {
    String arch = System.getProperty("os.arch");
    return switch (arch) {
      case "amd64", "x86_64" -> LINUX_AMD64;
      case "aarch64", "arm64" -> new Platform("linux", "arm64", null);
      default -> new Platform("linux", arch, null);
    };
  }

  /**
   * Whether an index entry for {@code candidate} can run here. A wanted variant must
   * match; an unspecified one accepts any, as containerd's default matcher does.
   */
  public boolean accepts(Platform candidate) {
    return os.equals(candidate.os) && architecture.equals(candidate.architecture)
        && (variant == null || variant.equals(candidate.variant));
  }

  @Override
  public String toString() {
    return os + "/" + architecture + (variant != null ? "/" + variant : "");
  }
}
