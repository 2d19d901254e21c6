package dev.peapod.cli.image;

import dev.peapod.cli.CliException;
import dev.peapod.cli.ExitCodes;
import dev.peapod.cli.PeapodCommand;
import dev.peapod.cli.output.HumanUnits;
import dev.peapod.cli.output.Output;
import dev.peapod.images.ImageStore;
import dev.peapod.images.StoredImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code peapod image load}: images from an OCI layout directory, an OCI archive or a
 * {@code docker save} archive — the way into an air-gapped host.
 */
@Command(name = "load", description = "Load images from an OCI layout directory, OCI archive or docker-save archive.")
public final class ImageLoadCommand implements Runnable {

  @Spec
  CommandSpec spec;

  @Parameters(paramLabel = "PATH", description = "Directory or .tar file.")
  Path source;

  @Option(names = {"-t", "--tag"}, paramLabel = "REFERENCE",
      description = "Name to give the image (for archives without names); the archive must hold one image.")
  String tag;

  @Override
  public void run() {
    if (!Files.exists(source)) {
      throw new CliException(ExitCodes.NOT_FOUND, source + ": no such file or directory");
    }
    PeapodCommand root = PeapodCommand.of(spec);
    Output output = root.output(spec);
    PullProgress progress = new PullProgress(output, source.getFileName().toString());
    List<StoredImage> loaded;
    try (ImageStore store = LocalImages.open(root.environment())) {
      loaded = store.load(source, tag, progress);
    } finally {
      progress.finish();
    }
    if (output.structured()) {
      output.data(loaded.stream().map(ImageViews::summary).toList());
      return;
    }
    for (StoredImage image : loaded) {
      String names = image.references().isEmpty() ? ImageViews.NO_REFERENCE : String.join(", ", image.references());
      output.line("Loaded " + names + " (" + image.shortId() + ", " + HumanUnits.size(image.rootfsBytes()) + ")");
    }
  }
}
