package dev.peapod.cli.image;

import dev.peapod.cli.ErrorReporter;
import dev.peapod.cli.ExitCodes;
import dev.peapod.cli.PeapodCommand;
import dev.peapod.cli.output.Output;
import dev.peapod.images.ImageException;
import dev.peapod.images.ImageStore;
import dev.peapod.images.ImageUsage;
import dev.peapod.images.RemoveResult;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code peapod image rm}: removes references, and an image once none is left (by id: the
 * image and all its references), as {@code docker rmi}. An image a pod uses is refused.
 * Each argument is tried even when an earlier one failed; the exit code is that of the first
 * failure, so {@code rm a b} with a missing {@code a} still removes {@code b} and exits 3.
 */
@Command(name = "rm", aliases = "remove", description = "Remove images that no pod uses.")
public final class ImageRemoveCommand implements Callable<Integer> {

  @Spec
  CommandSpec spec;

  @Parameters(arity = "1..*", paramLabel = "IMAGE", description = "Reference, id or id prefix.")
  List<String> images;

  @Override
  public Integer call() {
    PeapodCommand root = PeapodCommand.of(spec);
    Output output = root.output(spec);
    ImageUsage usage = new PodImageUsage(root.environment().home());
    int exitCode = ExitCodes.OK;
    List<Map<String, Object>> removed = new ArrayList<>();
    try (ImageStore store = LocalImages.open(root.environment())) {
      for (String image : images) {
        RemoveResult result;
        try {
          result = store.remove(image, usage);
        } catch (ImageException e) {
          output.err().println("peapod: " + ErrorReporter.message(e));
          output.err().flush();
          exitCode = exitCode == ExitCodes.OK ? ErrorReporter.exitCode(e) : exitCode;
          continue;
        }
        if (output.structured()) {
          Map<String, Object> data = new LinkedHashMap<>();
          data.put("image", image);
          data.put("untagged", result.untagged());
          data.put("deleted", result.deleted().stream().map(Object::toString).toList());
          removed.add(data);
        } else {
          result.untagged().forEach(reference -> output.line("Untagged: " + reference));
          result.deleted().forEach(id -> output.line("Deleted: " + id));
        }
      }
    }
    if (output.structured()) {
      output.data(removed);
    }
    return exitCode;
  }
}
