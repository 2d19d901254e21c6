package dev.peapod.engine.source;

import dev.peapod.manifest.model.DesiredState;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What earlier reads of a directory source's manifest files found, so that planning many
 * unchanged files does not parse them all again: per file, its identity (device, inode, size,
 * mtime, ctime), a SHA-256 of its content, and each pod it declares (name, desired state, spec
 * hash). Only files whose every pod stands alone are kept: no diagnostics, no ConfigMap, Secret
 * or claim documents, and pods that refer to none (their hash then depends on their own text
 * alone). One cache file per set of source paths, {@code $PEAPOD_HOME/cache/manifests/SHA}, 0600 in
 * 0700 directories, holding the files of the last read only.
 *
 * <p>A file's entry is used when its identity is unchanged and, if the file was written less than
 * {@link #SETTLE} before its content was hashed (a write in the same clock tick could keep size and
 * times), when its content still hashes the same. The cache is trusted for nothing but the parse:
 * a pod taken from it is {@linkplain dev.peapod.plan.DesiredPod#deferred deferred}, and parsed
 * (and checked against the hash) as soon as anything needs more than its name, state and hash. The
 * file is read as hostile input: a line that does not have exactly the expected form drops its
 * entry, which the next read makes again; an unreadable cache is an empty one.
 */
public final class ManifestCache {

  /** A write this close before the hash may not have moved the file's times: such entries are re-hashed. */
  static final long SETTLE = 2_000_000_000L;

  private static final String HEADER = "peapod-manifest-cache 1";

  /** Where a file was, as stat says; equal identities mean the file was not written since. */
  record Identity(long device, long inode, long size, long mtimeNanos, long ctimeNanos) {
    static Identity of(Path file) throws IOException {
      Map<String, Object> a = Files.readAttributes(file, "unix:dev,ino,size,lastModifiedTime,ctime");
      return new Identity(((Number) a.get("dev")).longValue(), ((Number) a.get("ino")).longValue(),
          ((Number) a.get("size")).longValue(), nanos(a.get("lastModifiedTime")), nanos(a.get("ctime")));
    }

    private static long nanos(Object time) {
      FileTime t = (FileTime) time;
      return t.toInstant().getEpochSecond() * 1_000_000_000L + t.toInstant().getNano();
    }

    long lastChange() {
      return Math.max(mtimeNanos, ctimeNanos);
    }
  }

  /** One pod of a cached file. */
  record Pod(String name, DesiredState state, String hash) {}

  /** One file: identity, content hash, when that hash was taken (epoch nanos), its pods. */
  record Entry(Identity identity, String contentHash, long hashedAt, List<Pod> pods) {
    /** Whether its identity alone shows the file unchanged: it had settled when it was hashed. */
    boolean settled() {
      return hashedAt - identity.lastChange() >= SETTLE;
    }
  }

  private final Path file;
  private final Map<String, Entry> read;
  private final Map<String, Entry> now = new ConcurrentHashMap<>();

  private ManifestCache(Path file, Map<String, Entry> read) {
    this.file = file;
    this.read = read;
  }

  /** The cache of the source with these paths in this Peapod home; empty if there is none or it is unreadable. */
  public static ManifestCache open(Path peapodHome, List<Path> sourcePaths) {
    StringBuilder key = new StringBuilder();
    sourcePaths.forEach(p -> key.append(p.toAbsolutePath().normalize()).append('\0'));
    Path file = peapodHome.resolve("cache").resolve("manifests").resolve(sha256(
        key.toString().getBytes(StandardCharsets.UTF_8)).substring(0, 24));
    Map<String, Entry> entries = new LinkedHashMap<>();
    try {
      if (Files.isRegularFile(file)) {
        entries = parse(Files.readAllLines(file, StandardCharsets.UTF_8));
      }
    } catch (IOException | RuntimeException e) {
      // unreadable or not text: start over
      entries = new LinkedHashMap<>();
    }
    return new ManifestCache(file, entries);
  }

  Path file() {
    return file;
  }

  /** The entry of {@code path} if it still describes the file: same identity, and same content where that could hide a write. */
  Optional<Entry> lookup(String path, Identity identity, ContentHash content) throws IOException {
    Entry entry = read.get(path);
    if (entry == null || !entry.identity().equals(identity)) {
      return Optional.empty();
    }
    if (!entry.settled()) {
      if (!content.get().equals(entry.contentHash())) {
        return Optional.empty();
      }
      entry = new Entry(identity, entry.contentHash(), System.currentTimeMillis() * 1_000_000L, entry.pods());
    }
    now.put(path, entry);
    return Optional.of(entry);
  }

  /** The content hash of a file, taken once and only when asked for. */
  interface ContentHash {
    String get() throws IOException;
  }

  /** Records what a read of {@code path} found. */
  void put(String path, Entry entry) {
    now.put(path, entry);
  }

  /** Writes the entries of this read, if they differ from what was read (atomically, 0600). */
  void save(List<String> order) {
    Map<String, Entry> out = new LinkedHashMap<>();
    order.forEach(p -> {
      Entry e = now.get(p);
      if (e != null) {
        out.put(p, e);
      }
    });
    if (out.equals(read)) {
      return;
    }
    StringBuilder text = new StringBuilder(HEADER).append('\n');
    out.forEach((path, e) -> {
      Identity id = e.identity();
      text.append("F\t").append(path).append('\t').append(id.device()).append('\t').append(id.inode()).append('\t')
          .append(id.size()).append('\t').append(id.mtimeNanos()).append('\t').append(id.ctimeNanos()).append('\t')
          .append(e.hashedAt()).append('\t').append(e.contentHash()).append('\t').append(e.pods().size()).append('\n');
      e.pods().forEach(p -> text.append("P\t").append(p.name()).append('\t').append(p.state().name()).append('\t')
          .append(p.hash()).append('\n'));
    });
    try {
      Path dir = file.getParent();
      var privateDir = PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));
      if (!Files.isDirectory(dir.getParent())) {
        Files.createDirectories(dir.getParent(), privateDir);
      }
      if (!Files.isDirectory(dir)) {
        Files.createDirectories(dir, privateDir);
      }
      Path tmp = Files.createTempFile(dir, ".manifests", ".tmp",
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      try {
        Files.writeString(tmp, text, StandardCharsets.UTF_8);
        try {
          Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
          Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
      } finally {
        Files.deleteIfExists(tmp);
      }
    } catch (IOException | RuntimeException e) {
      // a cache that cannot be written costs the next read its parse, nothing else
    }
  }

  /** Entries by path; a malformed entry (or one cut short) is left out, and so is everything after a malformed line. */
  static Map<String, Entry> parse(List<String> lines) {
    Map<String, Entry> entries = new LinkedHashMap<>();
    if (lines.isEmpty() || !lines.get(0).equals(HEADER)) {
      return entries;
    }
    int i = 1;
    while (i < lines.size()) {
      String[] f = lines.get(i).split("\t", -1);
      if (f.length != 10 || !f[0].equals("F") || f[1].isEmpty() || !isHash(f[8])) {
        return entries;
      }
      Identity identity;
      long hashedAt;
      int count;
      try {
        identity = new Identity(Long.parseLong(f[2]), Long.parseLong(f[3]), Long.parseLong(f[4]), Long.parseLong(f[5]),
            Long.parseLong(f[6]));
        hashedAt = Long.parseLong(f[7]);
        count = Integer.parseInt(f[9]);
      } catch (NumberFormatException e) {
        return entries;
      }
      if (count < 0 || count > lines.size() - i - 1) {
        return entries;
      }
      List<Pod> pods = new ArrayList<>(count);
      for (int j = 1; j <= count; j++) {
        String[] p = lines.get(i + j).split("\t", -1);
        if (p.length != 4 || !p[0].equals("P") || !isPodName(p[1]) || !isHash(p[3])) {
          return entries;
        }
        DesiredState state;
        try {
          state = DesiredState.valueOf(p[2]);
        } catch (IllegalArgumentException e) {
          return entries;
        }
        pods.add(new Pod(p[1], state, p[3]));
      }
      entries.put(f[1], new Entry(identity, f[8], hashedAt, List.copyOf(pods)));
      i += count + 1;
    }
    return entries;
  }

  /**
   * {@code [0-9a-f]{64}}. By hand rather than by a regex: a plan checks two per file, 2,000 for
   * 1,000 files, mostly before the JIT has compiled the regex engine (bench/RESULTS.md, session 8).
   */
  static boolean isHash(String s) {
    if (s.length() != 64) {
      return false;
    }
    for (int i = 0; i < 64; i++) {
      char c = s.charAt(i);
      if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
        return false;
      }
    }
    return true;
  }

  /** {@code [a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?}, by hand as {@link #isHash} is. */
  static boolean isPodName(String s) {
    int n = s.length();
    if (n == 0 || n > 253 || !isLowerAlnum(s.charAt(0)) || !isLowerAlnum(s.charAt(n - 1))) {
      return false;
    }
    for (int i = 1; i < n - 1; i++) {
      char c = s.charAt(i);
      if (!isLowerAlnum(c) && c != '-' && c != '.') {
        return false;
      }
    }
    return true;
  }

  private static boolean isLowerAlnum(char c) {
    return c >= 'a' && c <= 'z' || c >= '0' && c <= '9';
  }

  static String sha256(byte[] content) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
