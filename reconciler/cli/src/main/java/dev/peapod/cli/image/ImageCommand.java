package dev.peapod.cli.image;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code peapod image}: the local image store, as {@code docker image} manages Docker's. */
@Command(
    name = "image",
    description = "Manage images in $PEAPOD_HOME/images.",
    subcommands = {
        ImageListCommand.class,
        ImagePullCommand.class,
        ImageLoadCommand.class,
        ImageInspectCommand.class,
        ImageRemoveCommand.class,
        ImagePruneCommand.class})
public final class ImageCommand implements Runnable {

  @Spec
  CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }
}
