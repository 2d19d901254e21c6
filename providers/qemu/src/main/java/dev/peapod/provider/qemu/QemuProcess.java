package dev.peapod.provider.qemu;

import dev.peapod.provider.qemu.runtime.HostProcess;
import dev.peapod.provider.qemu.runtime.PrivateFiles;
import dev.peapod.provider.qemu.runtime.VmFiles;
import dev.peapod.provider.qemu.runtime.VmUsers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import dev.peapod.provider.qemu.qmp.QmpClient;

/**
 * A QEMU process in a session of its own, so it outlives the JVM, and known
 * afterwards only by pid and start time.
 *
 * @param pid the daemon's pid, from QEMU's pid file
 * @param startTime the daemon's start time in clock ticks since host boot
 * @param launchedAt when the launch began
 * @param daemonizedAt when QEMU was set up (its QMP socket greeted; the guest is starting)
 * @param uid the real uid a VM user's QEMU runs as (see {@link VmUsers}): a process of another uid
 *     at this pid is not this VM's QEMU, whatever its start time and command line say (a QEMU a
 *     guest took over can write any pid into its pid file, and a process's command line is its own
 *     to choose); null for a QEMU that runs as the user running Peapod, which nothing less
 *     privileged than that user can point Peapod at
 */
public record QemuProcess(long pid, long startTime, Instant launchedAt, Instant daemonizedAt, Integer uid) {

  /** A QEMU that runs as the user running Peapod. */
  public QemuProcess(long pid, long startTime, Instant launchedAt, Instant daemonizedAt) {
    this(pid, startTime, launchedAt, daemonizedAt, null);
  }

