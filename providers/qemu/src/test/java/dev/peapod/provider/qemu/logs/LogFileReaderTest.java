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
}
