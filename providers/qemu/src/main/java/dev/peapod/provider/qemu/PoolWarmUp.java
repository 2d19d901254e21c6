package dev.peapod.provider.qemu;

import dev.peapod.provider.ContainerSpec;
import dev.peapod.provider.ImageRootfs;
import dev.peapod.provider.PodSpec;
import dev.peapod.provider.qemu.guest.GuestConnection;
import dev.peapod.provider.qemu.guest.GuestImage;
import dev.peapod.provider.qemu.guest.GuestMessages;
import dev.peapod.provider.qemu.guest.Wire;
import dev.peapod.provider.qemu.runtime.PrivateFiles;
import dev.peapod.provider.qemu.runtime.VmFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Starts one container of Peapod's own in a pool VM before it enters the pool, and destroys it
 * again: a restored VM's first container start costs ~0.4-0.7 s under TCG, most of it QEMU
 * translating the guest kernel's container paths (fork, namespaces, mounts, overlay, exec) for the
 * first time in that process (the translation cache is not part of a template); a later start in
 * the same VM takes a fraction of it. So the keeper pays it, not the pod.
 *
 * <p>What runs is no pod and holds nobody's data: a static program of {@link #EXIT_PROGRAM}'s 129
 * bytes that exits at once, in an erofs image this class writes itself ({@code
 * <pool>/warmup.erofs}); the pod it runs in is destroyed (DESTROY_POD, as a replace does) before
 * the VM is published, and its image link leaves the VM's image share.
 */
final class PoolWarmUp {

  static final String IMAGE_ID = "peapod-warmup";
  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  private static final long BASE = 0x400000L;

  private PoolWarmUp() {}

  /**
   * A static x86-64 ELF executable: {@code xor edi, edi; mov eax, 60; syscall} (exit(0)), one
   * PT_LOAD segment mapping the file at {@link #BASE}, entry right after the headers.
   */
  static byte[] exitProgram() {
    byte[] code = {0x31, (byte) 0xff, (byte) 0xb8, 0x3c, 0, 0, 0, 0x0f, 0x05};
    int headers = 64 + 56;
    ByteBuffer b = ByteBuffer.allocate(headers + code.length).order(ByteOrder.LITTLE_ENDIAN);
    b.put(new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0});
    b.putShort((short) 2).putShort((short) 0x3e).putInt(1); // ET_EXEC, x86-64, version 1
    b.putLong(BASE + headers).putLong(64).putLong(0); // entry, program headers, no section headers
    b.putInt(0).putShort((short) 64).putShort((short) 56).putShort((short) 1); // flags, sizes, 1 program header
    b.putShort((short) 64).putShort((short) 0).putShort((short) 0);
    b.putInt(1).putInt(5); // PT_LOAD, R+X
    b.putLong(0).putLong(BASE).putLong(BASE); // file offset, virtual and physical address
    b.putLong(headers + code.length).putLong(headers + code.length).putLong(0x1000);
    b.put(code);
    return b.array();
  }

  /** The bytes of the program the warm-up container runs. */
  static final byte[] EXIT_PROGRAM = exitProgram();

  /** {@code <pool>/warmup.erofs}, made (with mkfs.erofs) if it is not there yet. */
  static Path image(Path poolRoot) throws IOException {
    Path image = poolRoot.resolve("warmup.erofs");
    if (Files.isRegularFile(image)) {
      return image;
    }
    PrivateFiles.createDirectories(poolRoot);
    Path tree = Files.createTempDirectory(poolRoot, ".warmup-tree-");
    Path temp = poolRoot.resolve(".warmup." + ProcessHandle.current().pid() + ".erofs");
    try {
      for (String dir : List.of("bin", "etc", "proc", "sys", "dev", "tmp")) {
        Files.createDirectories(tree.resolve(dir));
      }
      Path exit = tree.resolve("bin/exit");
      Files.write(exit, EXIT_PROGRAM);
      Files.setPosixFilePermissions(exit, PosixFilePermissions.fromString("r-xr-xr-x"));
      Process mkfs = new ProcessBuilder("mkfs.erofs", "--quiet", "--all-root", temp.toString(), tree.toString())
          .redirectErrorStream(true).start();
      String out = new String(mkfs.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!mkfs.waitFor(60, TimeUnit.SECONDS) || mkfs.exitValue() != 0) {
        throw new IOException("mkfs.erofs of the warm-up image failed: " + out.trim());
      }
      Files.move(temp, image, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      return image;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while making the warm-up image", e);
    } finally {
      Files.deleteIfExists(temp);
      TemplateCatalogue.deleteTree(tree);
    }
  }

  /** Starts the warm-up container in the VM of {@code files} and destroys its pod again. */
  static void run(GuestConnection guest, VmFiles files, Path image,
      java.util.Optional<dev.peapod.provider.qemu.runtime.VmUsers> users) throws IOException {
    ImageShare share = new ImageShare(files.imageShare(), users);
    ImageRootfs rootfs = new ImageRootfs(IMAGE_ID, image);
    String name = share.add(rootfs);
    ContainerSpec container = ContainerSpec.of("warmup", rootfs, List.of("/bin/exit"));
    PodSpec pod = PodSpec.of("warmup", List.of(container)).withTerminationGracePeriod(Duration.ZERO);
    guest.call(Wire.MSG_START_POD, GuestMessages.startPod(pod, Instant.now()), TIMEOUT);
    guest.call(Wire.MSG_ADD_CONTAINER, GuestMessages.addContainer(container, GuestImage.sharedFile(name),
        Duration.ZERO), TIMEOUT);
    guest.call(Wire.MSG_DESTROY_POD, GuestMessages.grace(Duration.ZERO), TIMEOUT);
    share.retain(Set.of());
  }
}
