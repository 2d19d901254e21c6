package dev.peapod.provider.qemu;

import dev.peapod.provider.ImageRootfs;
import dev.peapod.provider.PodSpec;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Gives each distinct image of a pod (its containers', then its image volumes')
 * its virtio-blk device at launch: {@code img0}, {@code img1} ... in order of
 * first use, as long as device slots last; the guest reads any further image
 * from the VM's image share.
 */
final class ImageDevices {

  private ImageDevices() {}

  static List<ImageDevice> assign(PodSpec spec, int maxDevices) {
    Map<String, ImageDevice> byId = new LinkedHashMap<>();
    for (ImageRootfs image : images(spec)) {
      if (byId.size() < maxDevices) {
        byId.computeIfAbsent(image.id(), id -> new ImageDevice("img" + byId.size(), id, image.path()));
      }
    }
    return new ArrayList<>(byId.values());
  }

  /** Every image the pod's VM needs: its containers', then its image volumes', in order of first use. */
  static List<ImageRootfs> images(PodSpec spec) {
    List<ImageRootfs> out = new ArrayList<>();
    spec.allContainers().forEach(c -> out.add(c.image()));
    spec.volumes().forEach(v -> v.imageRootfs().ifPresent(out::add));
    return out;
  }

  /** The ids of {@link #images}. */
  static Set<String> imageIds(PodSpec spec) {
    Set<String> ids = new HashSet<>();
    images(spec).forEach(i -> ids.add(i.id()));
    return ids;
  }
}
