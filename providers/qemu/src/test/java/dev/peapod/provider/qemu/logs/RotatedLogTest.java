package dev.peapod.provider.qemu.logs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RotatedLogTest {

  @TempDir Path tmp;

  private List<String> order(long... seconds) throws Exception {
    Path base = tmp.resolve("x.log");
    for (int i = 0; i < seconds.length; i++) {
      Path file = i == 0 ? base : tmp.resolve("x.log." + i);
      Files.writeString(file, "");
      Files.setLastModifiedTime(file, FileTime.fromMillis(seconds[i] * 1000));
    }
    return new RotatedLog(base).oldestFirst().stream().map(p -> p.getFileName().toString()).toList();
  }

  @Test
  void theNewestIsTheLastWrittenAndTheOldestTheNextInTheRing() throws Exception {
    assertEquals(List.of("x.log.2", "x.log", "x.log.1"), order(5, 7, 3));
    assertEquals(List.of("x.log", "x.log.1", "x.log.2"), order(1, 2, 3));
  }

  @Test
  void ofFilesWrittenInOneTickTheLastInTheRingIsTheNewest() throws Exception {
    assertEquals(List.of("x.log.2", "x.log", "x.log.1"), order(9, 9, 3));
    assertEquals(List.of("x.log.1", "x.log.2", "x.log"), order(9, 3, 9), "the run wraps round the ring");
    assertEquals(List.of("x.log", "x.log.1", "x.log.2"), order(4, 4, 4));
  }

  @Test
  void aLonelyFileIsTheWholeRing() throws Exception {
    assertEquals(List.of("x.log"), order(1));
    assertEquals(List.of("x.log"), new RotatedLog(tmp.resolve("x.log")).ring(1).stream()
        .map(p -> p.getFileName().toString()).toList());
  }
}
