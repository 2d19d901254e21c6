package dev.peapod.cli.volume;

import dev.peapod.cli.ExitCodes;
import dev.peapod.cli.PeapodCommand;
import dev.peapod.cli.output.Output;
import dev.peapod.engine.spec.PersistentVolumes;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code peapod volume rm [NAMESPACE/]CLAIM...}: deletes a claim's files and record, the only way
 * they go. A claim a pod still names (Created or Running) is refused with exit 4, as {@code image
 * rm} refuses an image in use; every argument is tried, the exit code is the first failure's.
 */
@Command(name = "rm", aliases = "remove", description = "Remove persistent volume claims and their files.")
public final class VolumeRemoveCommand implements Callable<Integer> {

  @Spec
  CommandSpec spec;

  @Parameters(arity = "1..*", paramLabel = "[NAMESPACE/]CLAIM", description = "The claim; namespace default if not given.")
  List<String> claims;

  @Option(names = {"-n", "--namespace"}, description = "Namespace of claims given without one (default: default).")
  String namespace = "default";

  @Override
  public Integer call() throws IOException {
    PeapodCommand root = PeapodCommand.of(spec);
    Output output = root.output(spec);
    PersistentVolumes volumes = new PersistentVolumes(root.environment().home());
    int exitCode = ExitCodes.OK;
    for (String argument : claims) {
      int slash = argument.indexOf('/');
      String ns = slash < 0 ? namespace : argument.substring(0, slash);
      String name = slash < 0 ? argument : argument.substring(slash + 1);
      Optional<PersistentVolumes.Claim> claim = volumes.find(ns, name);
      int failed = ExitCodes.OK;
      if (claim.isEmpty()) {
        output.err().println("peapod: no such volume claim: " + ns + "/" + name
            + PersistentVolumes.invalid(ns, name).map(m -> " (" + m + ")").orElse(""));
        failed = ExitCodes.NOT_FOUND;
      } else {
        List<String> users = ClaimUsers.of(root.environment().home(), claim.get());
        if (!users.isEmpty()) {
          output.err().println("peapod: volume claim " + ns + "/" + name + " is used by pod"
              + (users.size() == 1 ? " " : "s ") + String.join(", ", users) + "; remove "
              + (users.size() == 1 ? "it" : "them") + " first (peapod rm)");
          failed = ExitCodes.IN_USE;
        } else {
          volumes.remove(claim.get());
          output.line("Deleted: " + ns + "/" + name);
        }
      }
      output.err().flush();
      exitCode = exitCode == ExitCodes.OK ? failed : exitCode;
    }
    return exitCode;
  }
}
