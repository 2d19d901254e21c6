package dev.peapod.cli.pod;

import dev.peapod.cli.image.PullProgress;
import dev.peapod.cli.output.Output;
import dev.peapod.images.ImageStore;
import dev.peapod.images.StoredImage;
import dev.peapod.manifest.model.PullPolicy;
import dev.peapod.provider.ImageRootfs;

/**
 * The image store as an {@link ImageSource}: {@link ImageStore#ensure} pulls an image only when the
 * store has none for the reference (with progress on a terminal); {@code imagePullPolicy: Never}
 * never touches the network.
 */
public final class StoreImageSource implements ImageSource {
  private final ImageStore store;
  private final Output output;

  public StoreImageSource(ImageStore store, Output output) {
    this.store = store;
    this.output = output;
  }

  @Override
  public Resolved resolve(String reference, PullPolicy policy) {
    StoredImage image;
    if (policy == PullPolicy.NEVER) {
      image = store.inspect(reference);
    } else {
      PullProgress progress = new PullProgress(output, reference);
      try {
        image = store.ensure(reference, progress);
      } finally {
        progress.finish();
      }
    }
    return new Resolved(new ImageRootfs(image.id().toString(), image.rootfs()), image.config());
  }
}
