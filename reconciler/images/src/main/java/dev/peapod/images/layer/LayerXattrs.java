package dev.peapod.images.layer;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which of a layer entry's xattrs are content the image may carry, and which belong to the
 * kernel of whoever mounts the image and are dropped.
 *
 * <p>{@code trusted.*}: guest-init mounts each image (erofs) as the lower layer of an
 * overlayfs without {@code userxattr}, so overlayfs reads {@code trusted.overlay.*} on it as
 * its own bookkeeping: {@code opaque} hides lower content, {@code redirect} makes a directory
 * lookup continue at another path of the layers below, {@code metacopy} (with
 * {@code origin}) makes a file take its data from another layer, {@code whiteout}s hide
 * names. An image that sets them forges the overlay's state: harmless while an image is the
 * only lower layer (overlayfs refuses a metacopy it did not enable, failing the lookup), a
 * way to read or hide another layer's files as soon as lowers are stacked or a kernel
 * enables redirect/metacopy. The rest of {@code trusted.*} needs CAP_SYS_ADMIN to set and is
 * likewise some privileged program's own state, never an image's.
 *
 * <p>{@code security.*}: labels that LSMs act on ({@code security.selinux},
 * {@code security.SMACK64EXEC}, which runs a program under another label,
 * {@code security.ima}/{@code evm} appraisal data): an image must not pick its own. Only
 * {@code security.capability} (file capabilities: ping's {@code cap_net_raw}) is kept, as
 * Docker keeps it; the container's bounding set still caps what it grants.
 *
 * <p>{@code user.*} and {@code system.*} (POSIX ACLs) are ordinary content and kept.
 */
final class LayerXattrs {
  static final String KEPT_SECURITY = "security.capability";

  private LayerXattrs() {}

  /** The xattrs to set; the names of the others are added to {@code dropped}. */
  static Map<String, byte[]> allowed(Map<String, byte[]> xattrs, List<String> dropped) {
    if (xattrs.isEmpty()) {
      return xattrs;
    }
    Map<String, byte[]> kept = new LinkedHashMap<>();
    xattrs.forEach((name, value) -> {
      if (name.startsWith("trusted.") || (name.startsWith("security.") && !name.equals(KEPT_SECURITY))) {
        dropped.add(name);
      } else {
        kept.put(name, value);
      }
    });
    return kept;
  }
}