  private static final System.Logger LOG = System.getLogger(QemuProcess.class.getName());
  private static final Duration LAUNCH_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration POLL = Duration.ofMillis(20);
  /**
   * The ends of the QEMUs this JVM launched most recently, by pid and start time: how a VM that
   * died while it was being set up ended (QEMU refusing a template's state exits with status 1, a
   * guest that crashed and asked to reboot with 0 under {@code -no-reboot}, a QEMU that crashed by a
   * signal), which its sockets' closing does not say.
   */
  private static final java.util.Map<String, java.util.concurrent.CompletableFuture<Process>> ENDS =
      java.util.Collections.synchronizedMap(new java.util.LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(java.util.Map.Entry<String, java.util.concurrent.CompletableFuture<Process>> e) {
          return size() > 64;
        }
      });

  /**
   * Runs QEMU in a session of its own ({@code setsid}, so it outlives the JVM and no Ctrl-C of the
   * command that started it reaches it) and waits until it is set up: its QMP socket greets, which
   * QEMU does once its main loop runs. Not {@code -daemonize}: QEMU 7.2 installs its seccomp filter
   * before daemonizing, and {@code spawn=deny} (see {@link QemuCommandLine#SANDBOX}) forbids the
   * fork that needs. QEMU's stdout and stderr up to then go to {@link VmFiles#launchLog()} and into
   * the exception when it fails; then to {@link VmFiles#qemuOutput()}, through rotatelogs (as the
   * console's log) in a ring of two files of {@link #OUTPUT_TAIL_BYTES}, so what QEMU says about a VM
   * that stops answering is kept and a guest that makes QEMU write without end fills no disk. Without
   * rotatelogs the pipe is closed, and what QEMU writes later fails at once (QEMU ignores SIGPIPE).
   */
  public static QemuProcess launch(List<String> argv, VmFiles files) {
    return launch(argv, files, null);
  }

  /**
   * {@link #launch(List, VmFiles)} of a QEMU that runs as {@code user} (null: as the user running
   * Peapod): it creates its sockets and pid file in the user's own directory, which {@link
   * #linkUserFiles} linked {@code files} to.
   */
  public static QemuProcess launch(List<String> argv, VmFiles files, VmUsers.VmUser user) {
    Instant launchedAt = Instant.now();
    try {
      PrivateFiles.createDirectories(files.dir());
      if (user == null) {
        for (Path stale : List.of(files.ctlSocket(), files.qmpSocket(), files.lifeline(), files.pidFile(),
            files.containersLogSocket(), files.consoleSocket())) {
          Files.deleteIfExists(stale);
        }
      } else {
        for (Path stale : qemuPaths(new VmFiles(user.qemuDir()))) {
          Files.deleteIfExists(stale); // of a QEMU of this uid killed before (a restore that failed)
        }
        linkUserFiles(files, user);
      }
      // QEMU creates its files under the umask and keeps the mode of files that exist: these are 0600.
      // A VM user's pid file is its own, in its own 0700 directory.
      for (Path file : user == null ? List.of(files.pidFile(), files.launchLog(), files.console(),
          files.containersLog()) : List.of(files.launchLog(), files.console(), files.containersLog())) {
        PrivateFiles.privateFile(file);
      }
      Files.write(files.launchLog(), new byte[0]);
      List<String> command = new java.util.ArrayList<>();
      // PEAPOD_KSM=all: QEMU marked for same-page merging before anything else runs, so that its
      // children in the launch chain and QEMU itself keep the mark (see SamePageMerging).
      command.addAll(dev.peapod.provider.qemu.runtime.SamePageMerging.fromEnvironment().qemuPrefix());
      command.add("setsid");
      command.addAll(argv);
      ProcessBuilder builder = new ProcessBuilder(command);
      // Two malloc arenas instead of glibc's 8 per core: each reserves 64 MiB of address space, which
      // counts against the VM's RLIMIT_AS (QemuCommandLine#addressSpaceLimit) and buys QEMU nothing.
      builder.environment().put("MALLOC_ARENA_MAX", "2");
      Process qemu = builder
          .directory(new java.io.File("/")) // as -daemonize did: QEMU holds no caller's directory
          .redirectErrorStream(true)
          .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
          .start();
      java.io.InputStream output = qemu.getInputStream();
      try {
        awaitSetUp(qemu, output, files);
      } catch (VmLaunchException | IOException e) {
        qemu.destroyForcibly();
        output.close();
        throw e;
      }
      // The pipe's read end stays open here until the keeper of its tail has one: QEMU never writes to a pipe nobody reads.
      try {
        keepOutputTail(qemu, files);
      } finally {
        output.close();
      }
      Instant daemonizedAt = Instant.now();
      if (user == null) {
        for (Path socket : List.of(files.ctlSocket(), files.qmpSocket(), files.lifeline(), files.netSocket(),
            files.containersLogSocket(), files.consoleSocket())) {
          PrivateFiles.makePrivate(socket); // the directory already keeps others out; the socket too
        }
      } // else its 0700 directory keeps others out, and a mode set through a link it owns could be redirected
      // A VM user's QEMU is the process launched here (setsid, prlimit, sh, setpriv and perl each exec the
      // next, and setsid forks only if it leads its process group, which a child of this JVM never does); its
      // pid file is that user's to write, so it is not read: a QEMU a guest took over could name any process.
      long pid = user == null ? readPid(files.pidFile()) : qemu.pid();
      long startTime = HostProcess.startTime(pid).orElseThrow(() ->
          new VmLaunchException("QEMU process " + pid + " exited right after starting" + launchOutput(files)));
      if (user != null && !HostProcess.realUid(pid).equals(java.util.OptionalInt.of(user.uid()))) {
        qemu.destroyForcibly();
        throw new VmLaunchException("QEMU process " + pid + " does not run as its VM user "
            + Integer.toUnsignedString(user.uid()) + launchOutput(files));
      }
      if (pid == qemu.pid()) { // setsid and the launch chain exec QEMU: this JVM's child, whose status it gets
        ENDS.put(pid + "/" + startTime, qemu.onExit());
      }
      return new QemuProcess(pid, startTime, launchedAt, daemonizedAt, user == null ? null : user.uid());
    } catch (IOException e) {
      throw new VmLaunchException("cannot run " + String.join(" ", argv.subList(0, Math.min(4, argv.size())))
          + ": " + e.getMessage(), e);
    }
  }

  /** The size of each of the two files of QEMU's output after its set-up ({@link VmFiles#qemuOutput()}). */
  static final int OUTPUT_TAIL_BYTES = 65536;

  /**
   * Starts rotatelogs on the read end of QEMU's output pipe, reopened through {@code /proc/PID/fd/1} of the process
   * launched (its stdout and stderr are that pipe whatever it execs), in a session of its own (setsid: no Ctrl-C of the
   * command reaches it); it ends when QEMU does. Not waited for: a launch costs the shell's fork alone. A failure
   * costs only the kept output.
   */
  private static void keepOutputTail(Process qemu, VmFiles files) {
    try {
      PrivateFiles.privateFile(files.qemuOutput());
      Files.write(files.qemuOutput(), new byte[0]);
      // In the background of a shell that ends at once (as DetachedJvm starts a keeper): a child of this JVM that
      // outlived it would hold a thread in waitpid, which a JVM's exit waits for (~300 ms). Not waited for (the
      // start's few ms stay off the launch): what QEMU writes between this JVM's close of its read end and the shell's
      // open of one fails (EPIPE, as all of it did before), and QEMU writes nothing there but on an error.
      new ProcessBuilder("sh", "-c", "exec 3<\"/proc/$0/fd/1\" || exit 1; setsid \"$@\" <&3 3<&- >/dev/null 2>&1 &", Long.toString(qemu.pid()),
          "rotatelogs", "-n", "2", files.qemuOutput().getFileName().toString(), OUTPUT_TAIL_BYTES + "B")
          .directory(files.dir().toFile())
          .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
          .redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .redirectError(ProcessBuilder.Redirect.DISCARD)
          .start();
    } catch (IOException | RuntimeException e) {
      LOG.log(System.Logger.Level.DEBUG, "QEMU's output after its set-up is not kept: " + e);
    }
  }

  /** The last {@code bytes} of QEMU's output after its set-up (both files of its ring), "" when there is none. */
  public static String outputTail(VmFiles files, int bytes) {
    StringBuilder all = new StringBuilder();
    for (Path file : List.of(files.dir().resolve(files.qemuOutput().getFileName() + ".1"), files.qemuOutput())) {
      try {
        all.append(Files.readString(file, java.nio.charset.StandardCharsets.ISO_8859_1));
      } catch (IOException e) {
        // none (yet)
      }
    }
    return all.length() <= bytes ? all.toString() : all.substring(all.length() - bytes);
  }

  /** The sockets and pid file QEMU creates. */
  private static List<Path> qemuPaths(VmFiles files) {
    return List.of(files.ctlSocket(), files.qmpSocket(), files.lifeline(), files.pidFile(), files.netSocket(),
        files.containersLogSocket(), files.consoleSocket());
  }

  /**
   * Makes the paths of {@code files} where QEMU creates its sockets and pid file symbolic links into
   * {@code user}'s run directory (absolute, so they stay right when the
   * pod directory's files move in a hand-over or out of the warm pool): everything that talks to
   * the VM goes on using the pod directory's names, and the VM user needs no access to it.
   */
  public static void linkUserFiles(VmFiles files, VmUsers.VmUser user) throws IOException {
    PrivateFiles.createDirectories(files.dir());
    VmFiles own = new VmFiles(user.qemuDir());
    List<Path> links = qemuPaths(files);
    List<Path> targets = qemuPaths(own);
    for (int i = 0; i < links.size(); i++) {
      replaceWithLink(links.get(i), targets.get(i));
    }
  }

  /** Deletes what {@link #linkUserFiles} made in {@code files}' directory (links only; nothing they point to). */
  public static void dropUserLinks(VmFiles files) {
    for (Path link : qemuPaths(files)) {
      try {
        if (Files.isSymbolicLink(link)) {
          Files.delete(link);
        }
      } catch (IOException e) {
        // replaced by the next launch
      }
    }
  }

  private static void replaceWithLink(Path link, Path target) throws IOException {
    Path temp = link.resolveSibling("." + link.getFileName() + ".link");
    Files.deleteIfExists(temp);
    Files.createSymbolicLink(temp, target);
    Files.move(temp, link, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
  }

  /** Copies QEMU's output to the launch log until its QMP socket greets; fails if QEMU exits first. */
  private static void awaitSetUp(Process qemu, java.io.InputStream output, VmFiles files) throws IOException {
    long deadline = System.nanoTime() + LAUNCH_TIMEOUT.toNanos();
    byte[] buf = new byte[8192];
    while (true) {
      copyAvailable(output, buf, files);
      if (!qemu.isAlive()) {
        copyAvailable(output, buf, files);
        throw new VmLaunchException("QEMU exited with status " + qemu.exitValue() + launchOutput(files));
      }
      if (Files.exists(files.qmpSocket())) {
        try (QmpClient qmp = QmpClient.connect(files.qmpSocket(), Duration.ofMillis(500))) {
          copyAvailable(output, buf, files);
          return;
        } catch (dev.peapod.provider.qemu.qmp.QmpException e) {
          // not listening or not greeting yet
        }
      }
      if (System.nanoTime() > deadline) {
        throw new VmLaunchException("QEMU was not set up within " + LAUNCH_TIMEOUT.toSeconds() + " s"
            + launchOutput(files));
      }
      sleep(Duration.ofMillis(2));
    }
  }

  private static void copyAvailable(java.io.InputStream output, byte[] buf, VmFiles files) throws IOException {
    for (int n = output.available(); n > 0; n = output.available()) {
      int read = output.read(buf, 0, Math.min(n, buf.length));
      if (read <= 0) {
        return;
      }
      Files.write(files.launchLog(), java.util.Arrays.copyOf(buf, read), java.nio.file.StandardOpenOption.APPEND);
    }
  }

  /**
   * Whether this is still the same live process (not a recycled pid, not a zombie): its start time,
   * its command line's {@code marker} and, for a VM user's QEMU, its real uid.
   */
  public boolean isAlive(String marker) {
    return HostProcess.matches(pid, startTime, marker) && (uid == null || runsAsUid());
  }

  private boolean runsAsUid() {
    return HostProcess.realUid(pid).equals(java.util.OptionalInt.of(uid));
  }

  /**
   * How this QEMU ended, if it did within {@code wait} and this JVM launched it: "exited with status
   * N" or "was killed by signal N".
   */
  public java.util.Optional<String> end(Duration wait) {
    java.util.concurrent.CompletableFuture<Process> end = ENDS.get(pid + "/" + startTime);
    if (end == null) {
      return java.util.Optional.empty();
    }
    try {
      int status = end.get(wait.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS).exitValue();
      return java.util.Optional.of(status > 128 ? "was killed by signal " + (status - 128) : "exited with status " + status);
    } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
      return java.util.Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return java.util.Optional.empty();
    }
  }

  /** Sends SIGKILL if the process is still ours, then waits up to {@code timeout} for it to be gone. */
  public void kill(String marker, Duration timeout) {
    if (isAlive(marker)) {
      ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }
    awaitExit(marker, timeout);
  }

  /** Waits until the process is gone; returns whether it went within {@code timeout}. */
  public boolean awaitExit(String marker, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (isAlive(marker)) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      sleep(POLL);
    }
    return true;
  }

  private static long readPid(Path pidFile) throws IOException {
    // QEMU writes the pid file before the parent exits, but be lenient about a slow filesystem.
    for (int i = 0; i < 50 && !Files.exists(pidFile); i++) {
      sleep(POLL);
    }
    if (!Files.exists(pidFile)) {
      throw new VmLaunchException("QEMU exited successfully but wrote no pid file " + pidFile);
    }
    try {
      return Long.parseLong(Files.readString(pidFile).trim());
    } catch (NumberFormatException e) {
      throw new VmLaunchException("QEMU's pid file " + pidFile + " holds no pid");
    }
  }

  private static String launchOutput(VmFiles files) {
    try {
      String out = Files.readString(files.launchLog()).trim();
      return out.isEmpty() ? "" : ": " + out;
    } catch (IOException e) {
      return "";
    }
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new VmLaunchException("interrupted", e);
    }
  }
}
