package dev.peapod.images.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Writes tar layers the way image builders do: ustar headers, PAX records for long
 * names and xattrs (raw bytes). Deliberately able to write hostile entries too.
 */
public final class TarBuilder {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private long mtime = 1_700_000_000L;

  public TarBuilder dir(String name, int mode) {
    return entry(name.endsWith("/") ? name : name + "/", '5', mode, 0, 0, new byte[0], "", Map.of());
  }

  public TarBuilder file(String name, String content) {
    return file(name, 0644, content.getBytes(StandardCharsets.UTF_8));
  }

  public TarBuilder file(String name, int mode, byte[] content) {
    return entry(name, '0', mode, 0, 0, content, "", Map.of());
  }

  public TarBuilder owned(String name, int mode, int uid, int gid, String content) {
    return entry(name, '0', mode, uid, gid, content.getBytes(StandardCharsets.UTF_8), "", Map.of());
  }

  public TarBuilder fileWithXattrs(String name, String content, Map<String, byte[]> xattrs) {
    return entry(name, '0', 0644, 0, 0, content.getBytes(StandardCharsets.UTF_8), "", xattrs);
  }

  public TarBuilder symlink(String name, String target) {
    return entry(name, '2', 0777, 0, 0, new byte[0], target, Map.of());
  }

  public TarBuilder hardlink(String name, String target) {
    return entry(name, '1', 0644, 0, 0, new byte[0], target, Map.of());
  }

  public TarBuilder fifo(String name) {
    return entry(name, '6', 0600, 0, 0, new byte[0], "", Map.of());
  }

  public TarBuilder whiteout(String dir, String name) {
    return file((dir.isEmpty() ? "" : dir + "/") + ".wh." + name, 0644, new byte[0]);
  }

  public TarBuilder opaque(String dir) {
    return file(dir + "/.wh..wh..opq", 0644, new byte[0]);
  }

  /** Adds a directory tree from disk under {@code prefix}, keeping modes, owners, symlinks. */
  public TarBuilder tree(Path root, String prefix) {
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : (Iterable<Path>) walk.sorted()::iterator) {
        String rel = root.relativize(p).toString();
        String name = prefix + rel;
        if (rel.isEmpty()) {
          continue;
        }
        int mode = (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
        int uid = (Integer) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        int gid = (Integer) Files.getAttribute(p, "unix:gid", LinkOption.NOFOLLOW_LINKS);
        if (Files.isSymbolicLink(p)) {
          entry(name, '2', 0777, uid, gid, new byte[0], Files.readSymbolicLink(p).toString(), Map.of());
        } else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
          entry(name + "/", '5', mode, uid, gid, new byte[0], "", Map.of());
        } else if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
          entry(name, '0', mode, uid, gid, Files.readAllBytes(p), "", Map.of());
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return this;
  }

  /** Any entry, with a raw typeflag; PAX records added when names are long or xattrs given. */
  public TarBuilder entry(String name, char type, int mode, int uid, int gid, byte[] content, String link,
      Map<String, byte[]> xattrs) {
    Map<String, byte[]> pax = new LinkedHashMap<>();
    if (name.getBytes(StandardCharsets.UTF_8).length > 100) {
      pax.put("path", name.getBytes(StandardCharsets.UTF_8));
    }
    if (link.getBytes(StandardCharsets.UTF_8).length > 100) {
      pax.put("linkpath", link.getBytes(StandardCharsets.UTF_8));
    }
    xattrs.forEach((k, v) -> pax.put("SCHILY.xattr." + k, v));
    if (!pax.isEmpty()) {
      byte[] records = paxRecords(pax);
      writeHeader("PaxHeaders/" + truncate(name, 80), 'x', 0644, 0, 0, records.length, "");
      writeData(records);
    }
    writeHeader(truncate(name, 100), type, mode, uid, gid, content.length, truncate(link, 100));
    writeData(content);
    return this;
  }

  /** An entry after a PAX header of exactly these records (sparse maps, sizes...), whatever they claim. */
  public TarBuilder paxEntry(String name, char type, Map<String, byte[]> pax, byte[] content) {
    byte[] records = paxRecords(pax);
    writeHeader("PaxHeaders/" + truncate(name, 80), 'x', 0644, 0, 0, records.length, "");
    writeData(records);
    writeHeader(truncate(name, 100), type, 0644, 0, 0, content.length, "");
    writeData(content);
    return this;
  }

  /** Appends raw bytes (for hand-made headers in tests). */
  public TarBuilder raw(byte[] bytes) {
    out.writeBytes(bytes);
    return this;
  }

  public byte[] build() {
    ByteArrayOutputStream copy = new ByteArrayOutputStream();
    copy.writeBytes(out.toByteArray());
    copy.writeBytes(new byte[1024]);
    return copy.toByteArray();
  }

  public static byte[] paxRecords(Map<String, byte[]> pax) {
    ByteArrayOutputStream records = new ByteArrayOutputStream();
    pax.forEach((key, value) -> {
      byte[] body = concat((" " + key + "=").getBytes(StandardCharsets.UTF_8), value, new byte[] {'\n'});
      int length = body.length + 1;
      while (Integer.toString(length).length() + body.length != length) {
        length++;
      }
      records.writeBytes(Integer.toString(length).getBytes(StandardCharsets.US_ASCII));
      records.writeBytes(body);
    });
    return records.toByteArray();
  }

  private void writeHeader(String name, char type, int mode, int uid, int gid, long size, String link) {
    byte[] h = new byte[512];
    put(h, 0, 100, name.getBytes(StandardCharsets.UTF_8));
    octal(h, 100, 8, mode);
    octal(h, 108, 8, uid);
    octal(h, 116, 8, gid);
    octal(h, 124, 12, size);
    octal(h, 136, 12, mtime);
    h[156] = (byte) type;
    put(h, 157, 100, link.getBytes(StandardCharsets.UTF_8));
    put(h, 257, 6, "ustar\0".getBytes(StandardCharsets.US_ASCII));
    put(h, 263, 2, "00".getBytes(StandardCharsets.US_ASCII));
    for (int i = 148; i < 156; i++) {
      h[i] = ' ';
    }
    long sum = 0;
    for (byte b : h) {
      sum += b & 0xff;
    }
    octal(h, 148, 7, sum);
    out.writeBytes(h);
  }

  private void writeData(byte[] data) {
    out.writeBytes(data);
    out.writeBytes(new byte[(512 - data.length % 512) % 512]);
  }

  private static void octal(byte[] h, int off, int len, long value) {
    String s = Long.toOctalString(value);
    while (s.length() < len - 1) {
      s = "0" + s;
    }
    put(h, off, len - 1, s.getBytes(StandardCharsets.US_ASCII));
    h[off + len - 1] = 0;
  }

  private static void put(byte[] h, int off, int len, byte[] value) {
    System.arraycopy(value, 0, h, off, Math.min(len, value.length));
  }

  private static String truncate(String s, int bytes) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    return b.length <= bytes ? s : new String(b, 0, bytes, StandardCharsets.UTF_8);
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      o.writeBytes(p);
    }
    return o.toByteArray();
  }

}
