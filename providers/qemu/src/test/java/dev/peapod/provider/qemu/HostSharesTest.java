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

  @Test
  void aDirectoryIsSharedWhole() throws Exception {
    Path dir = Files.createDirectory(tmp.resolve("data"));
    assertEquals(List.of(new HostShare("vol", "peapod.vol.vol", dir, null)),
        HostShares.of(pod(new HostPath(dir, HostPath.Type.DIRECTORY), true, false)));
    assertEquals(List.of(new HostShare("vol", "peapod.vol.vol", dir, null)),
        HostShares.of(pod(new HostPath(dir, HostPath.Type.UNSET), true, true)));
  }

  @Test
  void aFileIsItsDirectoryPlusItsName() throws Exception {
    Path file = Files.writeString(tmp.resolve("app.conf"), "x");
    assertEquals(List.of(new HostShare("vol", "peapod.vol.vol", tmp, "app.conf")),
        HostShares.of(pod(new HostPath(file, HostPath.Type.FILE), false)));
  }

  @Test
  void missingOrWrongTypesAreClearErrors() throws Exception {
    ProviderException e = assertThrows(ProviderException.class,
        () -> HostShares.of(pod(new HostPath(tmp.resolve("nope"), HostPath.Type.DIRECTORY))));
    assertTrue(e.getMessage().contains("hostPath volume \"vol\": " + tmp.resolve("nope")
        + " does not exist (type Directory)"), e.getMessage());
    e = assertThrows(ProviderException.class, () -> HostShares.of(pod(new HostPath(tmp, HostPath.Type.FILE))));
    assertTrue(e.getMessage().contains(tmp + " is not a regular file (type File)"), e.getMessage());
    Path spaced = Files.writeString(tmp.resolve("a b"), "x");
    e = assertThrows(ProviderException.class, () -> HostShares.of(pod(new HostPath(spaced, HostPath.Type.FILE))));
    assertTrue(e.getMessage().contains("file name \"a b\""), e.getMessage());
  }

  @Test
  void orCreateTypesAreCreatedOnPrepareOnly() throws Exception {
    Path dir = tmp.resolve("new/dir");
    HostShares.of(pod(new HostPath(dir, HostPath.Type.DIRECTORY_OR_CREATE)));
    assertTrue(Files.notExists(dir));
    HostShares.prepare(pod(new HostPath(dir, HostPath.Type.DIRECTORY_OR_CREATE)));
    assertTrue(Files.isDirectory(dir));

    Path file = dir.resolve("log.txt");
    assertEquals(List.of(new HostShare("vol", "peapod.vol.vol", dir, "log.txt")),
        HostShares.prepare(pod(new HostPath(file, HostPath.Type.FILE_OR_CREATE), false)));
    assertTrue(Files.isRegularFile(file));
    ProviderException e = assertThrows(ProviderException.class, () -> HostShares.prepare(
        pod(new HostPath(tmp.resolve("missing/x"), HostPath.Type.FILE_OR_CREATE))));
    assertTrue(e.getMessage().contains("directory " + tmp.resolve("missing") + " does not exist"), e.getMessage());
  }
}
