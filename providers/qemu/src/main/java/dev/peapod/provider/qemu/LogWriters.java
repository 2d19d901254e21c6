package dev.peapod.provider.qemu;

import dev.peapod.provider.qemu.logs.LogLimits;
import dev.peapod.provider.qemu.logs.RotatedLog;
import dev.peapod.provider.qemu.runtime.HostProcess;
import dev.peapod.provider.qemu.runtime.PrivateFiles;
import dev.peapod.provider.qemu.runtime.SamePageMerging;
import dev.peapod.provider.qemu.runtime.VmFiles;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * A VM's log writers: one process per log (the container log and the serial console) that takes
 * what QEMU's chardev socket gives and stores it capped and rotated ({@link RotatedLog}).
 *
 * <p>Why not QEMU's chardev {@code file}, as before: it grows without bound, and QEMU cannot rotate
 * it. Why a process per VM and not QMP {@code chardev-change} to a new file when one is full: that
 * needs someone watching every VM's files all the time, and with the CLI alone nobody runs between
 * commands; a writer beside each VM caps its logs whether or not anyone looks. The writer is
 * Apache's {@code rotatelogs} (apache2-utils): a ring of {@code n} files of a size cap, written
 * with plain appends, nothing else; a launcher connects it to QEMU's socket, once the VM's QEMU is
 * seen to listen there, the socket as its stdin ({@link PeerCheckedConnect}), as for passt.
 *
 * <p>Nothing waits for a writer. QEMU's chardev socket never blocks: without a client it drops what
 * the guest writes. guest-init's log port is non-blocking and drops records (counting them on the
 * console) while the host side is detached or full. So a writer that is slow, killed or not yet
 * connected costs output, never the VM. A writer is started right after QEMU launches, before any
 * container runs; one that ended while its VM runs is started again by the next look at the pod,
 * as passt is ({@link #repair}); QEMU's server socket accepts the new one. The kernel's early
 * messages are held in its log buffer until its serial console registers, later than a writer
 * connects.
 */
final class LogWriters {

  private static final Duration READY_TIMEOUT = Duration.ofSeconds(10);
  /** The longest pause between two looks at a starting writer (the first ones are shorter, see {@link #sleep}). */
  private static final long MAX_POLL_MILLIS = 5;

  /** One of the VM's logs: its base file, QEMU's socket for it, the writer's pid file, its limits. */
  record Log(String name, Path base, Path socket, Path pidFile, LogLimits limits) {
    RotatedLog rotated() {
      return new RotatedLog(base);
    }
  }

  /** A writer could not be started; the message says why. */
  static final class LogWriterException extends RuntimeException {
    LogWriterException(String message) {
      super(message);
    }
  }

  private final String rotatelogs;
  private final LogLimits containers;
  private final SamePageMerging merging;

  /**
   * @param rotatelogs the rotatelogs binary, a path or a name looked up in PATH
   * @param containers the container log's limits (the console's are {@link LogLimits#CONSOLE})
   */
  LogWriters(String rotatelogs, LogLimits containers) {
    this(rotatelogs, containers, SamePageMerging.fromEnvironment());
  }

  /** @param merging whether the writers run marked for same-page merging (PEAPOD_KSM) */
  LogWriters(String rotatelogs, LogLimits containers, SamePageMerging merging) {
    this.rotatelogs = rotatelogs;
    this.containers = containers;
    this.merging = merging;
  }

  /** The VM's two logs. */
  List<Log> logs(VmFiles files) {
    return List.of(
        new Log("container log", files.containersLog(), files.containersLogSocket(), files.containersLogWriterPid(),
            containers),
        new Log("console", files.console(), files.consoleSocket(), files.consoleWriterPid(), LogLimits.CONSOLE));
  }

  /**
   * Before a launch: every file of both rings exists, empty and 0600 (rotatelogs keeps the mode of a
   * file it truncates), and files of a longer ring from an earlier configuration are gone.
   */
  void prepare(VmFiles files) throws IOException {
    for (Log log : logs(files)) {
      List<Path> ring = log.rotated().ring(log.limits().files());
      for (Path stale : log.rotated().ring()) {
        if (!ring.contains(stale)) {
          Files.deleteIfExists(stale);
        }
      }
      for (Path file : ring) {
        PrivateFiles.privateFile(file);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
          ch.truncate(0);
        }
      }
    }
  }

  /**
   * Deletes the VM's log files (every file of each ring, whatever it is): what a pool VM brought into a pod whose
   * warm start failed emptying them (see {@link #prepare}); the restore that follows makes its own.
   */
  void discard(VmFiles files) {
    for (Log log : logs(files)) {
      for (Path file : log.rotated().ring()) {
        try {
          TemplateCatalogue.deleteTree(file);
        } catch (IOException | RuntimeException e) {
          // prepare says so, at the restore
        }
      }
    }
  }

  /**
   * The launch that connects to {@code log}'s socket (relative to the pod directory), checks that {@code
   * peerUid} (the VM's QEMU) listens there, and runs rotatelogs on it (see {@link PeerCheckedConnect}); its
   * output goes to the VM's log of its writers.
   */
  PeerCheckedConnect.Launch launch(VmFiles files, Log log, int peerUid) {
    return PeerCheckedConnect.Launch.of(log.socket().getFileName().toString(), peerUid, merging,
        files.logWritersLog(), true, List.of(rotatelogs, "-f", "-n", Integer.toString(log.limits().files()),
            log.base().getFileName().toString(), log.limits().maxFileBytes() + "B"));
  }

  /**
   * Starts both writers of a VM whose QEMU just launched, and waits until each is connected. Both
   * launch at once, from one launcher (a {@link PeerCheckedConnect.Batch} of one slot): a start waits for one
   * perl's start, not for two one after the other.
   */
  void start(VmFiles files) {
    start(files, new PeerCheckedConnect.Batch(files.dir(), "perl").slot());
  }

  /**
   * {@link #start(VmFiles)} with {@code launcher}, which may run the writers together with other programs (a
   * {@link PeerCheckedConnect.Batch}): it is told {@link PeerCheckedConnect.Launcher#done} once both are given.
   */
  void start(VmFiles files, PeerCheckedConnect.Launcher launcher) {
    List<Starting> starting = new ArrayList<>();
    try {
      for (Log log : logs(files)) {
        starting.add(launch(files, log, launcher));
      }
      launcher.done();
      for (Starting s : starting) {
        s.await();
      }
    } catch (RuntimeException e) {
      launcher.done();
      starting.forEach(Starting::abandon);
      throw e;
    }
  }

  /**
   * Starts a writer for each log whose writer has ended while the VM runs; returns the logs it
   * started one for. A VM launched before Peapod rotated logs (no log sockets) is left alone.
   */
  List<String> repair(VmFiles files) {
    List<String> repaired = new ArrayList<>();
    for (Log log : logs(files)) {
      if (Files.exists(log.socket()) && running(log).isEmpty()) {
        launch(files, log, PeerCheckedConnect.alone(files.dir(), "perl")).await();
        repaired.add(log.name());
      }
    }
    return repaired;
  }

  /** Whether every writer of a VM that has them runs. */
  boolean allRunning(VmFiles files) {
    return logs(files).stream().allMatch(log -> !Files.exists(log.socket()) || running(log).isPresent());
  }

  /**
   * Stops the VM's writers (a hand-over moves their files; writers started in the new directory
   * take over). What the guest writes meanwhile is dropped.
   */
  void stop(VmFiles files) {
    for (Log log : logs(files)) {
      running(log).ifPresent(handle -> HostProcess.terminate(handle, Duration.ofSeconds(2)));
    }
  }

  /** A writer launched and not yet seen connected. */
  private final class Starting {
    private final VmFiles files;
    private final Log log;
    private final CompletableFuture<Long> launched;
    private Optional<ProcessHandle> process = Optional.empty();
    private boolean done;

    Starting(VmFiles files, Log log, CompletableFuture<Long> launched) {
      this.files = files;
      this.log = log;
      this.launched = launched;
    }

    /** Waits until the launcher has exec'd rotatelogs (it does once connected to QEMU's socket), then records its pid. */
    void await() {
      long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
      long pid;
      try {
        pid = launched.get(READY_TIMEOUT.toNanos(), java.util.concurrent.TimeUnit.NANOSECONDS);
      } catch (java.util.concurrent.ExecutionException e) {
        throw new LogWriterException("cannot start the " + log.name() + " writer: " + e.getCause().getMessage());
      } catch (java.util.concurrent.TimeoutException e) {
        throw new LogWriterException("the " + log.name() + " writer was not launched within "
            + READY_TIMEOUT.toSeconds() + " s");
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new LogWriterException("interrupted while waiting for a log writer");
      }
      // the launcher's child: not this JVM's, so how it ended is in the writers' log, not in an exit status
      process = ProcessHandle.of(pid);
      for (int looks = 0; !HostProcess.commandLine(pid).map(cmd -> cmd.startsWith(rotatelogs + " ")).orElse(false);
          looks++) {
        // a zombie is ended too: its parent, the launcher, has exited, and init may reap it only later
        if (process.map(p -> !p.isAlive() || !HostProcess.isAlive(pid)).orElse(true)) {
          throw new LogWriterException("the " + log.name() + " writer ended: " + writersLog(files)
              + " (is rotatelogs from apache2-utils installed?)");
        }
        if (System.nanoTime() > deadline) {
          process.ifPresent(ProcessHandle::destroyForcibly);
          throw new LogWriterException("the " + log.name() + " writer did not connect within "
              + READY_TIMEOUT.toSeconds() + " s: " + writersLog(files));
        }
        sleep(looks);
      }
      try {
        PrivateFiles.privateFile(log.pidFile());
        Files.writeString(log.pidFile(), pid + " " + HostProcess.startTime(pid).orElse(-1) + "\n");
      } catch (IOException e) {
        process.ifPresent(ProcessHandle::destroyForcibly);
        throw new LogWriterException("cannot record the " + log.name() + " writer's pid in " + log.pidFile() + ": "
            + e);
      }
      done = true;
    }

    /** Kills a writer that was launched but will not be awaited (its sibling failed). */
    void abandon() {
      if (!done) {
        PeerCheckedConnect.killWhenLaunched(launched); // one not yet launched by its batch is left out
      }
    }
  }

  private Starting launch(VmFiles files, Log log, PeerCheckedConnect.Launcher launcher) {
    try {
      PrivateFiles.privateFile(files.logWritersLog());
      return new Starting(files, log, launcher.launch(launch(files, log, PeerCheckedConnect.peerUid(log.socket()))));
    } catch (IOException e) {
      throw new LogWriterException("cannot start the " + log.name() + " writer: " + e.getMessage());
    }
  }

  private Optional<ProcessHandle> running(Log log) {
    String[] recorded;
    try {
      recorded = Files.readString(log.pidFile()).trim().split(" ");
      long pid = Long.parseLong(recorded[0]);
      long startTime = Long.parseLong(recorded[1]);
      if (!HostProcess.matches(pid, startTime, rotatelogs + " ")) {
        return Optional.empty();
      }
      return ProcessHandle.of(pid);
    } catch (IOException | NumberFormatException | ArrayIndexOutOfBoundsException e) {
      return Optional.empty();
    }
  }

  private static String writersLog(VmFiles files) {
    try {
      return Files.readString(files.logWritersLog()).strip().replace('\n', ' ');
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  /**
   * Pauses before look {@code looks + 1}: 1, 2, 4 ms, then {@link #MAX_POLL_MILLIS}. A launch takes
   * from a few ms (quiet) to tens (loaded); a fixed 10 ms poll cost a start 5 ms per writer on average.
   */
  private static void sleep(int looks) {
    try {
      Thread.sleep(Math.min(1L << Math.min(looks, 3), MAX_POLL_MILLIS));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new LogWriterException("interrupted while waiting for a log writer");
    }
  }
}
