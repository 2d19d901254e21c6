package dev.peapod.cli.image;

import dev.peapod.cli.PeapodCommand;
import dev.peapod.cli.output.HumanUnits;
import dev.peapod.cli.output.Output;
import dev.peapod.images.ImageStore;
import dev.peapod.images.PruneResult;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code peapod image prune}: frees disk space. Removes images without a reference (with
 * {@code --all}, every image) that no pod uses, and blobs nothing needs any more.
 */
@Command(name = "prune", description = "Remove unreferenced images no pod uses, and unneeded blobs.")
public final class ImagePruneCommand implements Runnable {

  @Spec
  CommandSpec spec;

  @Option(names = {"-a", "--all"}, description = "Remove every image no pod uses, not only those without a reference.")
  boolean all;

  @Override
  public void run() {
    PeapodCommand root = PeapodCommand.of(spec);
    Output output = root.output(spec);
    PruneResult result;
    try (ImageStore store = LocalImages.open(root.environment())) {
      result = store.prune(new PodImageUsage(root.environment().home()), all);
    }
    if (output.structured()) {
      Map<String, Object> data = new LinkedHashMap<>();
      data.put("deleted", result.images().stream().map(Object::toString).toList());
      data.put("blobs", result.blobs());
      data.put("bytes", result.bytes());
      output.data(data);
      return;
    }
    result.images().forEach(id -> output.line("Deleted: " + id));
    output.line("Reclaimed " + HumanUnits.size(result.bytes()) + " (" + count(result.images().size(), "image")
        + ", " + count(result.blobs(), "blob") + ")");
  }

  private static String count(int n, String noun) {
    return n + " " + noun + (n == 1 ? "" : "s");
  }
}
