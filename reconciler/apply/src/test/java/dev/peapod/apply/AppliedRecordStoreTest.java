package dev.peapod.apply;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peapod.plan.Action;
import dev.peapod.plan.AppliedRecord;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Records are read as tokens with the spec parsed on first use: what that gives is what a whole parse gave. */
class AppliedRecordStoreTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path home;

  private static Map<String, Object> spec() {
    Map<String, Object> container = new LinkedHashMap<>();
    container.put("name", "main");
    container.put("command", List.of("sh", "-c", "echo \"}{\" \u00e9"));
    container.put("cpu", 1.5);
    container.put("port", 8080);
    container.put("big", 1L << 40);
    container.put("tty", true);
    container.put("none", null);
    Map<String, Object> spec = new LinkedHashMap<>();
    spec.put("metadata", Map.of("name", "web", "labels", Map.of("a", "b")));
    spec.put("containers", List.of(container));
    spec.put("empty", Map.of());
    return spec;
  }

  @Test
  void aRecordReadsBackAsAWholeParseOfItsFileHasIt() throws Exception {
    AppliedRecordStore store = AppliedRecordStore.in(home);
    AppliedRecord record = new AppliedRecord("web", "dir:/srv/pods", "pods/web.yaml",
        Instant.parse("2026-12-07T03:04:05.123456789Z"), spec(), "a".repeat(64),
        Optional.of(new AppliedRecord.Pending(Action.REPLACE, Instant.parse("2026-12-07T03:04:06Z"))));
    store.write(record);

    AppliedRecord read = store.read("web").orElseThrow();
    assertEquals(record, read);
    assertEquals(record.hashCode(), read.hashCode());
    // The spec as a whole-file parse gave it before: the same maps, lists and number types.
    JsonNode root = JSON.readTree(Files.readAllBytes(home.resolve("applied/web.json")));
    assertEquals(JSON.convertValue(root.path("spec"), Map.class), read.spec());
    assertEquals(Map.of("web", read), store.readAll());
    // Written again from what was read (begin, done), it is the same file.
    byte[] before = Files.readAllBytes(home.resolve("applied/web.json"));
    store.write(store.read("web").orElseThrow());
    assertEquals(new String(before), Files.readString(home.resolve("applied/web.json")));
  }

  @Test
  void aRecordChangedInTheSameInstantWithTheSameSizeAndTimeReadsAsChanged() throws Exception {
    // Nothing of a record is kept between reads: a rewrite that keeps size and mtime (same clock tick,
    // or set back by hand) is read as it is now, so a changed pod never plans as unchanged.
    AppliedRecordStore store = AppliedRecordStore.in(home);
    Instant at = Instant.parse("2026-12-07T03:04:05Z");
    store.write(new AppliedRecord("web", "apply", "a.yaml", at, spec(), "a".repeat(64), Optional.empty()));
    Path file = home.resolve("applied/web.json");
    var mtime = Files.getLastModifiedTime(file);
    assertEquals("a".repeat(64), store.readAll().get("web").hash());
    store.write(new AppliedRecord("web", "apply", "a.yaml", at, spec(), "b".repeat(64), Optional.empty()));
    Files.setLastModifiedTime(file, mtime);
    assertEquals("b".repeat(64), store.readAll().get("web").hash());
    assertEquals("b".repeat(64), store.read("web").orElseThrow().hash());
  }

  @Test
  void aRecordWithoutSpecOrTimesReadsBackSo() {
    AppliedRecordStore store = AppliedRecordStore.in(home);
    AppliedRecord started = new AppliedRecord("db", AppliedRecord.MANAGED_BY_CLI, "", null, null, null,
        Optional.of(new AppliedRecord.Pending(Action.CREATE, Instant.parse("2026-12-07T03:04:05.5Z"))));
    store.write(started);
    AppliedRecord read = store.read("db").orElseThrow();
    assertEquals(started, read);
    assertNull(read.spec());
    assertNull(read.appliedAt());
    assertEquals(Optional.empty(), store.read("absent"));
  }

  @Test
  void aDamagedRecordIsAnErrorNamingItsFile() throws Exception {
    AppliedRecordStore store = AppliedRecordStore.in(home);
    Files.createDirectories(home.resolve("applied"));
    for (String text : List.of("{\"name\": \"x\", \"spec\": {\"a\": [1, 2}", "[1]", "", "{\"name\": \"x\",")) {
      Files.writeString(home.resolve("applied/x.json"), text);
      UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> store.read("x"), text);
      assertTrue(e.getMessage().contains("x.json"), e.getMessage());
    }
  }

  /**
   * A spec whose tree fails to parse only when first used, maybe long after its record was read
   * (reading the tokens checks nearly all a parse does, so the bytes are spoiled here after the
   * tokens were read), is an error naming the record's file too.
   */
  @Test
  void aSpecThatFailsToParseLateIsAnErrorNamingItsFile() throws Exception {
    byte[] bytes = "{\"a\": [1, 2]}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    Path file = home.resolve("applied/x.json");
    AppliedRecordStore.DeferredTree tree;
    try (com.fasterxml.jackson.core.JsonParser parser = new com.fasterxml.jackson.core.JsonFactory().createParser(bytes)) {
      parser.nextToken();
      tree = AppliedRecordStore.DeferredTree.of(parser, bytes, file);
    }
    bytes[6] = '}';
    UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> tree.get("a"));
    assertTrue(e.getMessage().startsWith("cannot parse the spec of applied record " + file + ": "), e.getMessage());
  }

  @Test
  void instantsParseAsTheIsoParserParsesThem() {
    Random random = new Random(15);
    List<String> texts = new ArrayList<>(Arrays.asList("1970-01-01T00:00:00Z", "2026-12-07T03:04:05.1Z",
        "2026-12-07T03:04:05.120Z", "2024-02-29T23:59:59.999999999Z", "9999-12-31T23:59:59Z",
        "2016-12-31T23:59:60Z", "2026-12-07T03:04:05.Z"));
    for (int i = 0; i < 2000; i++) {
      Instant t = Instant.ofEpochSecond(random.nextLong() % 250_000_000_000L, random.nextInt(1_000_000_000));
      t = switch (i % 4) {
        case 0 -> t.truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        case 1 -> t.truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
        case 2 -> t.truncatedTo(java.time.temporal.ChronoUnit.MICROS);
        default -> t;
      };
      texts.add(t.toString());
    }
    for (String text : texts) {
      assertEquals(Instant.parse(text), AppliedRecordStore.instant(text), text);
    }
    for (String bad : List.of("2026-13-07T03:04:05Z", "2026-12-07 03:04:05Z",
        "2026-12-07T03:04:05.1234567890Z", "2026-12-07T03:04:5Z", "2026-02-30T03:04:05Z")) {
      assertThrows(java.time.format.DateTimeParseException.class, () -> AppliedRecordStore.instant(bad), bad);
    }
  }
}
