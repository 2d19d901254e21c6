package dev.peapod.provider.qemu;

import java.nio.file.Path;

/**
 * A read-only image attached to the VM as a virtio-blk device. The guest finds
 * it by {@code serial}, which ADD_CONTAINER's IMAGE field names.
 *
 * @param serial the drive id and virtio-blk serial, e.g. {@code img0}
 * @param imageId the image's identity (see {@link dev.peapod.provider.ImageRootfs#id()})
 * @param path the image file on the host
 */
public record ImageDevice(String serial, String imageId, Path path) {}
