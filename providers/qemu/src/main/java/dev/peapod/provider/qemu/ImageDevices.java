package dev.peapod.provider.qemu;

import dev.peapod.provider.ContainerSpec;
import dev.peapod.provider.PodSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Gives each distinct image of a pod its virtio-blk device: {@code img0}, {@code img1} ... in order of first use. */
final class ImageDevices {

  private ImageDevices() {}

  static List<ImageDevice> assign(PodSpec spec) {
    Map<String, ImageDevice> byId = new LinkedHashMap<>();
    for (ContainerSpec c : spec.allContainers()) {
      byId.computeIfAbsent(c.image().id(), id -> new ImageDevice("img" + byId.size(), id, c.image().path()));
    }
    return new ArrayList<>(byId.values());
  }
}
