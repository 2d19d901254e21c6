package dev.peapod.cli.pod;

import picocli.CommandLine.Command;

/** {@code peapod run -f FILE}: {@code create} then {@code start}, pod by pod. */
@Command(name = "run", description = "Create and start the pods of a manifest file.")
public final class PodRunCommand extends PodCreateCommand {
  @Override
  boolean startAfterCreate() {
    return true;
  }
}
