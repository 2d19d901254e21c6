package dev.peapod.cli.image;

import dev.peapod.cli.PeapodCommand;
import dev.peapod.cli.output.Output;
import dev.peapod.images.ImageStore;
import dev.peapod.images.StoredImage;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code peapod image ls}: every image in the store, newest first. */
@Command(name = "ls", aliases = "list", description = "List images.")
public final class ImageListCommand implements Runnable {

  @Spec
  CommandSpec spec;

  @Override
  public void run() {
    PeapodCommand root = PeapodCommand.of(spec);
    Output output = root.output(spec);
    List<StoredImage> images;
    try (ImageStore store = LocalImages.open(root.environment())) {
      images = store.list();
    }
    if (output.structured()) {
      output.data(images.stream().map(ImageViews::summary).toList());
    } else {
      output.table(ImageViews.table(images, root.environment().clock().instant()));
    }
  }
}
