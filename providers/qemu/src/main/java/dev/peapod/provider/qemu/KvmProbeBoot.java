package dev.peapod.provider.qemu;

import dev.peapod.provider.qemu.guest.GuestConnection;
import dev.peapod.provider.qemu.guest.GuestException;
import dev.peapod.provider.qemu.guest.GuestListener;
import dev.peapod.provider.qemu.runtime.VmFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The real {@link AcceleratorProbe.KvmBootTest}: boots the kernel and initrd
 * with KVM, without disks or network, waits for READY, and kills the VM
 * whatever happened.
 */
final class KvmProbeBoot implements AcceleratorProbe.KvmBootTest {

  private static final System.Logger LOG = System.getLogger(KvmProbeBoot.class.getName());
  private static final String NAME = "accel-probe";

  private final QemuCommandLine commandLine;
  private final Path kernel;
  private final Path initrd;
  private final Path workDir;

  KvmProbeBoot(QemuCommandLine commandLine, Path kernel, Path initrd, Path workDir) {
    this.commandLine = commandLine;
    this.kernel = kernel;
    this.initrd = initrd;
    this.workDir = workDir;
  }

  @Override
  public Optional<String> failure(Duration timeout) {
    VmFiles files = new VmFiles(workDir);
    VmDefinition vm = new VmDefinition(NAME, kernel, initrd, 1, 64, Accelerator.KVM, files,
        List.of(), List.of(), false, null, List.of());
    QemuProcess process = null;
    try {
      process = QemuProcess.launch(commandLine.argv(vm), files);
      GuestConnection.open(files.ctlSocket(), NAME, GuestListener.NONE, timeout).close();
      return Optional.empty(); // READY arrived in time
    } catch (VmLaunchException | GuestException e) {
      LOG.log(System.Logger.Level.INFO, "KVM probe boot failed: " + e.getMessage());
      return Optional.of(e.getMessage().strip().replaceAll("\\s*\n\\s*", "; "));
    } finally {
      if (process != null) {
        process.kill(VmDefinition.commandLineMarker(NAME), Duration.ofSeconds(5));
      }
      deleteQuietly(workDir);
    }
  }

  private static void deleteQuietly(Path dir) {
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted((a, b) -> b.compareTo(a)).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // a leftover probe directory is harmless and reused next time
    }
  }
}
