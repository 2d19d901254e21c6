package dev.peapod.provider;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The files of a volume that guest-init keeps in the VM's memory: what a Kubernetes {@code
 * configMap}, {@code secret}, {@code downwardAPI} or {@code projected} volume shows, or
 * HyperContainer's pod {@code files}. Where the bytes came from is not the provider's business:
 * a provider writes them into a tmpfs of the guest (never into a host directory), publishes a new
 * set atomically as the kubelet does (a revision directory and a {@code ..data} link swapped by a
 * rename), and containers mount the volume read-only.
 *
 * <p>Bounded per pod ({@link #MAX_POD_BYTES}, {@link #MAX_POD_FILES}) across all its file
 * volumes, since they live in guest memory; {@link #problem} says what a pod's sets break.
 *
 * @param files no two with the same path, and none inside another's path (a file is no directory)
 * @param sensitive the bytes are a Secret's: whoever records a spec must keep them off disk (this
 *     set is then described by {@link #digest()} only)
 */
public record FileSet(List<VolumeFile> files, boolean sensitive) {

  /** Bytes of files all file volumes of one pod may hold together. */
  public static final long MAX_POD_BYTES = 8L * 1024 * 1024;
  /** Files all file volumes of one pod may hold together. */
  public static final int MAX_POD_FILES = 1024;

  public FileSet {
    files = List.copyOf(Objects.requireNonNull(files, "files"));
    Set<String> paths = new HashSet<>();
    for (VolumeFile f : files) {
      if (!paths.add(f.path())) {
        throw new IllegalArgumentException("two files at \"" + f.path() + "\"");
      }
    }
    for (VolumeFile f : files) {
      for (int slash = f.path().indexOf('/'); slash > 0; slash = f.path().indexOf('/', slash + 1)) {
        if (paths.contains(f.path().substring(0, slash))) {
          throw new IllegalArgumentException("\"" + f.path().substring(0, slash) + "\" is a file, so \""
              + f.path() + "\" cannot be inside it");
        }
      }
    }
  }

  public static final FileSet EMPTY = new FileSet(List.of(), false);

  /** Bytes of all files. */
  public long bytes() {
    return files.stream().mapToLong(VolumeFile::size).sum();
  }

  /**
   * {@code sha256:<hex>} over paths, modes, owners and bytes: equal sets, equal digest. All of a
   * sensitive set that may be recorded or printed.
   */
  public String digest() {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      for (VolumeFile f : files) {
        sha.update((f.path() + "\0" + f.mode() + "\0" + f.uid() + "\0" + f.gid() + "\0" + f.size() + "\0")
            .getBytes(StandardCharsets.UTF_8));
        sha.update(f.content());
      }
      return "sha256:" + HexFormat.of().formatHex(sha.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  /**
   * Why the file volumes of one pod cannot all be given to its VM, or empty when they can: more
   * than {@link #MAX_POD_BYTES} or {@link #MAX_POD_FILES} together.
   */
  public static Optional<String> problem(List<VolumeSpec> volumes) {
    long bytes = 0;
    long count = 0;
    for (VolumeSpec v : volumes) {
      if (v.files().isPresent()) {
        bytes += v.files().get().bytes();
        count += v.files().get().files().size();
      }
    }
    if (bytes > MAX_POD_BYTES) {
      return Optional.of("the pod's volumes of files hold " + bytes + " bytes together, over the limit of "
          + MAX_POD_BYTES + " bytes (8 MiB) per pod: they are kept in the VM's memory");
    }
    if (count > MAX_POD_FILES) {
      return Optional.of("the pod's volumes of files hold " + count + " files together, over the limit of "
          + MAX_POD_FILES + " files per pod: they are kept in the VM's memory");
    }
    return Optional.empty();
  }

  @Override
  public String toString() {
    return "FileSet[" + files.size() + " files, " + bytes() + " bytes, " + digest() + (sensitive ? ", sensitive]"
        : "]");
  }
}
