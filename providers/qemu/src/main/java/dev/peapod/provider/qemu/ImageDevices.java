package dev.peapod.provider.qemu;

import dev.peapod.provider.ContainerSpec;
import dev.peapod.provider.PodSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Gives each distinct image of a pod its virtio-blk device at launch: {@code img0},
 * {@code img1} ... in order of first use, as long as device slots last; the guest
 * reads any further image from the VM's image share.
 */
final class ImageDevices {

  private ImageDevices() {}

  static List<ImageDevice> assign(PodSpec spec, int maxDevices) {
    Map<String, ImageDevice> byId = new LinkedHashMap<>();
    for (ContainerSpec c : spec.allContainers()) {
      if (byId.size() < maxDevices) {
        byId.computeIfAbsent(c.image().id(), id -> new ImageDevice("img" + byId.size(), id, c.image().path()));
      }
    }
    return new ArrayList<>(byId.values());
  }
}
