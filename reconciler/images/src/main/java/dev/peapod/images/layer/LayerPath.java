package dev.peapod.images.layer;

import java.util.ArrayList;
import java.util.List;

/**
 * Turns a tar member name into path components relative to the root, as Docker does:
 * a leading {@code /} is dropped (absolute names land inside the root, like GNU tar
 * extracts them), {@code .} and empty parts vanish, and {@code ..} is resolved
 * lexically — a name that climbs above the root is refused, never clamped, because
 * only a hostile or broken layer writes one.
 */
final class LayerPath {
  private LayerPath() {}

  /** The components; empty for the root itself. */
  static List<String> components(String name) throws EntryRejectedException {
    if (name.indexOf('\0') >= 0) {
      throw EntryRejectedException.malformed("name contains a NUL byte");
    }
    List<String> parts = new ArrayList<>();
    for (String part : name.split("/")) {
      if (part.isEmpty() || part.equals(".")) {
        continue;
      }
      if (part.equals("..")) {
        if (parts.isEmpty()) {
          throw EntryRejectedException.unsafe("path climbs out of the root with '..'");
        }
        parts.remove(parts.size() - 1);
        continue;
      }
      parts.add(part);
    }
    return parts;
  }

  static String join(List<String> components) {
    return String.join("/", components);
  }
}
