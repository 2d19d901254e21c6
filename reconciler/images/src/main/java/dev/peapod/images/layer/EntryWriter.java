package dev.peapod.images.layer;

import dev.peapod.images.archive.SparseSegment;
import dev.peapod.images.archive.TarEntry;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.function.Consumer;

/**
 * Creates one file system object per tar entry at an already-contained host path.
 * Whatever is at that path is replaced, never written through: files are opened with
 * {@code CREATE_NEW} (O_EXCL, which does not follow a symlink), after the old entry is
 * removed.
 */
final class EntryWriter {
  private static final int COPY_BUFFER = 1 << 17;

  private final ScopedResolver resolver;
  private final FileMetadata metadata;
  private final boolean privileged;
  private final Consumer<Path> removed;

  /** @param removed told of every path deleted to make room for an entry */
  EntryWriter(ScopedResolver resolver, FileMetadata metadata, boolean privileged, Consumer<Path> removed) {
    this.resolver = resolver;
    this.metadata = metadata;
    this.privileged = privileged;
    this.removed = removed;
  }

  /** Keeps an existing directory (layers re-list parents), replaces anything else. */
  void directory(Path target, TarEntry entry) throws IOException {
    BasicFileAttributes existing = ScopedResolver.attributesOrNull(target);
    if (existing == null || !existing.isDirectory()) {
      remove(target);
      Files.createDirectory(target);
    }
    metadata.ownership(target, entry);
  }

  void file(Path target, TarEntry entry, InputStream content) throws IOException {
    try (FileChannel channel = createNew(target, entry.mode())) {
      if (entry.isSparse()) {
        writeSparse(channel, entry.sparse(), entry.size(), content);
      } else {
        copy(channel, content, entry.size());
      }
    }
    metadata.ownership(target, entry);
    if (!metadata.creationModeIsExact(entry.mode())) {
      metadata.mode(target, entry.mode());
    }
  }

  /** Creates the file (O_EXCL: never through a symlink); whatever was there is removed first. */
  private FileChannel createNew(Path target, int mode) throws IOException {
    var permissions = metadata.creationPermissions(mode);
    try {
      return FileChannel.open(target, java.util.Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
          LinkOption.NOFOLLOW_LINKS), permissions);
    } catch (java.nio.file.FileAlreadyExistsException e) {
      remove(target);
      return FileChannel.open(target, java.util.Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
          LinkOption.NOFOLLOW_LINKS), permissions);
    }
  }

  private void remove(Path target) throws IOException {
    if (Whiteouts.delete(target)) {
      removed.accept(target);
    }
  }

  void symlink(Path target, TarEntry entry) throws IOException {
    remove(target);
    // The link text is stored verbatim: it is resolved by the guest inside its own root, never by us.
    Files.createSymbolicLink(target, Path.of(entry.linkName()));
    metadata.ownership(target, entry);
  }

  void hardlink(Path target, TarEntry entry) throws EntryRejectedException, IOException {
    List<String> linkComponents;
    try {
      linkComponents = LayerPath.components(entry.linkName());
    } catch (EntryRejectedException e) {
      throw EntryRejectedException.unsafe("hardlink target \"" + entry.linkName() + "\" is outside the root");
    }
    if (linkComponents.isEmpty()) {
      throw EntryRejectedException.unsafe("hardlink to the root directory");
    }
    Path source = resolver.existing(linkComponents);
    BasicFileAttributes attributes = source == null ? null : ScopedResolver.attributesOrNull(source);
    if (attributes == null) {
      throw EntryRejectedException.malformed("hardlink target \"" + entry.linkName() + "\" does not exist in the image");
    }
    if (attributes.isDirectory()) {
      throw EntryRejectedException.unsafe("hardlink target \"" + entry.linkName() + "\" is a directory");
    }
    if (source.equals(target)) {
      return;
    }
    remove(target);
    // link(2) does not follow a symlink source, so linking to an in-root symlink stays harmless.
    Files.createLink(target, source);
  }

  /** Character and block devices and FIFOs; false when skipped because we are not root. */
  boolean special(Path target, TarEntry entry) throws IOException {
    if (!privileged && entry.type() != TarEntry.Type.FIFO) {
      return false;
    }
    remove(target);
    String mode = Integer.toOctalString(entry.mode() & 07777);
    List<String> command = switch (entry.type()) {
      case FIFO -> List.of("mkfifo", "-m", mode, "--", target.toString());
      case CHAR_DEVICE, BLOCK_DEVICE -> List.of("mknod", "-m", mode, "--", target.toString(),
          entry.type() == TarEntry.Type.CHAR_DEVICE ? "c" : "b",
          Integer.toString(entry.devMajor()), Integer.toString(entry.devMinor()));
      default -> throw new IllegalArgumentException(entry.type().toString());
    };
    run(command); // -m sets the exact mode: NIO's chmod would open() the node, which blocks on a FIFO
    metadata.ownership(target, entry);
    return true;
  }

  private static void copy(FileChannel channel, InputStream content, long size) throws IOException {
    byte[] buffer = new byte[COPY_BUFFER];
    long written = 0;
    int n;
    while ((n = content.read(buffer)) > 0) {
      ByteBuffer bytes = ByteBuffer.wrap(buffer, 0, n);
      while (bytes.hasRemaining()) {
        channel.write(bytes);
      }
      written += n;
    }
    if (written != size) {
      throw new java.io.EOFException("file content ended after " + written + " of " + size + " bytes");
    }
  }

  /** Writes only the data segments, leaving holes between them, then extends to the real size. */
  private static void writeSparse(FileChannel channel, List<SparseSegment> segments, long size, InputStream content)
      throws IOException {
    byte[] buffer = new byte[COPY_BUFFER];
    for (SparseSegment segment : segments) {
      channel.position(segment.offset());
      long left = segment.length();
      while (left > 0) {
        int n = content.read(buffer, 0, (int) Math.min(buffer.length, left));
        if (n < 0) {
          throw new java.io.EOFException("sparse file data ended early");
        }
        ByteBuffer bytes = ByteBuffer.wrap(buffer, 0, n);
        while (bytes.hasRemaining()) {
          channel.write(bytes);
        }
        left -= n;
      }
    }
    if (channel.size() < size) {
      // FileChannel cannot grow a file without writing; one zero byte at the end leaves the rest a hole.
      channel.write(ByteBuffer.wrap(new byte[1]), size - 1);
    }
  }

  private static void run(List<String> command) throws IOException {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    try {
      if (process.waitFor() != 0) {
        throw new IOException(String.join(" ", command) + " failed: " + output.strip());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted: " + String.join(" ", command));
    }
  }
}
