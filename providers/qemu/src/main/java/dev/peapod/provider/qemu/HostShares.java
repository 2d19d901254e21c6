package dev.peapod.provider.qemu;

import dev.peapod.provider.HostPath;
import dev.peapod.provider.PodSpec;
import dev.peapod.provider.ProviderException;
import dev.peapod.provider.VolumeMount;
import dev.peapod.provider.VolumeSpec;
import dev.peapod.provider.qemu.runtime.PrivateFiles;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Turns a pod's hostPath volumes into the 9p devices its VM needs, checking
 * (and for the *OrCreate types, creating) what the volume's type demands.
 *
 * <p>Nothing a guest does reaches host ownership, modes or file types: the
 * devices use {@code security_model=mapped-xattr}. QEMU creates every file and
 * directory a guest makes as itself (the tree's owner, see below) with mode 0600 or 0700, and keeps the owner, mode and file type the guest asked for in
 * {@code user.virtfs.*} xattrs, which the guest sees back and cannot reach
 * as xattrs. So a container's chmod 4755 or chown 0 sets no setuid bit and no
 * owner on the host, a mknod makes a plain empty file, a symlink a plain file
 * holding its target. With {@code security_model=none} QEMU applied a guest's
 * chmod, chown and mknod on the host, and as root they succeeded: a setuid-root
 * binary or a 0666 block device node planted from a container. Files that were
 * on the host before show their host owner and mode in the guest. The xattrs
 * need a host filesystem with user xattrs (ext4, xfs, btrfs; tmpfs from
 * Linux 6.6); elsewhere a guest's create fails with EOPNOTSUPP.
 *
 * <p>When Peapod runs as root, QEMU runs as a VM user of its own here too ({@link
 * dev.peapod.provider.qemu.runtime.VmUsers}), and reaches each tree through an idmapped mount that
 * {@code peapod-vm-mounts} (providers/qemu/native) makes, as root, in a mount namespace of QEMU's own
 * just before {@code setpriv} drops to the VM user: a recursive clone of the tree whose map shows the
 * tree's owner (the owner on disk of the directory the volume names) as the VM user, nosuid, nodev,
 * noexec, read-only for a read-only export, mounted on an empty directory of the VM's run directory
 * that {@code -fsdev} names. So QEMU acts on the tree as its owner does (what the guest creates is
 * the owner's on disk, as before it was root's), files of other owners are reached through their
 * "other" bits only (rootless podman's meaning of a bind mount), and nothing outside the tree is
 * reached at all. The mounts exist in QEMU's namespace only and end with it: a kill -9 leaves none.
 * A filesystem without idmapped mounts (NFS, FUSE, 9p; ext4, xfs, btrfs and tmpfs have them) is
 * refused with the helper's message when the VM starts, rather than running QEMU as root: nothing
 * would show that the confinement had gone. Why not the alternatives: QEMU's {@code
 * virtfs-proxy-helper} (a root helper chrooted into the export) has no mapped mode and applies a
 * guest's chown, chmod and mknod with the capabilities it keeps (CAP_CHOWN, CAP_FOWNER, CAP_MKNOD);
 * virtiofsd needs shared guest RAM and a guest kernel with virtio-fs; bind mounts in the host's
 * namespace would be everyone's and outlive a killed QEMU.
 *
 * <p>QEMU exports directories only, so a one-file hostPath is a hard link to
 * the file in a directory of its own under the pod's directory (0700, holding
 * nothing else), and that directory is exported: the guest cannot reach the
 * file's neighbours. A hard link keeps the file's inode, as a bind mount
 * would: a host program that replaces the file by renaming a new one over it
 * is not seen by the guest until the next boot. The file must be on the
 * filesystem of {@code $PEAPOD_HOME}, else it is refused with a message
 * saying to share its directory.
 *
 * <p>A volume that every container mounts readOnly is exported read-only
 * ({@code readonly=on}): the guest kernel, not only the container's mount,
 * is refused writes. One that some container mounts writable is exported
 * read-write, and readOnly mounts of it are read-only binds in the guest
 * (EROFS), as the kubelet does. Whether the export is read-only is fixed at
 * launch: a replace that makes a read-only volume writable needs a new VM.
 */
final class HostShares {

  /** What guest-init accepts as a file name inside a share. */
  private static final Pattern FILE_NAME = Pattern.compile("[A-Za-z0-9._-]{1,255}");

  private HostShares() {}

