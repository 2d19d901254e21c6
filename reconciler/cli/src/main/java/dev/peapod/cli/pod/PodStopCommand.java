package dev.peapod.cli.pod;

import dev.peapod.engine.lock.PodLock;
import dev.peapod.cli.CliException;
import dev.peapod.cli.ExitCodes;
import dev.peapod.cli.PeapodCommand;
import dev.peapod.cli.output.Output;
import dev.peapod.provider.PodStatus;
import dev.peapod.provider.qemu.QemuProvider;
import java.time.Duration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code peapod stop NAME}: ends the pod's VM after a grace period; the pod ends Created. */
@Command(name = "stop", description = "Stop a pod's VM (SIGTERM, then SIGKILL after the grace period).")
public final class PodStopCommand implements Runnable {

  @Spec
  CommandSpec spec;

  @Parameters(paramLabel = "NAME", description = "The pod.")
  String name;

  @Option(names = "--grace", paramLabel = "SECONDS",
      description = "Seconds between SIGTERM and SIGKILL (default: the pod's terminationGracePeriodSeconds).")
  Long graceSeconds;

  @Override
  public void run() {
    PeapodCommand root = PeapodCommand.of(spec);
    Output output = root.output(spec);
    try (QemuProvider provider = PodCommands.provider(root);
        PodLock lock = PodCommands.lock(root, spec, name)) {
      PodStatus before = PodCommands.require(provider, name);
      PodStatus status = provider.stop(name, grace(graceSeconds, before));
      PodCommands.print(output, status, "Stopped " + name);
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
