package dev.peapod.engine.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peapod.engine.ManifestRejectedException;
import dev.peapod.plan.DesiredPod;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The manifest cache of {@link DirectorySource#cachedIn}: the same snapshot as a read without it,
 * unchanged files not parsed again, any change seen, and a cache file that lies or is garbage
 * never trusted beyond the parse.
 */
class ManifestCacheTest {

  @TempDir
  Path tmp;
  Path home;
  Path dir;

  @BeforeEach
  void pods() throws Exception {
    home = tmp.resolve("home");
    dir = tmp.resolve("pods");
    Files.createDirectories(dir);
    for (int i = 1; i <= 5; i++) {
      Files.writeString(dir.resolve("p" + i + ".yaml"), pod("p" + i, "one"));
    }
  }

  private static String pod(String name, String value) {
    return """
        apiVersion: peapod.dev/v1alpha1
        kind: PeaPod
        metadata: {name: %s}
        spec:
          containers:
            - name: main
              image: busybox:1
              env: [{name: V, value: "%s"}]
        """.formatted(name, value);
  }

  private DesiredSnapshot uncached() {
    return DirectorySource.of(List.of(dir)).read();
  }

  private DesiredSnapshot cached() {
    return DirectorySource.of(List.of(dir)).cachedIn(home).read();
  }

  private Path cacheFile() {
    return ManifestCache.open(home, List.of(dir)).file();
  }

  /** Files older than the settle time, as after any edit some seconds ago: their identity alone vouches for them. */
  private void settle() throws Exception {
    FileTime old = FileTime.fromMillis(System.currentTimeMillis() - 60_000);
    try (var files = Files.list(dir)) {
      for (Path f : files.toList()) {
        Files.setLastModifiedTime(f, old);
      }
    }
  }

  private static void assertSame(DesiredSnapshot expected, DesiredSnapshot actual) {
    assertEquals(expected.revision(), actual.revision());
    assertEquals(expected.pods().stream().map(DesiredPod::name).toList(),
        actual.pods().stream().map(DesiredPod::name).toList());
    for (int i = 0; i < expected.pods().size(); i++) {
      assertEquals(expected.pods().get(i).hash(), actual.pods().get(i).hash());
      assertEquals(expected.pods().get(i).source(), actual.pods().get(i).source());
      assertEquals(expected.pods().get(i).state(), actual.pods().get(i).state());
    }
  }

  @Test
  void aSecondReadComesFromTheCacheAndGivesTheSameSnapshot() throws Exception {
    DesiredSnapshot first = cached();
    assertSame(uncached(), first);
    assertTrue(Files.exists(cacheFile()));
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(cacheFile())));
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(cacheFile().getParent())));
    assertEquals(1 + 5 * 2, Files.readAllLines(cacheFile()).size(), "a header, then an F and a P line per file");

    DesiredSnapshot second = cached();
    assertSame(first, second);
    // A pod taken from the cache is parsed when its manifest is asked for, and is the same pod.
    DesiredPod p1 = second.pods().get(0);
    assertEquals(first.pods().get(0).manifest(), p1.manifest());
    assertEquals(first.pods().get(0).normalized(), p1.normalized());
  }

  @Test
  void aChangedFileIsReadAgainEvenWithItsSizeAndMtimeKept() throws Exception {
    settle();
    cached();
    Path p2 = dir.resolve("p2.yaml");
    FileTime mtime = Files.getLastModifiedTime(p2);
    Files.writeString(p2, pod("p2", "two")); // same length as "one"
    Files.setLastModifiedTime(p2, mtime); // ctime still moves: the identity differs
    DesiredSnapshot after = cached();
    assertSame(uncached(), after);
    assertNotEquals("one", after.pods().get(1).manifest().spec().containers().get(0).env().get(0).value());
  }

  @Test
  void anEntryWhoseIdentityMatchesButWasHashedBeforeTheFileSettledIsCheckedByContent() throws Exception {
    cached(); // the files were just written: their entries are not settled
    Path p3 = dir.resolve("p3.yaml");
    List<String> lines = Files.readAllLines(cacheFile());
    // Make the cache claim p3's current identity for other content (as a write in the same clock
    // tick as the hash could): only the content hash can tell.
    ManifestCache.Identity now = ManifestCache.Identity.of(p3);
    List<String> forged = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      if (line.startsWith("F\t" + p3 + "\t")) {
        String[] f = line.split("\t");
        f[2] = "" + now.device();
        f[3] = "" + now.inode();
        f[4] = "" + now.size();
        f[5] = "" + now.mtimeNanos();
        f[6] = "" + now.ctimeNanos();
        f[7] = "" + now.lastChange(); // hashed at the moment it was written: not settled
        f[8] = "0".repeat(64);
        forged.add(String.join("\t", f));
        String[] p = lines.get(i + 1).split("\t");
        p[3] = "f".repeat(64);
        forged.add(String.join("\t", p));
        i++;
      } else {
        forged.add(line);
      }
    }
    Files.write(cacheFile(), forged);
    assertSame(uncached(), cached());
  }

  @Test
  void aSettledEntryThatLiesAboutAPodIsTrustedOnlyUntilThePodIsParsed() throws Exception {
    settle();
    cached();
    List<String> lines = new ArrayList<>(Files.readAllLines(cacheFile()));
    int at = -1;
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).startsWith("P\tp4\t")) {
        at = i;
      }
    }
    String[] p = lines.get(at).split("\t");
    p[3] = "e".repeat(64);
    lines.set(at, String.join("\t", p));
    Files.write(cacheFile(), lines);
    DesiredPod p4 = cached().pods().stream().filter(d -> d.name().equals("p4")).findFirst().orElseThrow();
    assertEquals("e".repeat(64), p4.hash()); // a plan would show p4 as changed...
    IllegalStateException e = assertThrows(IllegalStateException.class, p4::manifest); // ...and apply refuses it
    assertTrue(e.getMessage().contains("plan again"), e.getMessage());
  }

  @Test
  void garbageInTheCacheIsIgnoredAndReplaced() throws Exception {
    DesiredSnapshot expected = uncached();
    cached();
    String good = Files.readString(cacheFile());
    List<String> garbage = List.of(
        "",
        "not a cache",
        "peapod-manifest-cache 1\nF\tx\n",
        "peapod-manifest-cache 1\nF\t" + dir.resolve("p1.yaml") + "\t1\t2\t3\t4\t5\t6\t" + "a".repeat(64) + "\t99999999\n",
        "peapod-manifest-cache 1\nF\t" + dir.resolve("p1.yaml") + "\tx\t2\t3\t4\t5\t6\t" + "a".repeat(64) + "\t1\nP\tp1\tRUNNING\t"
            + "a".repeat(64) + "\n",
        "peapod-manifest-cache 1\nF\t" + dir.resolve("p1.yaml") + "\t1\t2\t3\t4\t5\t6\t" + "a".repeat(64) + "\t1\nP\t../etc\tRUNNING\t"
            + "a".repeat(64) + "\n",
        "peapod-manifest-cache 1\nF\t" + dir.resolve("p1.yaml") + "\t1\t2\t3\t4\t5\t6\t" + "a".repeat(64) + "\t1\nP\tp1\tBOGUS\t"
            + "a".repeat(64) + "\n",
        good.substring(0, good.length() / 2),
        good.replace("\tCREATED\t", "\tCREATED\textra\t"),
        "\0\1\2\3\377\376");
    for (String text : garbage) {
      Files.write(cacheFile(), text.getBytes(StandardCharsets.ISO_8859_1));
      assertSame(expected, cached());
      assertSame(expected, cached()); // and from the cache written again
    }
    Files.delete(cacheFile());
    Files.createDirectory(cacheFile()); // not even a file
    assertSame(expected, cached());
  }

  @Test
  void theHandWrittenChecksAcceptWhatTheirRegexesDid() {
    java.util.regex.Pattern name = java.util.regex.Pattern.compile("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?");
    java.util.regex.Pattern hash = java.util.regex.Pattern.compile("[0-9a-f]{64}");
    List<String> samples = new ArrayList<>(List.of("", "a", "0", "-", ".", "a-", "-a", "a.b", "a-b-c", "A", "aB",
        "a_b", "a b", "é", "web.1", "x".repeat(253), "x".repeat(254), "a" + "-".repeat(251) + "b",
        "a".repeat(64), "0123456789abcdef".repeat(4), "0123456789ABCDEF".repeat(4), "a".repeat(63), "a".repeat(65),
        "g".repeat(64), "a".repeat(63) + "\n"));
    for (String s : samples) {
      assertEquals(name.matcher(s).matches(), ManifestCache.isPodName(s), "pod name " + s);
      assertEquals(hash.matcher(s).matches(), ManifestCache.isHash(s), "hash " + s);
    }
  }

  @Test
  void theParseOfLinesDropsEverythingFromTheFirstBadLine() {
    String hash = "a".repeat(64);
    Map<String, ManifestCache.Entry> entries = ManifestCache.parse(List.of("peapod-manifest-cache 1",
        "F\t/a.yaml\t1\t2\t3\t4\t5\t6\t" + hash + "\t1", "P\ta\tCREATED\t" + hash,
        "F\t/b.yaml\t1\t2\t3\t4\t5\t6\t" + hash + "\t2", "P\tb\tRUNNING\t" + hash, "P\tB!\tRUNNING\t" + hash,
        "F\t/c.yaml\t1\t2\t3\t4\t5\t6\t" + hash + "\t0"));
    assertEquals(List.of("/a.yaml"), new ArrayList<>(entries.keySet()));
  }

  @Test
  void filesWithWarningsConfigMapsOrErrorsAreReadAsWithoutTheCache() throws Exception {
    Files.writeString(dir.resolve("cm.yaml"), """
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: web-config}
        data: {greeting: hello}
        """);
    assertSame(uncached(), cached());
    assertSame(uncached(), cached());
    Files.writeString(dir.resolve("bad.yaml"), "apiVersion: peapod.dev/v1alpha1\nkind: PeaPod\nmetadata: {name: bad}\n"
        + "spec: {containers: [{name: main}]}\n");
    ManifestRejectedException plain = assertThrows(ManifestRejectedException.class, this::uncached);
    ManifestRejectedException viaCache = assertThrows(ManifestRejectedException.class, this::cached);
    assertEquals(plain.diagnostics(), viaCache.diagnostics());
  }

  @Test
  void aPodDeclaredTwiceIsReportedAsWithoutTheCache() throws Exception {
    settle();
    cached();
    Files.writeString(dir.resolve("p6.yaml"), pod("p1", "six"));
    ManifestRejectedException plain = assertThrows(ManifestRejectedException.class, this::uncached);
    ManifestRejectedException viaCache = assertThrows(ManifestRejectedException.class, this::cached);
    assertEquals(plain.diagnostics(), viaCache.diagnostics());
    assertFalse(plain.diagnostics().isEmpty());
  }
}
