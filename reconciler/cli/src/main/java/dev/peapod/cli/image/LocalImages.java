package dev.peapod.cli.image;

import dev.peapod.cli.CliEnvironment;
import dev.peapod.engine.ImageLimitsFile;
import dev.peapod.engine.RegistryConfigFiles;
import dev.peapod.images.ImageStore;

/** Opens the image store of {@code $PEAPOD_HOME} the way every image command needs it. */
public final class LocalImages {
  private LocalImages() {}

  /**
   * The store with the user's registry configuration and image limits ({@code images.yaml});
   * close it when done (it owns download threads).
   */
  public static ImageStore open(CliEnvironment environment) {
    return ImageStore.builder(environment.imageStoreRoot())
        .registries(RegistryConfigFiles.load(environment.home(), environment.userHome(), environment.env()))
        .limits(ImageLimitsFile.load(environment.home()))
        .build();
  }
}
