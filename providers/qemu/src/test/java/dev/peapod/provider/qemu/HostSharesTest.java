package dev.peapod.provider.qemu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peapod.provider.ContainerSpec;
import dev.peapod.provider.HostPath;
import dev.peapod.provider.ImageRootfs;
import dev.peapod.provider.PodSpec;
import dev.peapod.provider.ProviderException;
import dev.peapod.provider.VolumeMount;
import dev.peapod.provider.VolumeSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HostSharesTest {

  @TempDir
  Path tmp;

  private static PodSpec pod(HostPath host, boolean... readOnly) {
    ContainerSpec c = ContainerSpec.of("app", new ImageRootfs("sha256:a", Path.of("/a.erofs")), List.of("true"));
    List<VolumeMount> mounts = new java.util.ArrayList<>();
    for (int i = 0; i < readOnly.length; i++) {
      mounts.add(new VolumeMount("vol", "/m" + i, readOnly[i], ""));
    }
    return PodSpec.of("web", List.of(c.withMounts(mounts))).withVolumes(List.of(VolumeSpec.hostPath("vol", host)));
  }

  private Path files() {
    return tmp.resolve("pod/host-files");
  }

  @Test
  void aDirectoryIsSharedWholeAndReadOnlyWhenEveryMountIs() throws Exception {
    Path dir = Files.createDirectory(tmp.resolve("data"));
    assertEquals(List.of(new HostShare("vol", "peapod.vol.vol", dir, null, dir, false)),
        HostShares.of(pod(new HostPath(dir, HostPath.Type.DIRECTORY), true, false), files()));
    assertEquals(List.of(new HostShare("vol", "peapod.vol.vol", dir, null, dir, true)),
        HostShares.of(pod(new HostPath(dir, HostPath.Type.UNSET), true, true), files()));
    assertEquals(List.of(new HostShare("vol", "peapod.vol.vol", dir, null, dir, true)),
        HostShares.of(pod(new HostPath(dir, HostPath.Type.UNSET)), files()), "mounted nowhere: nothing writes");
  }

  @Test
  void aFileIsAHardLinkAloneInAPrivateDirectory() throws Exception {
    Path file = Files.writeString(tmp.resolve("app.conf"), "x");
    Files.writeString(tmp.resolve("secret"), "neighbour");
    HostShare expected = new HostShare("vol", "peapod.vol.vol", files().resolve("vol"), "app.conf", file, false);
    assertEquals(List.of(expected), HostShares.of(pod(new HostPath(file, HostPath.Type.FILE), false), files()));
    assertTrue(Files.notExists(files()), "of() creates nothing");

    assertEquals(List.of(expected), HostShares.prepare(pod(new HostPath(file, HostPath.Type.FILE), false), files(), true));
    Path dir = files().resolve("vol");
    try (var list = Files.list(dir)) {
      assertEquals(List.of(dir.resolve("app.conf")), list.toList(), "the exported directory holds the file alone");
    }
    assertTrue(Files.isSameFile(file, dir.resolve("app.conf")), "a hard link: writes go both ways");
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(files())));
  }

  @Test
  void aFilesPrivateDirectoryIsItsOwners() throws Exception {
    // A VM user's idmapped mount of the directory shows the directory's owner as the VM user (see HostShares):
    // so that the file is the VM user's through it, the directory is the file's owner's.
    Path file = Files.writeString(tmp.resolve("app.conf"), "x");
    Files.setAttribute(file, "unix:uid", 2100000004);
    Files.setAttribute(file, "unix:gid", 2100000005);
    HostShares.prepare(pod(new HostPath(file, HostPath.Type.FILE), false), files(), true);
    Path dir = files().resolve("vol");
    assertEquals(2100000004, Files.getAttribute(dir, "unix:uid"));
    assertEquals(2100000005, Files.getAttribute(dir, "unix:gid"));
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
    assertEquals(0, Files.getAttribute(files(), "unix:uid"), "the directory of share directories stays root's");
  }

  /**
   * A spec names a hostPath by its real path (the manifest's conversion resolves it and checks the
   * allow-list on what it keeps): a symlink on it now was put there since, e.g. by a container through
   * a writable share of the tree, to have root share /etc or link /etc/shadow. Not followed.
   */
  @Test
  void aSymlinkPutOnASharedPathSinceIsNotFollowed() throws Exception {
    Path etc = Files.createDirectories(tmp.resolve("etc"));
    Path shadow = Files.writeString(etc.resolve("shadow"), "root:secret");
    Path tree = Files.createDirectories(tmp.resolve("tree"));

    Path conf = tree.resolve("app.conf");
    Files.createSymbolicLink(conf, shadow);
    ProviderException e = assertThrows(ProviderException.class,
        () -> HostShares.prepare(pod(new HostPath(conf, HostPath.Type.FILE), false), files(), true));
    assertTrue(e.getMessage().contains(conf + " now leads through a symlink to " + shadow), e.getMessage());
    assertTrue(Files.notExists(files().resolve("vol/app.conf")), "nothing linked");

    Path sub = tree.resolve("sub");
    Files.createSymbolicLink(sub, etc);
    e = assertThrows(ProviderException.class,
        () -> HostShares.prepare(pod(new HostPath(sub, HostPath.Type.DIRECTORY), false), files(), true));
    assertTrue(e.getMessage().contains(sub + " now leads through a symlink to " + etc), e.getMessage());
    e = assertThrows(ProviderException.class,
        () -> HostShares.prepare(pod(new HostPath(sub.resolve("shadow"), HostPath.Type.FILE), false), files(), true));
    assertTrue(e.getMessage().contains("now leads through a symlink to " + shadow), e.getMessage());
  }

  @Test
  void preparingAgainReplacesStaleLinks() throws Exception {
    Path a = Files.writeString(tmp.resolve("a.conf"), "a");
    HostShares.prepare(pod(new HostPath(a, HostPath.Type.FILE), false), files(), true);
    Path b = Files.writeString(tmp.resolve("b.conf"), "b");
    HostShares.prepare(pod(new HostPath(b, HostPath.Type.FILE), false), files(), true);
    try (var list = Files.list(files().resolve("vol"))) {
      assertEquals(List.of(files().resolve("vol/b.conf")), list.toList());
    }
  }

  @Test
  void missingOrWrongTypesAreClearErrors() throws Exception {
    ProviderException e = assertThrows(ProviderException.class,
        () -> HostShares.of(pod(new HostPath(tmp.resolve("nope"), HostPath.Type.DIRECTORY)), files()));
    assertTrue(e.getMessage().contains("hostPath volume \"vol\": " + tmp.resolve("nope")
        + " does not exist (type Directory)"), e.getMessage());
    e = assertThrows(ProviderException.class,
        () -> HostShares.of(pod(new HostPath(tmp, HostPath.Type.FILE)), files()));
    assertTrue(e.getMessage().contains(tmp + " is not a regular file (type File)"), e.getMessage());
    Path spaced = Files.writeString(tmp.resolve("a b"), "x");
    e = assertThrows(ProviderException.class,
        () -> HostShares.of(pod(new HostPath(spaced, HostPath.Type.FILE)), files()));
    assertTrue(e.getMessage().contains("file name \"a b\""), e.getMessage());
  }

  @Test
  void aFileOnAnotherFilesystemIsRefusedNamingTheWayOut() throws Exception {
    Path shm = Files.createTempFile(Path.of("/dev/shm"), "peapod-hostshares", ".conf");
    try {
      ProviderException e = assertThrows(ProviderException.class,
          () -> HostShares.prepare(pod(new HostPath(shm, HostPath.Type.FILE), false), files(), true));
      assertTrue(e.getMessage().contains(shm + " is on another filesystem than " + files()), e.getMessage());
      assertTrue(e.getMessage().contains("share the directory holding it instead"), e.getMessage());
    } finally {
      Files.delete(shm);
    }
  }

  @Test
  void orCreateTypesAreCreatedOnPrepareOnly() throws Exception {
    Path dir = tmp.resolve("new/dir");
    HostShares.of(pod(new HostPath(dir, HostPath.Type.DIRECTORY_OR_CREATE)), files());
    assertTrue(Files.notExists(dir));
    HostShares.prepare(pod(new HostPath(dir, HostPath.Type.DIRECTORY_OR_CREATE)), files(), true);
    assertTrue(Files.isDirectory(dir));

    Path file = dir.resolve("log.txt");
    assertEquals(List.of(new HostShare("vol", "peapod.vol.vol", files().resolve("vol"), "log.txt", file, false)),
        HostShares.prepare(pod(new HostPath(file, HostPath.Type.FILE_OR_CREATE), false), files(), true));
    assertTrue(Files.isRegularFile(file));
    ProviderException e = assertThrows(ProviderException.class, () -> HostShares.prepare(
        pod(new HostPath(tmp.resolve("missing/x"), HostPath.Type.FILE_OR_CREATE)), files(), true));
    assertTrue(e.getMessage().contains("directory " + tmp.resolve("missing") + " does not exist"), e.getMessage());
  }
}
