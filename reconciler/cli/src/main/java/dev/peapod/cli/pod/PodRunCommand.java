package dev.peapod.cli.pod;

import dev.peapod.cli.CliException;
import dev.peapod.cli.ErrorReporter;
import dev.peapod.cli.ExitCodes;
import dev.peapod.cli.PeapodCommand;
import dev.peapod.cli.output.Output;
import dev.peapod.engine.lock.PodLock;
import dev.peapod.engine.lock.PodLockedException;
import dev.peapod.engine.spec.HostPathAllowList;
import dev.peapod.manifest.model.PodManifest;
import dev.peapod.manifest.model.Stdio;
import dev.peapod.manifest.model.VolumeSource;
import dev.peapod.plan.Action;
import dev.peapod.provider.AttachSession;
import dev.peapod.provider.AttachSpec;
import dev.peapod.provider.ContainerStatus;
import dev.peapod.provider.ExecSpec;
import dev.peapod.provider.LogQuery;
import dev.peapod.provider.LogRecord;
import dev.peapod.provider.PodSpec;
import dev.peapod.provider.PodState;
import dev.peapod.provider.PodStatus;
import dev.peapod.provider.SecretValues;
import dev.peapod.provider.qemu.QemuProvider;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.IExitCodeGenerator;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code peapod run -f FILE}: {@code create} then {@code start}, pod by pod.
 *
 * <p>{@code peapod run [flags] IMAGE [-- ARG...]}: one pod with one container, as {@code docker run}
 * makes one: the flags become a PeaPod manifest ({@link ImageRunFlags}), which is created and
 * started like a file's, owned by {@code cli}. Without {@code -d} the container's output is streamed
 * (stdout to stdout, stderr to stderr) until it exits, and its exit code (128+signal when killed) is
 * peapod's; the pod is then stopped (Created, as Docker leaves an exited container), or removed with
 * {@code --rm}. With {@code -d} the pod's name is printed once it runs. The pod lock is held while
 * the pod is made and started and while it is stopped or removed, not while its output streams, so
 * {@code peapod stop} from elsewhere works meanwhile.
 *
 * <p>{@code -i} gives the container a stdin and passes ours to it ({@code stdinOnce} when run stays
 * attached, so the end of our input is the end of its, as {@code docker run -i} does); {@code -t}
 * gives it a terminal, whose size follows ours; with both, our terminal is raw for the session and
 * the detach keys (Ctrl-P Ctrl-Q) leave the pod running and return. The output still comes from the
 * container's log, so nothing it wrote before run attached is lost.
 */
@Command(name = "run", description = "Create and start the pods of a manifest file, or (IMAGE) one pod running an"
    + " image, as docker run does.")
public final class PodRunCommand extends PodCreateCommand implements IExitCodeGenerator {
  private static final Duration POLL = Duration.ofMillis(100);
  /**
   * How long output may still arrive after the container's exit is seen (and after each later
   * piece): the log port is a channel apart from the control port that reports the exit.
   */
  private static final Duration DRAIN = Duration.ofMillis(500);

  @Parameters(index = "0", arity = "0..1", paramLabel = "IMAGE", description = "Run this image (instead of -f).")
  String image;

  @Parameters(index = "1..*", paramLabel = "ARG", description = "After --: the container's command (the image's"
      + " cmd is replaced, its entrypoint kept).")
  List<String> args;

  @Option(names = "--name", paramLabel = "NAME", description = "The pod's name (default: IMAGE-RANDOM, printed).")
  String name;

  @Option(names = {"-d", "--detach"}, description = "Print the pod's name once it runs, and return.")
  boolean detach;

  @Option(names = {"-i", "--interactive"}, description = "Give the container a stdin and pass ours to it.")
  boolean interactive;

  @Option(names = {"-t", "--tty"}, description = "Give the container a terminal (with -i: ours goes raw for it).")
  boolean tty;

  @Option(names = "--detach-keys", paramLabel = "KEYS", description = "With -it: the keys that detach and leave the"
      + " pod running (default: " + DetachKeys.DEFAULT + ").")
  String detachKeys;

  @Option(names = "--rm", description = "Remove the pod once its container exits.")
  boolean remove;

  @Option(names = {"-p", "--publish"}, paramLabel = "[IP:]HOSTPORT:CONTAINERPORT[/tcp]",
      description = "Forward a host port (IP default 127.0.0.1).")
  List<String> publish;

  @Option(names = {"-e", "--env"}, paramLabel = "KEY=VALUE", description = "Set a variable (KEY alone: its value here).")
  List<String> env;

  @Option(names = {"-v", "--volume"}, paramLabel = "HOSTPATH:CONTAINERPATH[:ro]", description = "Share a host path.")
  List<String> volumes;

  @Option(names = {"-w", "--workdir"}, paramLabel = "DIR", description = "The container's working directory.")
  String workdir;

  @Option(names = {"-u", "--user"}, paramLabel = "UID[:GID]", description = "The container's user.")
  String user;

  @Option(names = "--memory", paramLabel = "QUANTITY", description = "The VM's memory, e.g. 256Mi.")
  String memory;

