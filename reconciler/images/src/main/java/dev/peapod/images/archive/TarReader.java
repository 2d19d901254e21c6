package dev.peapod.images.archive;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a tar stream: ustar, GNU (long names, old sparse) and PAX (long names, large
 * numbers, sub-second mtimes, {@code SCHILY.xattr.*} / {@code LIBARCHIVE.xattr.*},
 * GNU sparse 0.0, 0.1 and 1.0).
 *
 * <p>Written here rather than taken from commons-compress because that library
 * decodes PAX values as UTF-8, which corrupts binary xattrs such as
 * {@code security.capability}; PAX values are kept as raw bytes here.
 *
 * <p>Not thread-safe. Names are returned as stored; containment is the caller's job.
 */
public final class TarReader {
  static final int BLOCK = 512;
  /**
   * Sparse maps are held in memory (a 1.0 map costs 4 bytes of data per segment, ~40 of
   * heap); real sparse files have a handful of segments.
   */
  private static final int MAX_SPARSE_SEGMENTS = 1 << 16;

  private final InputStream in;
  private final int maxHeaderBytes;
  private final byte[] header = new byte[BLOCK];
  private final byte[] scratch = new byte[1 << 16];
  private final Map<String, byte[]> globalPax = new HashMap<>();
  private long globalPaxBytes;
  private long remaining;
  private long padding;

  /** A reader with the default {@link dev.peapod.images.ImageLimits#maxHeaderBytes()}. */
  public TarReader(InputStream in) {
    this(in, dev.peapod.images.ImageLimits.DEFAULT.maxHeaderBytes());
  }

  /**
   * @param maxHeaderBytes how much metadata one entry may bring (PAX records, GNU long name
   *     and link, all together), and all PAX global headers of the stream together: they are
   *     held in memory, and without a bound a few hundred KB of gzip exhaust the heap
   */
  public TarReader(InputStream in, int maxHeaderBytes) {
    this.in = in;
    this.maxHeaderBytes = maxHeaderBytes;
  }

  /** The next member, or null at the end of the archive. Skips any unread content of the previous one. */
  public TarEntry next() throws IOException {
    skipCurrent();
    List<Map.Entry<String, byte[]>> pax = new ArrayList<>();
    String longName = null;
    String longLink = null;
    long metaBytes = 0;
    while (true) {
      if (!readHeader()) {
        return null;
      }
      char typeflag = (char) header[156];
      long size = number(124, 12);
      if (size < 0) {
        throw new TarFormatException("negative member size");
      }
      if (typeflag == 'g') {
        globalPaxBytes += size;
        checkMeta(globalPaxBytes, "PAX global headers");
      } else if (typeflag == 'x' || typeflag == 'L' || typeflag == 'K') {
        metaBytes += size;
        checkMeta(metaBytes, "PAX and GNU long-name headers of one entry");
      }
      switch (typeflag) {
        case 'x' -> pax.addAll(PaxRecords.parse(readMeta(size, "PAX header")));
        case 'g' -> PaxRecords.parse(readMeta(size, "PAX global header")).forEach(e -> globalPax.put(e.getKey(), e.getValue()));
        case 'L' -> longName = cString(readMeta(size, "GNU long name"), 0, (int) size);
        case 'K' -> longLink = cString(readMeta(size, "GNU long link name"), 0, (int) size);
        default -> {
          return entry(typeflag, size, pax, longName, longLink);
        }
      }
    }
  }

