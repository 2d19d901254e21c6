package dev.peapod.provider.qemu;

import dev.peapod.provider.qemu.guest.GuestConnection;
import dev.peapod.provider.qemu.guest.GuestException;
import dev.peapod.provider.qemu.guest.GuestListener;
import dev.peapod.provider.qemu.runtime.VmFiles;
import dev.peapod.provider.qemu.runtime.VmUsers;
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
  /** The VM users the probe's QEMU runs as, or empty: as the user running Peapod (see {@link VmUsers}). */
  private final Optional<VmUsers> users = VmUsers.fromEnvironment();

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
    VmUsers.VmUser user = null;
    try {
      if (users.isPresent()) {
        // As a VM user, as the pod VMs whose accelerator it chooses: a guest-init it boots is ours, but a
        // KVM that a VM user cannot open (/dev/kvm root's 0600) is a KVM no pod VM could use.
        user = users.get().allocate(workDir);
        QemuProcess.linkUserFiles(files, user);
        vm = vm.withUser(user);
      }
      process = QemuProcess.launch(commandLine.argv(vm), files, user);
      if (user != null) {
        users.get().launched(user); // swept like any other claim once its QEMU is gone, if this JVM dies first
      }
      GuestConnection.open(files.ctlSocket(), NAME, GuestListener.NONE, timeout).close();
      return Optional.empty(); // READY arrived in time
    } catch (IOException e) {
      return Optional.of("cannot give the probe VM a user of its own: " + e.getMessage());
    } catch (VmLaunchException | GuestException e) {
      LOG.log(System.Logger.Level.INFO, "KVM probe boot failed: " + e.getMessage());
      return Optional.of(e.getMessage().strip().replaceAll("\\s*\n\\s*", "; "));
    } finally {
      if (process != null) {
        process.kill(VmDefinition.commandLineMarker(NAME), Duration.ofSeconds(5));
      }
      if (user != null) {
        users.get().free(user);
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
