package dev.peapod.cli.pod;

import dev.peapod.cli.CliException;
import dev.peapod.cli.ExitCodes;
import dev.peapod.cli.PeapodCommand;
import dev.peapod.provider.ExecSession;
import dev.peapod.provider.ExecSpec;
import dev.peapod.provider.PodStatus;
import dev.peapod.provider.qemu.QemuProvider;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code peapod exec NAME [-c C] [-it] -- CMD...}: runs a process in a container of a running pod.
 * peapod's stdin goes to it, its stdout and stderr come back, and its exit code (128+signal when
 * killed) becomes peapod's. With {@code -t} it gets a terminal: the local one is put in raw mode
 * for the session (and restored on exit, also on Ctrl-C of the JVM), its size is passed on at the
 * start and on every SIGWINCH.
 */
@Command(name = "exec", description = "Run a command in a running pod's container; its exit code is peapod's.")
public final class PodExecCommand implements Callable<Integer> {

  @Spec
  CommandSpec spec;

  @Parameters(index = "0", paramLabel = "NAME", description = "The pod.")
  String name;

  @Parameters(index = "1..*", arity = "1..*", paramLabel = "COMMAND", description = "argv; put -- before it.")
  List<String> command;

  @Option(names = {"-c", "--container"}, paramLabel = "CONTAINER", description = "Default: the pod's first container.")
  String container;

  @Option(names = {"-i", "--stdin"}, description = "Pass stdin on (always done; accepted for docker/kubectl habits).")
  boolean stdin;

  @Option(names = {"-t", "--tty"}, description = "Give the command a terminal; the local one goes raw for the session.")
  boolean tty;

  @Override
  public Integer call() throws Exception {
    PeapodCommand root = PeapodCommand.of(spec);
    spec.commandLine().getOut().flush();
    try (QemuProvider provider = PodCommands.provider(root)) {
      PodStatus pod = PodCommands.require(provider, name);
      String target = container != null ? container : pod.spec().containers().get(0).name();
      if (!pod.spec().hasContainer(target)) {
        throw new CliException(ExitCodes.NOT_FOUND, "pod \"" + name + "\" has no container \"" + target + "\"");
      }
      return tty ? withTerminal(provider, target, root) : plain(provider, target);
    }
  }

  private int plain(QemuProvider provider, String target) throws InterruptedException {
    ExecSpec execSpec = new ExecSpec(target, command, null, null, null, false, null);
    try (ExecSession session = provider.exec(name, execSpec)) {
      Thread in = pump("exec-stdin", new FileInputStream(FileDescriptor.in), session.stdin(), true);
      Thread out = pump("exec-stdout", session.stdout(), new FileOutputStream(FileDescriptor.out), false);
      Thread err = pump("exec-stderr", session.stderr(), new FileOutputStream(FileDescriptor.err), false);
      int code = waitFor(session);
      out.join(5000);
      err.join(5000);
      in.interrupt();
      return code;
    }
  }

  private int withTerminal(QemuProvider provider, String target, PeapodCommand root) throws Exception {
    Terminal terminal = Terminal.open();
    String term = root.environment().env().getOrDefault("TERM", "xterm");
    ExecSpec execSpec = new ExecSpec(target, command, Map.of("TERM", term), null, null, true, terminal.size());
    try (ExecSession session = provider.exec(name, execSpec)) {
      terminal.raw();
      terminal.onResize(session::resize);
      pump("exec-stdin", new FileInputStream(FileDescriptor.in), session.stdin(), true);
      Thread out = pump("exec-stdout", session.stdout(), new FileOutputStream(FileDescriptor.out), false);
      int code = waitFor(session);
      out.join(5000);
      return code;
    } finally {
      terminal.restore();
    }
  }

  private static int waitFor(ExecSession session) {
    while (true) {
      OptionalInt code = session.waitFor(Duration.ofHours(1));
      if (code.isPresent()) {
        return code.getAsInt();
      }
    }
  }

  /** Copies until end of input; closes {@code to} at the end when it is the process's stdin. */
  private static Thread pump(String threadName, InputStream from, OutputStream to, boolean closeAtEnd) {
    Thread thread = new Thread(() -> {
      byte[] buffer = new byte[8192];
      try {
        int n;
        while ((n = from.read(buffer)) > 0) {
          to.write(buffer, 0, n);
          to.flush();
        }
      } catch (IOException e) {
        // the other side is gone: the session ended
      } finally {
        if (closeAtEnd) {
          try {
            to.close();
          } catch (IOException ignored) {
            // nothing to do
          }
        }
      }
    }, threadName);
    thread.setDaemon(true);
    thread.start();
    return thread;
  }
}
