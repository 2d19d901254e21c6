package dev.peapod.images.archive;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peapod.images.layer.LayerApplier;
import dev.peapod.images.testing.LocalRegistry;
import dev.peapod.images.testing.TarBuilder;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TarReaderTest {
  @TempDir Path tmp;

  @Test
  void paxRecordsGiveLongNamesAndRawBinaryXattrs() throws IOException {
    String longName = "dir/" + "n".repeat(150) + "/file";
    byte[] capability = {1, 0, 0, 2, (byte) 0x80, (byte) 0xff, (byte) 0xfe, 0};
    byte[] tar = new TarBuilder()
        .entry(longName, '0', 0644, 0, 0, "content".getBytes(), "", Map.of("security.capability", capability))
        .symlink("link", "t".repeat(200))
        .build();
    TarReader reader = new TarReader(new ByteArrayInputStream(tar));
    TarEntry file = reader.next();
    assertEquals(longName, file.name());
    assertArrayEquals(capability, file.xattrs().get("security.capability"), "not mangled by UTF-8 decoding");
    assertEquals("content", new String(reader.content().readAllBytes()));
    TarEntry link = reader.next();
    assertEquals("t".repeat(200), link.linkName());
    assertNull(reader.next());
  }

  @Test
  void readsGnuLongNamesAndBase256Numbers() throws IOException {
    Path src = Files.createDirectories(tmp.resolve("src/" + "d".repeat(120)));
    Files.writeString(src.resolve("f".repeat(120)), "x");
    Path tar = tmp.resolve("gnu.tar");
    LocalRegistry.run(List.of("tar", "--format=gnu", "--owner=3000000", "--group=0", "--numeric-owner", "-C",
        tmp.resolve("src").toString(), "-cf", tar.toString(), "."));
    try (InputStream in = Files.newInputStream(tar)) {
      TarReader reader = new TarReader(in);
      TarEntry entry;
      boolean found = false;
      while ((entry = reader.next()) != null) {
        assertEquals(3_000_000L, entry.uid(), "uid above 2^21 needs base-256");
        if (entry.name().endsWith("f".repeat(120))) {
          found = true;
          assertEquals("x", new String(reader.content().readAllBytes()));
        }
      }
      assertTrue(found);
    }
  }

  @ParameterizedTest(name = "GNU tar {0}")
  @ValueSource(strings = {"gnu", "posix-0.0", "posix-0.1", "posix-1.0"})
  void readsSparseFilesAndKeepsTheHoles(String format) throws IOException {
    Path src = Files.createDirectories(tmp.resolve("src"));
    Path sparse = src.resolve("sparse.img");
    try (RandomAccessFile file = new RandomAccessFile(sparse.toFile(), "rw")) {
      file.setLength(64L << 20);
      file.seek(1 << 20);
      file.write("first".getBytes());
      file.seek(40L << 20);
      file.write("second".getBytes());
    }
    Path tar = tmp.resolve("sparse.tar");
    List<String> command = format.equals("gnu")
        ? List.of("tar", "--format=gnu", "--sparse", "-C", src.toString(), "-cf", tar.toString(), "sparse.img")
        : List.of("tar", "--format=posix", "--sparse", "--sparse-version=" + format.substring(6), "-C", src.toString(),
            "-cf", tar.toString(), "sparse.img");
    LocalRegistry.run(command);
    Path root = Files.createDirectory(tmp.resolve("root"));
    try (InputStream in = Files.newInputStream(tar)) {
      new LayerApplier(root, false).apply(in, null, "img", "layer");
    }
    Path out = root.resolve("sparse.img");
    assertEquals(64L << 20, Files.size(out));
    assertEquals(-1, Files.mismatch(sparse, out), "same bytes as the original");
    long allocated = ((Number) Files.getAttribute(out, "unix:size")).longValue();
    assertTrue(allocated > 0);
    assertTrue(blocks(out) < 1024, "holes kept: " + blocks(out) + " blocks of 512 allocated");
  }

  @Test
  void refusesBadChecksumsAndTruncation() {
    byte[] tar = new TarBuilder().file("a", "abc").build();
    byte[] corrupt = tar.clone();
    corrupt[0] = 'b';
    assertThrows(TarFormatException.class, () -> new TarReader(new ByteArrayInputStream(corrupt)).next());
    byte[] truncated = java.util.Arrays.copyOf(tar, 514);
    assertThrows(IOException.class, () -> {
      TarReader reader = new TarReader(new ByteArrayInputStream(truncated));
      reader.next();
      reader.content().readAllBytes();
    });
  }

  @Test
  void refusesOversizedPaxHeaders() {
    byte[] huge = new TarBuilder().entry("x", 'x', 0644, 0, 0, new byte[16 << 20], "", Map.of()).build();
    TarLimitException e = assertThrows(TarLimitException.class, () -> new TarReader(new ByteArrayInputStream(huge)).next());
    assertTrue(e.getMessage().contains("over the limit maxHeaderBytes (1 MiB)"), e.getMessage());
  }

  private static long blocks(Path file) throws IOException {
    Process p = new ProcessBuilder("stat", "-c", "%b", file.toString()).start();
    return Long.parseLong(new String(p.getInputStream().readAllBytes()).strip());
  }
}