  /**
   * The shares of {@code spec}'s hostPath volumes as the host is now; nothing is created.
   *
   * @param files the pod's directory of one-file shares ({@code VmFiles.hostFiles()})
   */
  static List<HostShare> of(PodSpec spec, Path files) {
    return build(spec, files, false);
  }

  /**
   * Like {@link #of} after creating what DirectoryOrCreate and FileOrCreate volumes lack and
   * linking each one-file volume into its private directory under {@code files}.
   *
   * @param vmUsers whether QEMU runs as VM users (the provider's {@link
   *     dev.peapod.provider.qemu.runtime.VmUsers}): then a one-file volume's directory must take the
   *     file's owner, which a VM user's idmapped mount maps
   */
  static List<HostShare> prepare(PodSpec spec, Path files, boolean vmUsers) {
    List<HostShare> shares = build(spec, files, true);
    linkFiles(spec, files, shares, vmUsers);
    return shares;
  }

  private static List<HostShare> build(PodSpec spec, Path files, boolean create) {
    List<HostShare> shares = new ArrayList<>();
    for (VolumeSpec v : spec.volumes()) {
      if (v.hostPath() != null) {
        shares.add(share(spec, v.name(), v.hostPath(), files, create));
      }
    }
    return shares;
  }

  /** Whether every mount of {@code volume} in every container is readOnly (true if none mounts it). */
  private static boolean readOnlyEverywhere(PodSpec spec, String volume) {
    return spec.allContainers().stream()
        .flatMap(c -> c.mounts().stream())
        .filter(m -> m.volume().equals(volume))
        .allMatch(VolumeMount::readOnly);
  }

  private static HostShare share(PodSpec spec, String volume, HostPath host, Path files, boolean create) {
    Path path = host.path();
    boolean directory = switch (host.type()) {
      case DIRECTORY -> require(spec, volume, host, Files.isDirectory(path), "is not a directory");
      case FILE -> !require(spec, volume, host, Files.isRegularFile(path), "is not a regular file");
      case DIRECTORY_OR_CREATE -> {
        if (create) {
          createDirectory(spec, volume, path);
        }
        yield true;
      }
      case FILE_OR_CREATE -> {
        if (create) {
          createFile(spec, volume, path);
        }
        yield false;
      }
      case UNSET -> {
        if (!Files.exists(path)) {
          throw fail(spec, volume, path + " does not exist");
        }
        yield Files.isDirectory(path);
      }
    };
    String tag = HostShare.tagFor(volume);
    boolean readOnly = readOnlyEverywhere(spec, volume);
    if (create) {
      requireNoSymlink(spec, volume, path);
    }
    if (directory) {
      return new HostShare(volume, tag, path, null, path, readOnly);
    }
    String name = path.getFileName().toString();
    if (!FILE_NAME.matcher(name).matches() || name.equals(".") || name.equals("..")) {
      throw fail(spec, volume, "file name \"" + name + "\" of " + path
          + " must consist of letters, digits, '.', '_' and '-' to be shared as one file");
    }
    return new HostShare(volume, tag, files.resolve(volume), name, path, readOnly);
  }

  /**
   * Empties {@code files} and gives each one-file share a directory of its own there holding a hard
   * link to the file, so QEMU exports that file and nothing beside it. The link is made to the
   * file a symlink names, since a link to the symlink would be resolved in the guest. The
   * directory (0700, in the root-only pod directory) is given the file's owner, so that a VM
   * user's idmapped mount of it, which maps the directory's owner, shows the file as its own.
   */
  private static void linkFiles(PodSpec spec, Path files, List<HostShare> shares, boolean vmUsers) {
    try {
      PrivateFiles.deleteTree(files);
    } catch (IOException e) {
      throw new ProviderException(spec.name(), null, "cannot clear " + files + ": " + e, e);
    }
    for (HostShare share : shares) {
      if (share.file() == null) {
        continue;
      }
      try {
        PrivateFiles.createDirectories(share.dir());
        Path link = share.dir().resolve(share.file());
        // link(2) does not follow a symlink that is the last part of its source, and prepare() found none
        // on the path. A part of it swapped for a symlink since (a container's rename through a writable
        // share of that tree) would have linked another file: the link must be the file the path names
        // now, still with no symlink on it, or it goes.
        Files.createLink(link, share.source());
        if (!sameFile(link, share.source())) {
          Files.delete(link);
          throw fail(spec, share.volume(), share.source() + " changed while it was being shared (a symlink on its path,"
              + " or another file in its place); not shared");
        }
        giveOwner(share.dir(), link, vmUsers);
      } catch (FileSystemException e) {
        if ("Invalid cross-device link".equals(e.getReason())) {
          throw fail(spec, share.volume(), share.source() + " is on another filesystem than " + files
              + ": a one-file hostPath is shared as a hard link in a directory of its own, so that its"
              + " neighbours are not; share the directory holding it instead, or move the file");
        }
        throw fail(spec, share.volume(), "cannot share " + share.source() + " alone (as a hard link in "
            + share.dir() + "): " + e.getMessage());
      } catch (IOException e) {
        throw fail(spec, share.volume(), "cannot share " + share.source() + " alone: " + e);
      }
    }
  }

