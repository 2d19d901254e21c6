package dev.peapod.engine.spec;

import dev.peapod.images.registry.PullSecretKeyring;
import dev.peapod.images.ImageStore;
import dev.peapod.images.PullListener;
import dev.peapod.images.StoredImage;
import dev.peapod.manifest.model.PullPolicy;
import dev.peapod.provider.ImageRootfs;
import java.util.function.Function;

/**
 * The image store as an {@link ImageSource}: {@link ImageStore#ensure} pulls an image only when the
 * store has none for the reference, reporting to a listener the caller makes per image (the CLI
 * draws progress on a terminal; the controller logs); {@code imagePullPolicy: Never} never touches
 * the network.
 */
public final class StoreImageSource implements ImageSource {
  private final ImageStore store;
  private final Function<String, Progress> progressFor;

  /** What watches one image's pull; {@link #finish()} is called when it ended, however it ended. */
  public interface Progress extends PullListener {
    default void finish() {}
  }

  /** @param progressFor makes the listener of each pulled image, given its reference */
  public StoreImageSource(ImageStore store, Function<String, Progress> progressFor) {
    this.store = store;
    this.progressFor = progressFor;
  }

  /** A source that pulls without reporting progress. */
  public static StoreImageSource quiet(ImageStore store) {
    return new StoreImageSource(store, reference -> new Progress() {});
  }

  /**
   * A source that resolves what the store has, as this one would, and throws {@link NotPresent}
   * where this one would pull: for work done on another process's behalf (a {@code peapod run}
   * handed to the controller), which must not pull silently what that process would pull with
   * progress, and gives the work back instead.
   */
  public static ImageSource presentOnly(ImageStore store) {
    return (reference, policy) -> {
      StoredImage image = policy == PullPolicy.NEVER ? store.inspect(reference)
          : store.present(reference).orElseThrow(() -> new NotPresent(reference));
      return new Resolved(new ImageRootfs(image.id().toString(), image.rootfs()), image.config());
    };
  }

  /** {@link #presentOnly}'s answer to an image it would have to pull. */
  public static final class NotPresent extends RuntimeException {
    private static final long serialVersionUID = 1L;

    NotPresent(String reference) {
      super("image " + reference + " is not in the store (it would be pulled)");
    }
  }

  @Override
  public Resolved resolve(String reference, PullPolicy policy) {
    return resolve(reference, policy, PullSecretKeyring.EMPTY);
  }

  @Override
  public Resolved resolve(String reference, PullPolicy policy, PullSecretKeyring keyring) {
    StoredImage image;
    if (policy == PullPolicy.NEVER) {
      image = store.inspect(reference);
    } else {
      Progress progress = progressFor.apply(reference);
      try {
        image = store.ensure(reference, progress, keyring);
      } finally {
        progress.finish();
      }
    }
    return new Resolved(new ImageRootfs(image.id().toString(), image.rootfs()), image.config());
  }
}
