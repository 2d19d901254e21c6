package dev.peapod.provider.qemu;

import dev.peapod.provider.HostPath;
import dev.peapod.provider.PodSpec;
import dev.peapod.provider.ProviderException;
import dev.peapod.provider.VolumeSpec;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Turns a pod's hostPath volumes into the 9p devices its VM needs, checking
 * (and for the *OrCreate types, creating) what the volume's type demands.
 *
 * <p>The devices use {@code security_model=none}: QEMU opens the host files as
 * the user it runs as, so what a container writes (as root or not) is owned
 * on the host by whoever runs Peapod, and a guest can reach nothing that user
 * could not. The alternatives were worse for a tool that shares a developer's
 * directories: {@code passthrough} needs QEMU to run as root to chown, and
 * {@code mapped-xattr} keeps guest owners in xattrs, so host files would show
 * one owner on the host and another in the guest. The price: a guest chown is
 * accepted and not kept, and guest processes see host uids as file owners.
 *
 * <p>QEMU exports directories only, so a one-file hostPath exports the file's
 * directory and guest-init binds just the file into containers: the guest
 * kernel can reach the file's neighbours, its containers cannot.
 *
 * <p>Shares are exported read-write and {@code readOnly} is enforced per mount
 * inside the guest (a read-only bind, so writes fail with EROFS), as the
 * kubelet does: readOnly belongs to a container's mount, and exporting by the
 * mounts of the moment would make a replace that only changes containers need
 * a new VM.
 */
final class HostShares {

  /** What guest-init accepts as a file name inside a share. */
  private static final Pattern FILE_NAME = Pattern.compile("[A-Za-z0-9._-]{1,255}");

  private HostShares() {}

  /** The shares of {@code spec}'s hostPath volumes as the host is now; nothing is created. */
  static List<HostShare> of(PodSpec spec) {
    return build(spec, false);
  }

  /** Like {@link #of} after creating what DirectoryOrCreate and FileOrCreate volumes lack. */
  static List<HostShare> prepare(PodSpec spec) {
    return build(spec, true);
  }

  private static List<HostShare> build(PodSpec spec, boolean create) {
    List<HostShare> shares = new ArrayList<>();
    for (VolumeSpec v : spec.volumes()) {
      if (v.hostPath() != null) {
        shares.add(share(spec, v.name(), v.hostPath(), create));
      }
    }
    return shares;
  }

  private static HostShare share(PodSpec spec, String volume, HostPath host, boolean create) {
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
    if (directory) {
      return new HostShare(volume, tag, path, null);
    }
    String name = path.getFileName().toString();
    if (!FILE_NAME.matcher(name).matches() || name.equals(".") || name.equals("..")) {
      throw fail(spec, volume, "file name \"" + name + "\" of " + path
          + " must consist of letters, digits, '.', '_' and '-' to be shared as one file");
    }
    return new HostShare(volume, tag, path.getParent(), name);
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
