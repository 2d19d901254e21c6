package dev.peapod.provider.qemu.guest;

import java.util.Objects;

/**
 * How ADD_CONTAINER names a container's image to the guest: the virtio-blk
 * device it booted with ({@link Wire#F_IMAGE}), or a file of the 9p image
 * share ({@link Wire#F_IMAGE_FILE}) that guest-init loop-mounts.
 *
 * @param tag {@link Wire#F_IMAGE} or {@link Wire#F_IMAGE_FILE}
 * @param name the device serial or the file name in the share
 */
public record GuestImage(int tag, String name) {

  public GuestImage {
    Objects.requireNonNull(name, "name");
    if (tag != Wire.F_IMAGE && tag != Wire.F_IMAGE_FILE) {
      throw new IllegalArgumentException("not an image field: " + tag);
    }
  }

  public static GuestImage device(String serial) {
    return new GuestImage(Wire.F_IMAGE, serial);
  }

  public static GuestImage sharedFile(String fileName) {
    return new GuestImage(Wire.F_IMAGE_FILE, fileName);
  }
}
