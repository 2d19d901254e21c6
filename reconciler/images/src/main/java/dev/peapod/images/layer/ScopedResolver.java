package dev.peapod.images.layer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.function.Consumer;

/**
 * Resolves paths inside a root directory the way the container will see them: the
 * parent components follow symlinks, but as if the root were {@code /} (an absolute
 * link target starts again at the root, {@code ..} stops at the root), so no link can
 * lead outside — Docker's {@code FollowSymlinkInScope}. The last component is never
 * followed: entries replace a symlink, they do not write through it.
 *
 * <p>Every step is checked with {@link LinkOption#NOFOLLOW_LINKS}; the root is only
 * written by the one thread applying layers, so nothing can swap a directory for a
 * link between the check and the use.
 */
final class ScopedResolver {
  /** Linux gives up after 40 links (ELOOP); so do we. */
  private static final int MAX_LINKS = 40;

  private final Path root;
  /**
   * Parent paths already resolved, to their real components: most entries share their
   * parent with the previous one, and walking it again costs an lstat per component.
   * Only deletions can make an entry stale (a directory can only become a symlink by
   * being deleted first), so every deletion clears it.
   */
  private final java.util.Map<List<String>, List<String>> resolved = new java.util.HashMap<>();

  ScopedResolver(Path root) {
    this.root = root;
  }

  /** Forgets resolved directories; called after anything in the root was deleted. */
  void invalidate() {
    resolved.clear();
  }

  Path root() {
    return root;
  }

  /**
   * The host path for {@code components}, with missing parent directories created
   * (mode 0755, reported to {@code created} as root-relative components).
   */
  Path forWrite(List<String> components, Consumer<List<String>> created) throws EntryRejectedException, IOException {
    List<String> parent = resolveDirectory(components.subList(0, components.size() - 1), created);
    return hostPath(parent).resolve(components.get(components.size() - 1));
  }

  /** The host path for {@code components} if all its parents exist; null when one is missing. */
  Path existing(List<String> components) throws EntryRejectedException, IOException {
    List<String> parent = resolveDirectory(components.subList(0, components.size() - 1), null);
    return parent == null ? null : hostPath(parent).resolve(components.get(components.size() - 1));
  }

  /**
   * The host path of a directory given by link-free components, or null unless every
   * component, the last included, is still a directory and none is a symlink. For
   * metadata set after later entries may have replaced a component with a link: nothing
   * is followed, and only this thread writes the root, so the answer holds until the
   * caller uses it.
   */
  Path directoryWithoutLinks(List<String> components) throws IOException {
    Path path = root;
    for (String part : components) {
      path = path.resolve(part);
      BasicFileAttributes attributes = attributesOrNull(path);
      if (attributes == null || !attributes.isDirectory()) { // NOFOLLOW: a symlink is not a directory here
        return null;
      }
    }
    return path;
  }

  /** Root-relative components of a host path this resolver returned. */
  List<String> relative(Path hostPath) {
    List<String> parts = new ArrayList<>();
    root.relativize(hostPath).forEach(p -> {
      if (!p.toString().isEmpty()) {
        parts.add(p.toString());
      }
    });
    return parts;
  }

  /**
   * Walks directory components from the root, following symlinks in scope. Returns the
   * real (link-free) components, or null when a component is missing and
   * {@code created} is null (lookup only).
   */
  private List<String> resolveDirectory(List<String> components, Consumer<List<String>> created)
      throws EntryRejectedException, IOException {
    List<String> cached = resolved.get(components);
    if (cached != null) {
      return cached;
    }
    List<String> real = walk(components, created);
    if (real != null) {
      resolved.put(List.copyOf(components), List.copyOf(real));
    }
    return real;
  }

  private List<String> walk(List<String> components, Consumer<List<String>> created)
      throws EntryRejectedException, IOException {
    List<String> current = new ArrayList<>();
    Deque<String> pending = new ArrayDeque<>(components);
    int links = 0;
    while (!pending.isEmpty()) {
      String part = pending.removeFirst();
      if (part.isEmpty() || part.equals(".")) {
        continue;
      }
      if (part.equals("..")) {
        if (!current.isEmpty()) {
          current.remove(current.size() - 1);
        }
        continue;
      }
      current.add(part);
      Path host = hostPath(current);
      BasicFileAttributes attributes = attributesOrNull(host);
      if (attributes == null) {
        if (created == null) {
          return null;
        }
        Files.createDirectory(host);
        Files.setAttribute(host, "unix:mode", 0755); // not the umask's idea: images expect 0755 parents
        created.accept(List.copyOf(current));
      } else if (attributes.isSymbolicLink()) {
        if (++links > MAX_LINKS) {
          throw EntryRejectedException.malformed("too many levels of symbolic links in the parent path");
        }
        current.remove(current.size() - 1);
        String target = Files.readSymbolicLink(host).toString();
        if (target.startsWith("/")) {
          current.clear();
        }
        List<String> targetParts = List.of(target.split("/"));
        for (int i = targetParts.size() - 1; i >= 0; i--) {
          pending.addFirst(targetParts.get(i));
        }
      } else if (!attributes.isDirectory()) {
        throw EntryRejectedException.malformed("parent \"" + LayerPath.join(current) + "\" is not a directory");
      }
    }
    return current;
  }

  private Path hostPath(List<String> components) {
    Path path = root;
    for (String part : components) {
      path = path.resolve(part);
    }
    return path;
  }

  static BasicFileAttributes attributesOrNull(Path path) throws IOException {
    try {
      return Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException e) {
      return null;
    }
  }
}
