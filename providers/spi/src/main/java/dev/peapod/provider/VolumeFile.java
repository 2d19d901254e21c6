package dev.peapod.provider;

import java.util.Arrays;
import java.util.Objects;

/**
 * One file of a {@link FileSet}: where it sits inside its volume, its mode, owner and bytes.
 *
 * @param path relative to the volume's root, slash-separated, no empty, {@code .} or {@code ..}
 *     component, and no component starting with {@code ..} (those names are the volume's own:
 *     {@code ..data} and its revisions, as Kubernetes lays a volume of files out)
 * @param mode permission bits, {@code 0} to {@code 0777} (no setuid, setgid or sticky bit)
 * @param uid owner in the guest, or -1 for root
 * @param gid group in the guest, or -1 for root
 * @param content the bytes; empty for a Secret's file in a spec as it is recorded (see {@code secret})
 * @param secret for a Secret's file, the key whose value it holds, or null: a provider spec carries
 *     the reference, and the bytes come with each start, replace or update of files ({@link
 *     SecretValues#fill}), as for a Secret's environment variables
 */
public record VolumeFile(String path, int mode, long uid, long gid, byte[] content, SecretKey secret) {

  /** Kubernetes' limit on a projected path, the same as a file system's on a path. */
  public static final int MAX_PATH = 4095;

  public VolumeFile {
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(content, "content");
    invalidPath(path).ifPresent(why -> {
      throw new IllegalArgumentException("file path \"" + path + "\" " + why);
    });
    if (mode < 0 || mode > 0777) {
      throw new IllegalArgumentException("file mode " + Integer.toOctalString(mode) + " of \"" + path
          + "\" must be between 0 and 0777");
    }
    content = content.clone();
  }

  /** A file whose bytes are its own (not a Secret's). */
  public VolumeFile(String path, int mode, long uid, long gid, byte[] content) {
    this(path, mode, uid, gid, content, null);
  }

  /** This file with {@code bytes} as its content (a Secret's value filled in, or emptied with {@code new byte[0]}). */
  public VolumeFile withContent(byte[] bytes) {
    return new VolumeFile(path, mode, uid, gid, bytes, secret);
  }

  /** A file owned by root. */
  public VolumeFile(String path, int mode, byte[] content) {
    this(path, mode, -1, -1, content);
  }

  /**
   * Why {@code path} cannot name a file in a volume (the rules above, which guest-init checks again),
   * or empty when it can.
   */
  public static java.util.Optional<String> invalidPath(String path) {
    if (path.isEmpty()) {
      return java.util.Optional.of("is empty");
    }
    if (path.length() > MAX_PATH) {
      return java.util.Optional.of("is longer than " + MAX_PATH + " bytes");
    }
    if (path.startsWith("/")) {
      return java.util.Optional.of("must be relative (it starts with /)");
    }
    if (path.indexOf('\0') >= 0) {
      return java.util.Optional.of("contains a NUL byte");
    }
    for (String part : path.split("/", -1)) {
      if (part.isEmpty() || part.equals(".")) {
        return java.util.Optional.of("has an empty or . component");
      }
      if (part.startsWith("..")) {
        return java.util.Optional.of("must not contain '..' or a component starting with '..'");
      }
      if (part.length() > 255) {
        return java.util.Optional.of("has a component longer than 255 bytes");
      }
    }
    return java.util.Optional.empty();
  }

  /** A copy of the bytes. */
  @Override
  public byte[] content() {
    return content.clone();
  }

  /** How many bytes, without copying them. */
  public int size() {
    return content.length;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof VolumeFile f && path.equals(f.path) && mode == f.mode && uid == f.uid && gid == f.gid
        && Arrays.equals(content, f.content) && Objects.equals(secret, f.secret);
  }

  @Override
  public int hashCode() {
    return Objects.hash(path, mode, uid, gid, Arrays.hashCode(content), secret);
  }

  /** Never the bytes: a file may be a Secret's. */
  @Override
  public String toString() {
    return "VolumeFile[" + path + ", mode " + Integer.toOctalString(mode) + ", " + content.length + " bytes]";
  }
}