  @Option(names = "--cpus", paramLabel = "N", description = "The VM's vCPUs.")
  String cpus;

  @Option(names = "--hostname", paramLabel = "HOSTNAME", description = "The pod's hostname (default: its name).")
  String hostname;

  @Override
  boolean startAfterCreate() {
    return true;
  }

  @Override
  public void run() {
    boolean imageFlags = name != null || detach || interactive || tty || detachKeys != null || remove
        || publish != null || env != null || volumes != null || workdir != null || user != null || memory != null
        || cpus != null || hostname != null || args != null;
    if (file != null) {
      if (image != null) {
        throw new CliException(ExitCodes.USAGE, "run takes -f FILE or IMAGE, not both");
      }
      if (imageFlags) {
        throw new CliException(ExitCodes.USAGE, "run -f FILE takes no container flags: the file says what to run");
      }
      // Handed whole to a running controller when there is one (ControllerRun); else, or when it
      // gives the run back, done here.
      PeapodCommand root = PeapodCommand.of(spec);
      if (!ControllerRun.run(root, spec, root.output(spec), file)) {
        runFile();
      }
      return;
    }
    if (image == null) {
      throw new CliException(ExitCodes.USAGE, "run needs IMAGE, or -f FILE");
    }
    if (detach && remove) {
      throw new CliException(ExitCodes.USAGE, "run -d --rm: no process is left to remove the pod when its container"
          + " exits; leave out --rm and rm it yourself");
    }
    DetachKeys keys = DetachKeys.parse(detachKeys == null ? DetachKeys.DEFAULT : detachKeys);
    // Before anything is made: a pod nobody could type into is worse than an error. With -t alone
    // our terminal, if we have one, only lends its size.
    Terminal terminal = tty && !detach && (interactive || System.console() != null)
        ? Terminal.open(interactive ? "run -it" : "run -t") : null;
    exitCode = runImage(terminal, keys);
  }

  /** What {@code run IMAGE} exits with: the container's exit code, or 0 with -d. */
  private int exitCode;

  @Override
  public int getExitCode() {
    return exitCode;
  }

  private int runImage(Terminal terminal, DetachKeys keys) {
    PeapodCommand root = PeapodCommand.of(spec);
    Output output = root.output(spec);
    boolean generated = name == null;
    String pod = generated ? generatedName(image) : name;
    Path cwd = Path.of("").toAbsolutePath();
    // Docker's StdinOnce: set when run itself attaches stdin, so our end of input ends the container's.
    Stdio stdio = new Stdio(interactive, interactive && !detach, tty);
    PodManifest manifest = new ImageRunFlags(image, pod, publish, env, volumes, workdir, user, memory, cpus,
        hostname, args, stdio).manifest(cwd, root.environment().env());
    // -v paths are the user's own, typed here, as docker run takes them: allowed as named.
    HostPathAllowList hostPaths = PodCommands.hostPaths(root).plus(manifest.spec().volumes().stream()
        .filter(v -> v.source() instanceof VolumeSource.HostPath)
        .map(v -> Path.of(((VolumeSource.HostPath) v.source()).path()))
        .toList());
    PodCommands.checkSupported(List.of(manifest), hostPaths);
    try (QemuProvider provider = PodCommands.provider(root)) {
      try (PodLock lock = PodCommands.lock(root, spec, pod)) {
        if (provider.inspect(pod).isPresent()) {
          throw new CliException(ExitCodes.IN_USE, "pod \"" + pod + "\" already exists: choose another --name,"
              + " or rm it first");
        }
        PodSpec podSpec = PodCommands.convert(root, output, manifest, hostPaths);
        ManifestRecords.begin(root, manifest, Action.CREATE);
        provider.create(podSpec);
        ManifestRecords.applied(root, manifest);
        try {
          PodCommands.boot(root, output, provider, pod, lock, SecretValues.NONE);
        } catch (RuntimeException e) {
          if (remove) {
            lock.close(); // it may have gone to a controller for the boot: taken again for the removal
            PodCommands.removeCreated(root, spec, provider, pod);
          }
          throw e;
        }
      }
      if (detach) {
        output.line(pod);
        return 0;
      }
      spec.commandLine().getOut().flush();
      if (generated) {
        output.err().println("peapod: running pod " + pod);
        output.err().flush();
      }
      // Ctrl-C (or a SIGTERM) of peapod ends the pod as the container's exit would: stopped, or with --rm removed.
      Thread onInterrupt = new Thread(() -> {
        try (QemuProvider own = PodCommands.provider(root)) {
          end(root, own, pod);
        }
      }, "run-interrupted");
      Runtime.getRuntime().addShutdownHook(onInterrupt);
      String container = ImageRunFlags.containerName(image);
      OptionalInt code;
      try (AttachSession session = interactive || tty ? attach(provider, pod, container, terminal) : null) {
        CompletableFuture<Boolean> detached = session != null && interactive
            ? AttachClient.pumpStdin(session, terminal != null ? keys : null) : new CompletableFuture<>();
        code = streamUntilExit(provider, pod, container, detached);
      } finally {
        if (terminal != null) {
          terminal.restore();
        }
      }
      Runtime.getRuntime().removeShutdownHook(onInterrupt);
      if (code.isEmpty()) {
        System.err.println("peapod: detached; pod " + pod + " keeps running (peapod attach " + pod + ", peapod rm -f "
            + pod + ")");
        return ExitCodes.OK;
      }
      end(root, provider, pod);
      return code.getAsInt();
    }
  }