  /**
   * The current member's stored data: the file content, or for a sparse file the data
   * segments back to back (see {@link TarEntry#sparse()}). Valid until {@link #next()}.
   */
  public InputStream content() {
    return new InputStream() {
      @Override
      public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        if (remaining == 0) {
          return -1;
        }
        int n = in.read(b, off, (int) Math.min(len, remaining));
        if (n < 0) {
          throw new EOFException("tar stream truncated inside a member");
        }
        remaining -= n;
        return n;
      }
    };
  }

  private TarEntry entry(char typeflag, long storedSize, List<Map.Entry<String, byte[]>> localPax,
      String longName, String longLink) throws IOException {
    Map<String, byte[]> pax = new HashMap<>(globalPax);
    localPax.forEach(e -> pax.put(e.getKey(), e.getValue()));
    boolean gnu = header[257] == 'u' && header[262] == ' ';
    String name = paxString(pax, "path", longName != null ? longName : ustarName(gnu));
    String link = paxString(pax, "linkpath", longLink != null ? longLink : cString(header, 157, 100));
    long size = paxNumber(pax, "size", storedSize);
    beginContent(size);

    List<SparseSegment> sparse = null;
    long logicalSize = size;
    TarEntry.Type type = type(typeflag, name);
    if (typeflag == 'S') {
      sparse = oldGnuSparse();
      logicalSize = number(483, 12);
    } else if (pax.containsKey("GNU.sparse.major") || pax.containsKey("GNU.sparse.map")
        || pax.containsKey("GNU.sparse.offset")) {
      sparse = paxSparse(pax, localPax);
      logicalSize = paxNumber(pax, "GNU.sparse.realsize", paxNumber(pax, "GNU.sparse.size", size));
      name = paxString(pax, "GNU.sparse.name", name);
    }
    if (sparse != null) {
      validateSparse(sparse, logicalSize);
      type = TarEntry.Type.FILE;
    }
    long uid = paxNumber(pax, "uid", number(108, 8));
    long gid = paxNumber(pax, "gid", number(116, 8));
    FileTime mtime = paxTime(pax, "mtime", number(136, 12));
    int mode = (int) (number(100, 8) & 07777);
    int major = type == TarEntry.Type.CHAR_DEVICE || type == TarEntry.Type.BLOCK_DEVICE ? (int) number(329, 8) : 0;
    int minor = type == TarEntry.Type.CHAR_DEVICE || type == TarEntry.Type.BLOCK_DEVICE ? (int) number(337, 8) : 0;
    return new TarEntry(name, type, mode, uid, gid, logicalSize, mtime, link, major, minor, xattrs(pax), sparse);
  }

  private static TarEntry.Type type(char typeflag, String name) throws TarFormatException {
    return switch (typeflag) {
      case '0', '\0', '7', 'S' -> name.endsWith("/") ? TarEntry.Type.DIRECTORY : TarEntry.Type.FILE;
      case '1' -> TarEntry.Type.HARDLINK;
      case '2' -> TarEntry.Type.SYMLINK;
      case '3' -> TarEntry.Type.CHAR_DEVICE;
      case '4' -> TarEntry.Type.BLOCK_DEVICE;
      case '5' -> TarEntry.Type.DIRECTORY;
      case '6' -> TarEntry.Type.FIFO;
      default -> throw new TarFormatException("unsupported tar member type '" + typeflag + "' for " + name);
    };
  }

  /** Reads one header block; false at a clean end (EOF or a zero block). Verifies the checksum. */
  private boolean readHeader() throws IOException {
    int n = in.readNBytes(header, 0, BLOCK);
    if (n == 0) {
      return false; // tolerated: some writers omit the two zero blocks
    }
    if (n < BLOCK) {
      throw new TarFormatException("tar stream truncated inside a header");
    }
    boolean zero = true;
    for (byte b : header) {
      if (b != 0) {
        zero = false;
        break;
      }
    }
    if (zero) {
      return false;
    }
    long unsigned = 0;
    long signed = 0;
    for (int i = 0; i < BLOCK; i++) {
      int b = i >= 148 && i < 156 ? ' ' : header[i];
      unsigned += b & 0xff;
      signed += (byte) b;
    }
    long stored = number(148, 8);
    if (stored != unsigned && stored != signed) {
      throw new TarFormatException("tar header checksum mismatch (not a tar stream, or corrupt)");
    }
    return true;
  }

  /** Checked before anything is read, so a bomb costs no memory. */
  private void checkMeta(long bytes, String what) throws TarLimitException {
    if (bytes > maxHeaderBytes) {
      throw new TarLimitException(what + " reach " + bytes + " bytes, over the limit maxHeaderBytes ("
          + dev.peapod.images.ImageLimits.bytes(maxHeaderBytes) + ")");
    }
  }

  private byte[] readMeta(long size, String what) throws IOException {
    beginContent(size);
    byte[] data = content().readNBytes((int) size);
    if (data.length < size) {
      throw new EOFException("tar stream truncated inside " + what);
    }
    skipCurrent();
    return data;
  }

  private void beginContent(long size) {
    remaining = size;
    padding = (BLOCK - size % BLOCK) % BLOCK;
  }

  /** Reads (never skip()s) past the rest of a member: callers hash the whole stream, and skip() would bypass them. */
  private void skipCurrent() throws IOException {
    long toSkip = remaining + padding;
    remaining = 0;
    padding = 0;
    while (toSkip > 0) {
      int n = in.read(scratch, 0, (int) Math.min(scratch.length, toSkip));
      if (n < 0) {
        throw new EOFException("tar stream truncated inside a member");
      }
      toSkip -= n;
    }
  }

  private String ustarName(boolean gnu) {
    String name = cString(header, 0, 100);
    boolean posix = header[257] == 'u' && header[262] == 0;
    if (!gnu && posix) {
      String prefix = cString(header, 345, 155);
      if (!prefix.isEmpty()) {
        return prefix + "/" + name;
      }
    }
    return name;
  }

  /** GNU type 'S': up to 4 segments in the header, then 21 per extension block. */
  private List<SparseSegment> oldGnuSparse() throws IOException {
    List<SparseSegment> segments = new ArrayList<>();
    readSparseSlots(header, 386, 4, segments);
    boolean extended = header[482] != 0;
    byte[] block = new byte[BLOCK];
    while (extended) {
      if (in.readNBytes(block, 0, BLOCK) < BLOCK) {
        throw new EOFException("tar stream truncated inside a GNU sparse header");
      }
      readSparseSlots(block, 0, 21, segments);
      extended = block[504] != 0;
      if (segments.size() > MAX_SPARSE_SEGMENTS) {
        throw new TarLimitException("sparse map has more than " + MAX_SPARSE_SEGMENTS + " segments");
      }
    }
    return segments;
  }

  private static void readSparseSlots(byte[] block, int offset, int count, List<SparseSegment> out)
      throws TarFormatException {
    for (int i = 0; i < count; i++) {
      int at = offset + i * 24;
      if (block[at] == 0 && block[at + 12] == 0) {
        return;
      }
      out.add(new SparseSegment(parseNumber(block, at, 12), parseNumber(block, at + 12, 12)));
    }
  }

  private List<SparseSegment> paxSparse(Map<String, byte[]> pax, List<Map.Entry<String, byte[]>> localPax)
      throws IOException {
    if ("1".equals(paxString(pax, "GNU.sparse.major", null))) {
      return sparseMapFromData();
    }
    List<SparseSegment> segments = new ArrayList<>();
    String map = paxString(pax, "GNU.sparse.map", null);
    if (map != null) { // 0.1: "offset,length,offset,length..."
      String[] numbers = map.isEmpty() ? new String[0] : map.split(",");
      if (numbers.length % 2 != 0) {
        throw new TarFormatException("odd number of values in GNU.sparse.map");
      }
      for (int i = 0; i < numbers.length; i += 2) {
        segments.add(new SparseSegment(decimal(numbers[i]), decimal(numbers[i + 1])));
      }
      return segments;
    }
    Long offset = null; // 0.0: repeated GNU.sparse.offset / GNU.sparse.numbytes pairs, in order
    for (Map.Entry<String, byte[]> record : localPax) {
      if (record.getKey().equals("GNU.sparse.offset")) {
        offset = decimal(utf8(record.getValue()));
      } else if (record.getKey().equals("GNU.sparse.numbytes")) {
        if (offset == null) {
          throw new TarFormatException("GNU.sparse.numbytes without GNU.sparse.offset");
        }
        segments.add(new SparseSegment(offset, decimal(utf8(record.getValue()))));
        offset = null;
      }
    }
    return segments;
  }

  /** Sparse 1.0: the map is decimal lines at the start of the data, padded to a block. */
  private List<SparseSegment> sparseMapFromData() throws IOException {
    InputStream data = content();
    long[] consumed = {0};
    long count = readDecimalLine(data, consumed);
    if (count > MAX_SPARSE_SEGMENTS) {
      throw new TarLimitException("sparse map has " + count + " segments, more than " + MAX_SPARSE_SEGMENTS);
    }
    List<SparseSegment> segments = new ArrayList<>();
    for (long i = 0; i < count; i++) {
      segments.add(new SparseSegment(readDecimalLine(data, consumed), readDecimalLine(data, consumed)));
    }
    long pad = (BLOCK - consumed[0] % BLOCK) % BLOCK;
    if (data.readNBytes((int) pad).length < pad) {
      throw new EOFException("tar stream truncated inside a sparse map");
    }
    return segments;
  }

  private static long readDecimalLine(InputStream data, long[] consumed) throws IOException {
    long value = 0;
    int digits = 0;
    while (true) {
      int c = data.read();
      consumed[0]++;
      if (c == '\n' && digits > 0) {
        return value;
      }
      if (c < '0' || c > '9' || digits >= 19) {
        throw new TarFormatException("malformed GNU sparse 1.0 map");
      }
      value = value * 10 + (c - '0');
      digits++;
    }
  }

  private void validateSparse(List<SparseSegment> segments, long logicalSize) throws TarFormatException {
    long end = 0;
    long data = 0;
    for (SparseSegment s : segments) {
      if (s.offset() < end || s.length() < 0 || s.offset() + s.length() > logicalSize || s.offset() + s.length() < 0) {
        throw new TarFormatException("sparse map has overlapping or out-of-range segments");
      }
      end = s.offset() + s.length();
      data += s.length();
    }
    if (data != remaining) {
      throw new TarFormatException("sparse map covers " + data + " bytes but the member stores " + remaining);
    }
  }

  private static Map<String, byte[]> xattrs(Map<String, byte[]> pax) {
    Map<String, byte[]> xattrs = new HashMap<>();
    pax.forEach((key, value) -> {
      if (key.startsWith("SCHILY.xattr.")) {
        xattrs.put(key.substring("SCHILY.xattr.".length()), value);
      } else if (key.startsWith("LIBARCHIVE.xattr.")) {
        // libarchive URL-encodes the name and base64-encodes the value
        String name = java.net.URLDecoder.decode(key.substring("LIBARCHIVE.xattr.".length()), StandardCharsets.UTF_8);
        xattrs.putIfAbsent(name, java.util.Base64.getDecoder().decode(utf8(value).strip()));
      }
    });
    return xattrs;
  }

  private long number(int offset, int length) throws TarFormatException {
    return parseNumber(header, offset, length);
  }

  /** Octal ASCII, or GNU base-256 when the high bit of the first byte is set. */
  static long parseNumber(byte[] block, int offset, int length) throws TarFormatException {
    if ((block[offset] & 0x80) != 0) {
      if ((block[offset] & 0xff) == 0xff) {
        throw new TarFormatException("negative base-256 number in tar header");
      }
      long value = block[offset] & 0x7f;
      for (int i = 1; i < length; i++) {
        if (value > (Long.MAX_VALUE >>> 8)) {
          throw new TarFormatException("base-256 number too large");
        }
        value = (value << 8) | (block[offset + i] & 0xff);
      }
      return value;
    }
    long value = 0;
    int i = offset;
    int end = offset + length;
    while (i < end && (block[i] == ' ' || block[i] == 0)) {
      i++;
    }
    for (; i < end && block[i] != ' ' && block[i] != 0; i++) {
      if (block[i] < '0' || block[i] > '7') {
        throw new TarFormatException("invalid octal number in tar header");
      }
      value = (value << 3) + (block[i] - '0');
    }
    return value;
  }

  private static String cString(byte[] bytes, int offset, int length) {
    int end = offset;
    while (end < offset + length && bytes[end] != 0) {
      end++;
    }
    return new String(bytes, offset, end - offset, StandardCharsets.UTF_8);
  }

  private static String utf8(byte[] value) {
    return new String(value, StandardCharsets.UTF_8);
  }

  private static String paxString(Map<String, byte[]> pax, String key, String fallback) {
    byte[] value = pax.get(key);
    return value == null ? fallback : utf8(value);
  }

  private static long paxNumber(Map<String, byte[]> pax, String key, long fallback) throws TarFormatException {
    byte[] value = pax.get(key);
    return value == null ? fallback : decimal(utf8(value));
  }

  private static FileTime paxTime(Map<String, byte[]> pax, String key, long fallbackSeconds) throws TarFormatException {
    byte[] value = pax.get(key);
    if (value == null) {
      return FileTime.from(Instant.ofEpochSecond(fallbackSeconds));
    }
    String text = utf8(value);
    try {
      java.math.BigDecimal seconds = new java.math.BigDecimal(text);
      long whole = seconds.setScale(0, java.math.RoundingMode.FLOOR).longValueExact();
      long nanos = seconds.subtract(java.math.BigDecimal.valueOf(whole)).movePointRight(9).longValue();
      return FileTime.from(Instant.ofEpochSecond(whole, nanos));
    } catch (ArithmeticException | NumberFormatException | java.time.DateTimeException e) {
      throw new TarFormatException("invalid PAX " + key + " \"" + text + "\"");
    }
  }

  private static long decimal(String text) throws TarFormatException {
    try {
      long value = Long.parseLong(text.strip());
      if (value < 0) {
        throw new TarFormatException("negative number \"" + text + "\" in PAX header");
      }
      return value;
    } catch (NumberFormatException e) {
      throw new TarFormatException("invalid number \"" + text + "\" in PAX header");
    }
  }
}
