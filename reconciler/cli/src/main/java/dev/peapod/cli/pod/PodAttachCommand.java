package dev.peapod.cli.pod;

import dev.peapod.cli.CliException;
import dev.peapod.cli.ExitCodes;
import dev.peapod.cli.PeapodCommand;
import dev.peapod.provider.AttachSession;
import dev.peapod.provider.AttachSpec;
import dev.peapod.provider.ContainerSpec;
import dev.peapod.provider.PodStatus;
import dev.peapod.provider.qemu.QemuProvider;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code peapod attach NAME [-c C]}: this terminal attached to a container's main process, as
 * {@code docker attach} and {@code kubectl attach} are: its output from now on, our stdin to its
 * stdin when the container has one ({@code stdin: true}; {@code --no-stdin} leaves it alone), and
 * with {@code tty: true} our terminal in raw mode for it, its size passed on at the start and on
 * every SIGWINCH. It ends with the process (the exit code is the process's), or when the detach
 * keys are typed (Ctrl-P Ctrl-Q by default, on a terminal), which leaves the process running.
 * Without a terminal, our end of input is the client's: the process's stdin ends only with {@code
 * stdinOnce}, as in Docker.
 */
@Command(name = "attach", description = "Attach to the main process of a running pod's container (detach with"
    + " Ctrl-P Ctrl-Q); the exit code is the process's when it ends.")
public final class PodAttachCommand implements Callable<Integer> {

  @Spec
  CommandSpec spec;

  @Parameters(index = "0", paramLabel = "NAME", description = "The pod.")
  String name;

  @Option(names = {"-c", "--container"}, paramLabel = "CONTAINER", description = "Default: the pod's first container.")
  String container;

  @Option(names = "--detach-keys", paramLabel = "KEYS", defaultValue = DetachKeys.DEFAULT,
      description = "The keys that detach and leave the process running (default: ${DEFAULT-VALUE}).")
  String detachKeys;

  @Option(names = "--no-stdin", description = "Do not pass our stdin on, even if the container has one.")
  boolean noStdin;

  @Override
  public Integer call() throws Exception {
    PeapodCommand root = PeapodCommand.of(spec);
    DetachKeys keys = DetachKeys.parse(detachKeys);
    spec.commandLine().getOut().flush();
    try (QemuProvider provider = PodCommands.provider(root)) {
      PodStatus pod = PodCommands.require(provider, name);
      String target = container != null ? container : pod.spec().containers().get(0).name();
      ContainerSpec c = pod.spec().allContainers().stream().filter(s -> s.name().equals(target)).findFirst()
          .orElseThrow(() -> new CliException(ExitCodes.NOT_FOUND, "pod \"" + name + "\" has no container \""
              + target + "\""));
      boolean stdin = c.stdio().stdin() && !noStdin;
      // Raw mode only where keys are typed into a terminal: a pipe's bytes pass as they are.
      Terminal terminal = c.stdio().tty() && stdin && System.console() != null ? Terminal.open("attach") : null;
      AttachSpec attach = new AttachSpec(target, stdin, true, Optional.ofNullable(terminal).map(Terminal::size));
      try (AttachSession session = provider.attach(name, attach)) {
        if (terminal != null) {
          System.err.print("peapod: attached to " + name + "/" + target + "; if you see no prompt, press Enter;"
              + " detach with " + detachKeys + "\n");
          terminal.raw();
          terminal.onResize(session::resize);
        }
        Thread out = AttachClient.pumpOutput("attach-stdout", session.stdout(), new FileOutputStream(FileDescriptor.out));
        AttachClient.pumpOutput("attach-stderr", session.stderr(), new FileOutputStream(FileDescriptor.err));
        CompletableFuture<Boolean> input = stdin ? AttachClient.pumpStdin(session, terminal != null ? keys : null)
            : new CompletableFuture<>();
        while (true) {
          OptionalInt code = session.waitFor(Duration.ofMillis(200));
          if (code.isPresent()) {
            out.join(5000);
            return code.getAsInt();
          }
          if (input.getNow(false)) {
            if (terminal != null) {
              terminal.restore();
            }
            System.err.println("peapod: detached from " + name + "/" + target + ", which keeps running");
            return ExitCodes.OK;
          }
        }
      } finally {
        if (terminal != null) {
          terminal.restore();
        }
      }
    }
  }
}
