package dev.peapod.cli.volume;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code peapod volume}: the persistent volume claims of file and git mode, directories under
 * {@code $PEAPOD_HOME/volumes/NAMESPACE/CLAIM} that outlive their pods (see {@code
 * PersistentVolumes}); as {@code docker volume} manages Docker's named volumes.
 */
@Command(
    name = "volume",
    description = "Manage persistent volume claims in $PEAPOD_HOME/volumes.",
    subcommands = {VolumeListCommand.class, VolumeRemoveCommand.class})
public final class VolumeCommand implements Runnable {

  @Spec
  CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }
}