  /**
   * Attached for stdin and the terminal's size only: the output comes from the log, which has it
   * from the start (an attachment has it from the moment it is made).
   */
  private AttachSession attach(QemuProvider provider, String pod, String container, Terminal terminal) {
    Optional<ExecSpec.TerminalSize> size = terminal != null ? Optional.of(terminal.size()) : Optional.empty();
    AttachSession session = provider.attach(pod, new AttachSpec(container, interactive, false, size));
    if (terminal != null && interactive) {
      try {
        terminal.raw();
      } catch (IOException e) {
        session.close();
        throw new CliException(ExitCodes.ERROR, "cannot put the terminal in raw mode: " + e.getMessage());
      }
    }
    if (terminal != null) {
      terminal.onResize(session::resize);
    }
    return session;
  }

  /**
   * Copies the container's output until it has exited, and returns its exit code; empty when
   * {@code detached} completes with true first (the detach keys were typed).
   */
  private static OptionalInt streamUntilExit(QemuProvider provider, String pod, String container,
      CompletableFuture<Boolean> detached) {
    AtomicLong lastOutput = new AtomicLong(System.nanoTime());
    OutputStream out = new FileOutputStream(FileDescriptor.out);
    OutputStream err = new FileOutputStream(FileDescriptor.err);
    LogQuery query = new LogQuery(Optional.of(container), true, OptionalInt.empty());
    Stream<LogRecord> logs = provider.logs(pod, query);
    Thread copier = new Thread(() -> {
      try {
        logs.forEach(record -> {
          try {
            OutputStream to = record.stream() == LogRecord.Stream.STDERR ? err : out;
            to.write(record.data());
            to.flush();
          } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
          lastOutput.set(System.nanoTime());
        });
      } catch (RuntimeException e) {
        // the stream was closed, or our stdout is gone: nothing more to copy
      }
    }, "run-output");
    copier.setDaemon(true);
    copier.start();
    try {
      OptionalInt code = awaitExit(provider, pod, container, detached);
      if (code.isEmpty()) {
        return code;
      }
      long exitSeen = System.nanoTime();
      while (System.nanoTime() - Math.max(exitSeen, lastOutput.get()) < DRAIN.toNanos()) {
        Thread.sleep(50);
      }
      return code;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException(ExitCodes.ERROR, "interrupted while pod \"" + pod + "\" runs");
    } finally {
      logs.close();
    }
  }

  private static OptionalInt awaitExit(QemuProvider provider, String pod, String container,
      CompletableFuture<Boolean> detached) throws InterruptedException {
    while (true) {
      if (detached.getNow(false)) {
        return OptionalInt.empty();
      }
      Optional<PodStatus> status = provider.inspect(pod);
      if (status.isEmpty()) {
        throw new CliException(ExitCodes.ERROR, "pod \"" + pod + "\" was removed while it ran");
      }
      if (status.get().state() != PodState.RUNNING) {
        throw new CliException(ExitCodes.ERROR, "pod \"" + pod + "\" ended before its container exited"
            + (status.get().message().isEmpty() ? "" : ": " + status.get().message()));
      }
      Optional<ContainerStatus> c = status.get().containers().stream().filter(s -> s.name().equals(container)).findFirst();
      if (c.isPresent() && c.get().state() == ContainerStatus.ContainerState.EXITED) {
        return OptionalInt.of(c.get().exitCode().orElse(0));
      }
      Thread.sleep(POLL.toMillis());
    }
  }

  /** The container has exited: the pod is stopped, or with --rm removed; someone else's change in progress wins. */
  private void end(PeapodCommand root, QemuProvider provider, String pod) {
    try (PodLock lock = PodCommands.lock(root, spec, pod)) {
      if (remove) {
        provider.remove(pod, Duration.ZERO);
        ManifestRecords.removed(root, pod);
      } else {
        provider.stop(pod, Duration.ZERO);
      }
    } catch (PodLockedException e) {
      // another peapod changes the pod (a stop or rm from elsewhere): leave it to that
    } catch (RuntimeException e) {
      System.err.println("peapod: " + (remove ? "removing" : "stopping") + " pod \"" + pod + "\" after its container"
          + " exited failed: " + ErrorReporter.message(e));
    }
  }

  /** {@code busybox-3f9a2c}: the container's name and six random hex digits. */
  static String generatedName(String image) {
    byte[] random = new byte[3];
    new SecureRandom().nextBytes(random);
    return ImageRunFlags.containerName(image) + "-" + HexFormat.of().formatHex(random);
  }
}
