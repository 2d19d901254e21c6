package dev.peapod.cli.image;

import dev.peapod.images.ImageException;
import dev.peapod.images.ImageUsage;
import dev.peapod.images.StoredImage;
import dev.peapod.provider.ImageRootfs;
import dev.peapod.provider.qemu.runtime.PodDirectory;
import dev.peapod.provider.qemu.runtime.PodRecord;
import dev.peapod.provider.qemu.runtime.StateDirectory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Which pods use an image, as the QEMU provider's state says: a pod uses an image when one of
 * its containers in {@code $PEAPOD_HOME/pods/NAME/pod.json} names the image's id or its rootfs
 * file. Created and running pods both count — a stopped pod still boots from its images.
 *
 * <p>A pod record that cannot be read stops the removal rather than being skipped: not knowing
 * whether an image is in use must not delete it from under a pod.
 */
public final class PodImageUsage implements ImageUsage {
  private final StateDirectory state;

  public PodImageUsage(Path peapodHome) {
    this.state = new StateDirectory(peapodHome);
  }

  @Override
  public List<String> podsUsing(StoredImage image) {
    String id = image.id().toString();
    Path rootfs = image.rootfs().toAbsolutePath().normalize();
    List<String> pods = new ArrayList<>();
    try {
      for (PodDirectory pod : state.pods()) {
        Optional<PodRecord> record = readPod(pod);
        if (record.isEmpty()) {
          continue; // removed while we looked
        }
        // Its containers' images and its image volumes'.
        List<ImageRootfs> used = new ArrayList<>();
        record.get().spec().allContainers().forEach(c -> used.add(c.image()));
        record.get().spec().volumes().forEach(v -> v.imageRootfs().ifPresent(used::add));
        for (ImageRootfs candidate : used) {
          if (candidate.id().equals(id) || candidate.path().toAbsolutePath().normalize().equals(rootfs)) {
            pods.add(pod.name());
            break;
          }
        }
      }
    } catch (IOException e) {
      throw new ImageException(id, "cannot list pods in " + state.root() + " to see whether they use the image: " + e, e);
    }
    return pods;
  }

  private static Optional<PodRecord> readPod(PodDirectory pod) {
    try {
      return pod.readPod();
    } catch (IOException | RuntimeException e) {
      throw new ImageException(null, "cannot tell whether pod " + pod.name() + " uses the image: "
          + pod.path().resolve("pod.json") + " is unreadable (" + e.getMessage() + ")", e);
    }
  }
}
