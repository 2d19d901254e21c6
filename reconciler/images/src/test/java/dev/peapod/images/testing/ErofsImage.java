package dev.peapod.images.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Looks into an erofs file with erofs-utils: extracts it, or asks for one inode. */
public final class ErofsImage {
  private static final Pattern NID = Pattern.compile("NID: (\\d+)\\s+Links: (\\d+)");

  private ErofsImage() {}

  /** Extracts with ownership and permissions (fsck.erofs preserves them for root). */
  public static Path extract(Path image, Path into) {
    LocalRegistry.run(List.of("fsck.erofs", "--extract=" + into, image.toString()));
    return into;
  }

  /**
   * The full mode (with setuid/setgid/sticky) of a path, read from the on-disk inode:
   * erofs-utils 1.5's dump.erofs prints only the 0777 bits and fsck.erofs --extract
   * loses setuid by chowning after chmod, though the image itself is right.
   */
  public static int mode(Path image, String path) throws IOException {
    long nid = inode(image, path)[0];
    try (java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(image)) {
      java.nio.ByteBuffer sb = java.nio.ByteBuffer.allocate(128).order(java.nio.ByteOrder.LITTLE_ENDIAN);
      channel.read(sb, 1024);
      int blockBits = sb.get(12);
      long metaBlock = Integer.toUnsignedLong(sb.getInt(40));
      java.nio.ByteBuffer inode = java.nio.ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN);
      channel.read(inode, (metaBlock << blockBits) + nid * 32);
      return Short.toUnsignedInt(inode.getShort(4)) & 07777;
    }
  }

  /** The inode number and link count of a path inside the image. */
  public static long[] inode(Path image, String path) throws IOException {
    Process p = new ProcessBuilder("dump.erofs", "--path=" + path, image.toString()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    Matcher m = NID.matcher(out);
    if (!m.find()) {
      throw new IOException("dump.erofs --path=" + path + ": " + out);
    }
    return new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2))};
  }
}
