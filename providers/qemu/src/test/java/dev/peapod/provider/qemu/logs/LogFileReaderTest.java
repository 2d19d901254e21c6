package dev.peapod.provider.qemu.logs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peapod.provider.LogQuery;
import dev.peapod.provider.LogRecord;
import dev.peapod.provider.qemu.guest.Fields;
import dev.peapod.provider.qemu.guest.Frame;
import dev.peapod.provider.qemu.guest.FrameCodec;
import dev.peapod.provider.qemu.guest.Wire;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class LogFileReaderTest {

  @TempDir Path tmp;

  static byte[] record(String container, int stream, long timeNs, String text) {
    return FrameCodec.encode(Frame.of(Wire.MSG_LOG, 0, Fields.builder()
        .str(Wire.F_CONTAINER, container).u32(Wire.F_STREAM, stream).u64(Wire.F_TIME_NS, timeNs)
        .bytes(Wire.F_DATA, text.getBytes(StandardCharsets.UTF_8)).build()));
  }

  private Path logWith(byte[]... chunks) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] c : chunks) {
      out.writeBytes(c);
    }
    Path file = tmp.resolve("containers.log");
    Files.write(file, out.toByteArray());
    return file;
  }

  private static List<String> texts(List<LogRecord> records) {
    return records.stream().map(r -> r.container() + ":" + r.text()).toList();
  }

  @Test
  void decodesRecordsWithStreamAndTime() throws Exception {
    Path file = logWith(record("a", 1, 1_700_000_000_500_000_000L, "hello\n"), record("b", 2, 5, "oops\n"));

    List<LogRecord> records = new LogFileReader(file).read(LogQuery.ALL);

    assertEquals(List.of("a:hello\n", "b:oops\n"), texts(records));
    assertEquals(LogRecord.Stream.STDOUT, records.get(0).stream());
    assertEquals(Instant.parse("2023-11-14T22:13:20.500Z"), records.get(0).time());
    assertEquals(LogRecord.Stream.STDERR, records.get(1).stream());
  }

  @Test
  void filtersByContainerAndTailsPerContainer() throws Exception {
    Path file = logWith(record("a", 1, 1, "1"), record("b", 1, 2, "x"), record("a", 1, 3, "2"),
        record("a", 1, 4, "3"), record("b", 1, 5, "y"));
    LogFileReader reader = new LogFileReader(file);

    assertEquals(List.of("a:1", "a:2", "a:3"), texts(reader.read(LogQuery.of("a"))));
    assertEquals(List.of("a:2", "a:3"),
        texts(reader.read(new LogQuery(Optional.of("a"), false, OptionalInt.of(2)))));
    assertEquals(List.of("a:3", "b:y"),
        texts(reader.read(new LogQuery(Optional.empty(), false, OptionalInt.of(1)))));
  }

  @Test
  void skipsGarbageATruncatedTailAndOtherFrames() throws Exception {
    byte[] partial = record("a", 1, 9, "cut off");
    Path file = logWith(new byte[] {1, 2, 3}, record("a", 1, 1, "ok"),
        FrameCodec.encode(Frame.of(Wire.MSG_OK, 1, Fields.empty())),
        java.util.Arrays.copyOf(partial, partial.length - 2));

    assertEquals(List.of("a:ok"), texts(new LogFileReader(file).read(LogQuery.ALL)));
  }

  @Test
  void aMissingFileHasNoRecords() {
    assertTrue(new LogFileReader(tmp.resolve("nope.log")).read(LogQuery.ALL).isEmpty());
  }

  @Test
  @Timeout(10)
  void followDeliversAppendedRecordsAndStartsOverAfterTruncation() throws Exception {
    Path file = logWith(record("a", 1, 1, "old"));
    LogQuery follow = new LogQuery(Optional.empty(), true, OptionalInt.empty());
    try (Stream<LogRecord> stream = new LogFileReader(file).stream(follow)) {
      Iterator<LogRecord> it = stream.iterator();
      assertEquals("old", it.next().text());
      Files.write(file, record("a", 1, 2, "new"), StandardOpenOption.APPEND);
      assertEquals("new", it.next().text());
      Files.write(file, record("a", 1, 3, "rebooted"), StandardOpenOption.TRUNCATE_EXISTING);
      assertEquals("rebooted", it.next().text());
    }
  }

  /** Writes {@code bytes} to {@code file} and gives it mtime {@code second} (as rotatelogs' ring writes would). */
  private static void write(Path file, long second, byte[] bytes, StandardOpenOption... options) throws Exception {
    Files.write(file, bytes, options);
    Files.setLastModifiedTime(file, java.nio.file.attribute.FileTime.fromMillis(second * 1000));
  }

  @Test
  void readsTheRingFromItsOldestFileAndDecodesAFrameCutByARotation() throws Exception {
    Path base = tmp.resolve("containers.log");
    byte[] cut = record("a", 1, 3, "three");
    // Ring of 3, written containers.log.1 -> .2 -> containers.log: .1 is the oldest.
    write(tmp.resolve("containers.log.1"), 10, record("a", 1, 1, "one"));
    ByteArrayOutputStream second = new ByteArrayOutputStream();
    second.writeBytes(record("a", 1, 2, "two"));
    second.writeBytes(java.util.Arrays.copyOf(cut, 7));
    write(tmp.resolve("containers.log.2"), 20, second.toByteArray());
    write(base, 20, java.util.Arrays.copyOfRange(cut, 7, cut.length)); // same tick as .2: later in the ring

    assertEquals(List.of("a:one", "a:two", "a:three"), texts(new LogFileReader(base).read(LogQuery.ALL)));
  }

  @Test
  @Timeout(10)
  void followGoesOnIntoTheNextFileAtARotation() throws Exception {
    Path base = tmp.resolve("containers.log");
    Path one = tmp.resolve("containers.log.1");
    write(base, 10, record("a", 1, 1, "first"));
    write(one, 5, new byte[0]);
    LogQuery follow = new LogQuery(Optional.empty(), true, OptionalInt.empty());
    try (Stream<LogRecord> stream = new LogFileReader(base).stream(follow)) {
      Iterator<LogRecord> it = stream.iterator();
      assertEquals("first", it.next().text());
      write(base, 11, record("a", 1, 2, "last before the rotation"), StandardOpenOption.APPEND);
      write(one, 11, record("a", 1, 3, "first after it"), StandardOpenOption.TRUNCATE_EXISTING);
      assertEquals("last before the rotation", it.next().text());
      assertEquals("first after it", it.next().text());
      write(base, 12, record("a", 1, 4, "the ring came round"), StandardOpenOption.TRUNCATE_EXISTING);
      assertEquals("the ring came round", it.next().text());
    }
  }
}