  /**
   * Refuses a path with a symlink on it. The spec names a hostPath by the real path it had when its
   * manifest was read and checked against the allow-list (see ManifestToPodSpec); a symlink there now
   * was put there since, perhaps by a container through a writable hostPath, and following it would
   * share a tree no check saw. For a VM user's QEMU, peapod-vm-mounts opens the tree with no symlink
   * followed, which closes the race this check leaves; QEMU run as Peapod's own user opens the path
   * itself.
   */
  private static void requireNoSymlink(PodSpec spec, String volume, Path path) {
    Path real;
    try {
      real = path.toRealPath();
    } catch (IOException e) {
      throw fail(spec, volume, "cannot resolve " + path + ": " + e.getMessage());
    }
    if (!real.equals(path)) {
      throw fail(spec, volume, path + " now leads through a symlink to " + real + "; a hostPath is shared by the real"
          + " path it had when its manifest was read, and no symlink put on it since is followed (apply the manifest"
          + " again to share what it names now, if the allow-list allows it)");
    }
  }

  /** Whether {@code link} is the file {@code path} names, with no symlink on the path. */
  private static boolean sameFile(Path link, Path path) throws IOException {
    Object linked = Files.readAttributes(link, java.nio.file.attribute.BasicFileAttributes.class,
        LinkOption.NOFOLLOW_LINKS).fileKey();
    Object named = Files.readAttributes(path, java.nio.file.attribute.BasicFileAttributes.class,
        LinkOption.NOFOLLOW_LINKS).fileKey();
    return linked != null && linked.equals(named) && path.toRealPath().equals(path);
  }

  /**
   * Gives {@code dir} the owner and group of {@code file}. Without VM users (QEMU runs as the user
   * running Peapod, perhaps not root) a file of another owner may leave the directory its creator's.
   */
  private static void giveOwner(Path dir, Path file, boolean vmUsers) throws IOException {
    for (String id : java.util.List.of("unix:uid", "unix:gid")) {
      Object owner = Files.getAttribute(file, id);
      if (!owner.equals(Files.getAttribute(dir, id, LinkOption.NOFOLLOW_LINKS))) {
        try {
          Files.setAttribute(dir, id, owner, LinkOption.NOFOLLOW_LINKS);
        } catch (FileSystemException e) {
          if (vmUsers) {
            throw e;
          }
        }
      }
    }
  }

  private static boolean require(PodSpec spec, String volume, HostPath host, boolean ok, String problem) {
    if (!Files.exists(host.path())) {
      throw fail(spec, volume, host.path() + " does not exist (type " + host.type().manifestName() + ")");
    }
    if (!ok) {
      throw fail(spec, volume, host.path() + " " + problem + " (type " + host.type().manifestName() + ")");
    }
    return true;
  }

  private static void createDirectory(PodSpec spec, String volume, Path path) {
    try {
      Files.createDirectories(path);
    } catch (FileAlreadyExistsException e) {
      throw fail(spec, volume, path + " exists and is not a directory (type DirectoryOrCreate)");
    } catch (IOException e) {
      throw fail(spec, volume, "cannot create directory " + path + ": " + e);
    }
  }

  private static void createFile(PodSpec spec, String volume, Path path) {
    if (Files.isDirectory(path)) {
      throw fail(spec, volume, path + " is a directory (type FileOrCreate)");
    }
    if (!Files.isDirectory(path.getParent())) {
      throw fail(spec, volume, "directory " + path.getParent() + " does not exist (type FileOrCreate creates"
          + " only the file)");
    }
    try {
      if (!Files.exists(path)) {
        Files.createFile(path);
      }
    } catch (FileAlreadyExistsException ignored) {
      // created meanwhile: just as good
    } catch (IOException e) {
      throw fail(spec, volume, "cannot create file " + path + ": " + e);
    }
  }

  private static ProviderException fail(PodSpec spec, String volume, String message) {
    return new ProviderException(spec.name(), null, "hostPath volume \"" + volume + "\": " + message, null);
  }
}
