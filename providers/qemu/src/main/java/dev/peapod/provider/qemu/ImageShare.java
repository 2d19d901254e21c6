package dev.peapod.provider.qemu;

import dev.peapod.provider.ImageRootfs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Set;

/**
 * The directory a VM gets as its 9p image share ({@code peapod.images}): one
 * hard link per image the pod has used since the VM booted, named after the
 * image id. A replace that brings an image the VM has no block device for
 * links it here and names the file in ADD_CONTAINER; guest-init loop-mounts it.
 *
 * <p>Why a directory per VM rather than the image store itself: the guest
 * sees only its own pod's images, not every image on the host, and image
 * files can live anywhere (the provider SPI gives paths, not a store). Hard
 * links cost nothing and keep the bytes a running VM reads even if the image
 * is removed from the store meanwhile (which {@code image rm} refuses anyway
 * while a pod uses it). Across filesystems a link is impossible and the
 * image is copied instead.
 */
final class ImageShare {

  private static final System.Logger LOG = System.getLogger(ImageShare.class.getName());
  private static final String SUFFIX = ".erofs";

  private final Path dir;
  /** The VM users of the provider that made this share, or empty: QEMU runs as the user running Peapod. */
  private final java.util.Optional<dev.peapod.provider.qemu.runtime.VmUsers> users;

  /**
   * @param users the provider's VM users (its instance, not one read from the environment again: the
   *     range the provider allocates from is the one whose group an image must be readable to)
   */
  ImageShare(Path dir, java.util.Optional<dev.peapod.provider.qemu.runtime.VmUsers> users) {
    this.dir = dir;
    this.users = users;
  }

  Path dir() {
    return dir;
  }

  /** Creates the share empty: links left from an earlier VM are dropped. */
  void reset() throws IOException {
    if (Files.isSymbolicLink(dir)) {
      Files.delete(dir);
    }
    dev.peapod.provider.qemu.runtime.PrivateFiles.privateDirectory(dir);
    Files.setAttribute(dir, "unix:gid", 0, java.nio.file.LinkOption.NOFOLLOW_LINKS);
    retain(Set.of());
  }

  /**
   * Opens the share to the VM user {@code uid} (see VmUsers): {@code root:UID 0750}, which it may
   * list and read, never write. Its QEMU reaches it through a directory fd a root shell opened
   * (QemuCommandLine), since the pod directory above stays closed to it.
   */
  void openTo(int uid) throws IOException {
    Files.setAttribute(dir, "unix:gid", uid, java.nio.file.LinkOption.NOFOLLOW_LINKS);
    Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-x---"));
  }

  /**
   * A VM user's QEMU reads the image through this share (see {@link #openTo}): an image file others
   * cannot read is given to the VM group, readable by it (never writable). Every VM user is in that
   * group, but each can reach only its own share's links: the image store's directories stay
   * closed to it.
   */
  private void readableByVmUsers(Path image) throws IOException {
    if (!Files.getPosixFilePermissions(dir).contains(java.nio.file.attribute.PosixFilePermission.GROUP_EXECUTE)) {
      return; // QEMU runs as the user running Peapod
    }
    java.util.Set<java.nio.file.attribute.PosixFilePermission> mode = Files.getPosixFilePermissions(image);
    if (mode.contains(java.nio.file.attribute.PosixFilePermission.OTHERS_READ)) {
      return;
    }
    if (users.isEmpty()) {
      throw new IOException("the image share " + dir + " is open to a VM user, but VM users are off");
    }
    Files.setAttribute(image, "unix:gid", users.get().group(), java.nio.file.LinkOption.NOFOLLOW_LINKS);
    mode.add(java.nio.file.attribute.PosixFilePermission.GROUP_READ);
    mode.remove(java.nio.file.attribute.PosixFilePermission.GROUP_WRITE);
    Files.setPosixFilePermissions(image, mode);
  }

  /**
   * The file name of {@code image} in the share, linking it in if needed:
   * one file name of {@code [A-Za-z0-9._-]}, as guest-init requires.
   */
  String add(ImageRootfs image) throws IOException {
    String name = fileName(image.id());
    Path target = dir.resolve(name);
    if (Files.exists(target) && Files.isSameFile(target, image.path())) {
      return name;
    }
    Path temp = dir.resolve("." + name + ".tmp");
    Files.deleteIfExists(temp);
    try {
      Files.createLink(temp, image.path());
    } catch (FileSystemException | UnsupportedOperationException e) {
      LOG.log(System.Logger.Level.INFO, () -> "cannot hard-link " + image.path() + " into " + dir + " (" + e.getMessage()
          + "); copying it");
      Files.copy(image.path(), temp, StandardCopyOption.REPLACE_EXISTING);
    }
    readableByVmUsers(temp);
    // Renamed into place, so the guest never opens a half-made file.
    Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    return name;
  }

  /** Removes the links of images not in {@code imageIds}; a mounted one stays readable in the guest. */
  void retain(Set<String> imageIds) throws IOException {
    Set<String> keep = imageIds.stream().map(ImageShare::fileName).collect(java.util.stream.Collectors.toSet());
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
      for (Path f : files) {
        if (!keep.contains(f.getFileName().toString())) {
          Files.deleteIfExists(f);
        }
      }
    }
  }

  /** The share's name for an image id: readable when the id allows, else its SHA-256. */
  static String fileName(String imageId) {
    String safe = imageId.replaceAll("[^A-Za-z0-9_.-]", "_");
    if (safe.length() + SUFFIX.length() <= 100 && !safe.startsWith(".")) {
      return safe + SUFFIX;
    }
    try {
      byte[] hash = MessageDigest.getInstance("SHA-256").digest(imageId.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(hash) + SUFFIX;
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
