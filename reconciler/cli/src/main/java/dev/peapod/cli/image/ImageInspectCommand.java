package dev.peapod.cli.image;

import dev.peapod.cli.PeapodCommand;
import dev.peapod.images.ImageStore;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code peapod image inspect}: everything about images, as a JSON array (YAML with
 * {@code -o yaml}) — an array even for one image, as {@code docker image inspect}, so scripts
 * need not care how many they asked for.
 */
@Command(name = "inspect", description = "Show image details as JSON (or YAML with -o yaml).")
public final class ImageInspectCommand implements Runnable {

  @Spec
  CommandSpec spec;

  @Parameters(arity = "1..*", paramLabel = "IMAGE", description = "Reference (busybox:1.36), id or id prefix.")
  List<String> images;

  @Override
  public void run() {
    PeapodCommand root = PeapodCommand.of(spec);
    List<Map<String, Object>> details;
    try (ImageStore store = LocalImages.open(root.environment())) {
      // All or nothing: a missing image fails the command before anything is printed.
      details = images.stream().map(store::inspect).map(ImageViews::details).toList();
    }
    root.output(spec).data(details);
  }
}
