package dev.peapod.provider.qemu;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.peapod.provider.ProviderException;
import dev.peapod.provider.qemu.qmp.QmpClient;
import dev.peapod.provider.qemu.qmp.QmpException;
import dev.peapod.provider.qemu.runtime.HandOverRecord;
import dev.peapod.provider.qemu.runtime.PodDirectory;
import dev.peapod.provider.qemu.runtime.StateDirectory;
import dev.peapod.provider.qemu.runtime.VmFiles;
import dev.peapod.provider.qemu.runtime.VmRecord;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.List;

/**
 * Moves a running VM from one pod's directory to another's: {@link VmFiles#runtimeFiles} renamed into
 * the new directory, vm.json written there (naming the pod QEMU was launched for) and deleted from the
 * old one.
 *
 * <p>Crash safety: a {@link HandOverRecord} is written first and deleted last, and every step in
 * between is a rename of a file that is still there, or a write or delete that gives the same result
 * when done twice. So whoever finds the record (the next command on either pod) calls {@link #finish}
 * and ends where an uninterrupted hand-over would have; until then {@code inspect} of either pod says
 * that a hand-over was interrupted.
 *
 * <p>QEMU keeps the paths it was launched with: on a normal exit it unlinks its socket and pid file
 * paths, which are the old pod's again once that pod is Created (and maybe started anew). A
 * handed-over QEMU is therefore told over QMP to pause rather than exit when its guest powers off,
 * and is ended with SIGKILL, which runs no clean-up ({@link PodVm#shutdown}).
 */
final class VmHandOver {
  private static final System.Logger LOG = System.getLogger(VmHandOver.class.getName());

  private final StateDirectory state;
  private final GuestChannels channels;

  VmHandOver(StateDirectory state, GuestChannels channels) {
    this.state = state;
    this.channels = channels;
  }

  /** Records the hand-over, then carries it out; returns the VM as {@code record.to()} now runs it. */
  VmRecord run(HandOverRecord record) {
    try {
      state.beginHandOver(record);
    } catch (IOException e) {
      throw new ProviderException(record.to(), null, "cannot record the hand-over in " + state.root() + ": " + e, e);
    }
    CrashPoint.reach("handover-recorded");
    return finish(record);
  }

  /** Finishes {@code record}'s hand-over from wherever it stopped (see the class comment). */
  VmRecord finish(HandOverRecord record) {
    PodDirectory from = state.pod(record.from());
    PodDirectory to = state.pod(record.to());
    channels.drop(record.from());
    channels.drop(record.to());
    try {
      VmFiles source = from.vmFiles();
      VmFiles target = to.vmFiles();
      List<Path> moving = source.runtimeFiles();
      List<Path> into = target.runtimeFiles();
      for (int i = 0; i < moving.size(); i++) {
        move(moving.get(i), into.get(i));
        if (into.get(i).equals(target.qmpSocket())) {
          CrashPoint.reach("handover-moving");
        }
      }
      for (Path log : List.of(source.console(), source.containersLog())) {
        // The rotated files of each log (console.log.1, ...) after their base file.
        for (int k = 1; k < 100; k++) {
          Path sibling = log.resolveSibling(log.getFileName() + "." + k);
          Path targetSibling = target.dir().resolve(sibling.getFileName());
          if (!Files.exists(sibling, LinkOption.NOFOLLOW_LINKS) && !Files.exists(targetSibling, LinkOption.NOFOLLOW_LINKS)) {
            break;
          }
          move(sibling, targetSibling);
        }
      }
      // The old pod keeps what its containers wrote, as after a stop; the new one's log goes on from there.
      for (Path file : new dev.peapod.provider.qemu.logs.RotatedLog(target.containersLog()).ring()) {
        copyIfMissing(file, source.dir().resolve(file.getFileName()));
      }
      VmRecord moved = record.vm().handedOver(record.from(), target.imageShare(), target.hostFiles());
      pauseOnPowerOff(target, record.to());
      to.writeVm(moved);
      from.deleteVm();
      CrashPoint.reach("handover-moved");
      state.endHandOver(record);
      return moved;
    } catch (IOException e) {
      throw new ProviderException(record.to(), null, "handing the VM of pod \"" + record.from() + "\" over failed"
          + " half way (" + e + "); the next start, stop, replace or rm of either pod finishes it", e);
    }
  }

  private static void move(Path source, Path target) throws IOException {
    if (!Files.exists(source, LinkOption.NOFOLLOW_LINKS)) {
      return; // moved already (a finish after a crash), or never made (a log nobody wrote yet)
    }
    if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
      deleteTree(target); // the new pod's image share from an earlier boot: stale links only
    }
    Files.move(source, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  private static void copyIfMissing(Path source, Path target) throws IOException {
    if (Files.exists(source) && !Files.exists(target)) {
      Path temp = target.resolveSibling(target.getFileName() + ".tmp");
      Files.copy(source, temp, StandardCopyOption.REPLACE_EXISTING);
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    Files.walkFileTree(dir, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        Files.delete(file);
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
        Files.delete(d);
        return FileVisitResult.CONTINUE;
      }
    });
  }

  /** QMP {@code set-action shutdown=pause}; a VM that is gone meanwhile is left to show as gone. */
  private static void pauseOnPowerOff(VmFiles files, String pod) {
    try (QmpClient qmp = QmpClient.connect(files.qmpSocket(), Duration.ofSeconds(5))) {
      qmp.execute("set-action", JsonNodeFactory.instance.objectNode().put("shutdown", "pause"));
    } catch (QmpException e) {
      LOG.log(System.Logger.Level.WARNING, "pod " + pod + ": cannot tell the handed-over QEMU to pause on power-off: "
          + e.getMessage());
    }
  }
}
