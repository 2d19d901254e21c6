package dev.peapod.cli.image;

import dev.peapod.cli.PeapodCommand;
import dev.peapod.cli.output.HumanUnits;
import dev.peapod.cli.output.Output;
import dev.peapod.images.ImageStore;
import dev.peapod.images.StoredImage;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code peapod image pull}: asks the registry what the reference points at now (always, like
 * {@code docker pull}) and builds the image if it is new.
 */
@Command(name = "pull", description = "Pull an image from a registry.")
public final class ImagePullCommand implements Runnable {

  @Spec
  CommandSpec spec;

  @Parameters(paramLabel = "REFERENCE", description = "e.g. busybox, nginx:1.25, registry.example:5000/team/app@sha256:...")
  String reference;

  @Override
  public void run() {
    PeapodCommand root = PeapodCommand.of(spec);
    Output output = root.output(spec);
    PullProgress progress = new PullProgress(output, reference);
    StoredImage image;
    try (ImageStore store = LocalImages.open(root.environment())) {
      image = store.pull(reference, progress);
    } finally {
      progress.finish();
    }
    if (output.structured()) {
      output.data(ImageViews.summary(image));
    } else {
      output.line("Pulled " + reference + " (" + image.shortId() + ", " + HumanUnits.size(image.rootfsBytes()) + ")");
    }
  }
}
