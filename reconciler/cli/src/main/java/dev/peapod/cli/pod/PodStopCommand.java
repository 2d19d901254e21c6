package dev.peapod.cli.pod;

import dev.peapod.engine.lock.PodLock;
import dev.peapod.cli.CliException;
import dev.peapod.cli.ExitCodes;
import dev.peapod.cli.PeapodCommand;
import dev.peapod.cli.PodListCommand;
import dev.peapod.cli.output.Output;
import dev.peapod.provider.PodStatus;
import dev.peapod.provider.qemu.QemuProvider;
import java.time.Duration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code peapod stop NAME...}: ends each pod's VM after a grace period; the pods end Created. With
 * several names each is stopped in turn and reported, as {@code docker stop a b} does: one that
 * fails is reported on stderr and the others are still stopped; the exit code is then the first
 * failure's.
 */
@Command(name = "stop", description = "Stop pods' VMs (SIGTERM, then SIGKILL after the grace period).")
public final class PodStopCommand implements Runnable, picocli.CommandLine.IExitCodeGenerator {

  @Spec
  CommandSpec spec;

  @Parameters(paramLabel = "NAME", arity = "1..*", description = "The pods.")
  java.util.List<String> names;

  private int exitCode;

  @Option(names = "--grace", paramLabel = "SECONDS",
      description = "Seconds between SIGTERM and SIGKILL (default: the pod's terminationGracePeriodSeconds).")
  Long graceSeconds;

  @Override
  public int getExitCode() {
    return exitCode;
  }

  @Override
  public void run() {
    exitCode = PodCommands.eachPod(spec, names, this::stop);
  }

  /** Stops the pod, says so for people and gives what {@code -o json|yaml} prints of it. */
  private Object stop(String name) {
    PeapodCommand root = PeapodCommand.of(spec);
    Output output = root.output(spec);
    try (QemuProvider provider = PodCommands.provider(root);
        PodLock lock = PodCommands.lock(root, spec, name)) {
      PodStatus before = PodCommands.require(provider, name);
      PodStatus status = provider.stop(name, grace(graceSeconds, before));
      PodCommands.say(output, "Stopped " + name);
      return PodListCommand.data(status);
    }
  }

  static Duration grace(Long seconds, PodStatus pod) {
    if (seconds == null) {
      return pod.spec().terminationGracePeriod();
    }
    if (seconds < 0) {
      throw new CliException(ExitCodes.USAGE, "--grace must not be negative: " + seconds);
    }
    return Duration.ofSeconds(seconds);
  }
}
