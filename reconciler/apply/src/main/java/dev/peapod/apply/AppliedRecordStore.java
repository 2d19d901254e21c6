package dev.peapod.apply;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.peapod.files.AtomicFiles;
import dev.peapod.plan.Action;
import dev.peapod.plan.AppliedRecord;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * What Peapod applied to each pod, one JSON file per pod under {@code $PEAPOD_HOME/applied/}.
 * Every write goes to a temp file that is fsynced and renamed over the old one, then the
 * directory is fsynced ({@link AtomicFiles}), so a reader, a process killed mid-write or a
 * power cut finds the old record or the new one, never half of one or none.
 *
 * <p>These records are Peapod's, not the provider's: the provider records the resolved {@code
 * PodSpec} it runs; this records the manifest it came from, in canonical form, which is what the
 * planner compares desired manifests with.
 */
public final class AppliedRecordStore {

  /** Reads records as tokens: an ObjectMapper's first use alone costs a short command ~15 ms. */
  private static final JsonFactory TOKENS = new JsonFactory();

  /** Writes records, and parses a record's spec when it is first used. */
  private static final class Mapper {
    static final ObjectMapper JSON = new ObjectMapper();
  }

  private final Path dir;

  public AppliedRecordStore(Path dir) {
    this.dir = dir;
  }

  /** The store under a Peapod home directory. */
  public static AppliedRecordStore in(Path peapodHome) {
    return new AppliedRecordStore(peapodHome.resolve("applied"));
  }

  /** Every record, by pod name; a record that cannot be read is an error naming its file. */
  public Map<String, AppliedRecord> readAll() {
    Map<String, AppliedRecord> out = new TreeMap<>();
    if (!Files.isDirectory(dir)) {
      return out;
    }
    List<Path> files = new ArrayList<>();
    try (DirectoryStream<Path> listing = Files.newDirectoryStream(dir, "*.json")) {
      listing.forEach(files::add);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list applied records in " + dir, e);
    }
    // One small file per pod: read in parallel, which halves a thousand-pod plan on two cores.
    files.parallelStream().map(AppliedRecordStore::read).toList()
        .forEach(record -> record.ifPresent(r -> out.put(r.name(), r)));
    return out;
  }

  public Optional<AppliedRecord> read(String pod) {
    return read(fileOf(pod));
  }

  public void write(AppliedRecord record) {
    ObjectNode root = Mapper.JSON.createObjectNode();
    root.put("name", record.name());
    root.put("managedBy", record.managedBy());
    root.put("source", record.source());
    root.put("appliedAt", record.appliedAt() == null ? null : record.appliedAt().toString());
    root.set("spec", record.spec() == null ? null : Mapper.JSON.valueToTree(record.spec()));
    root.put("hash", record.hash());
    if (record.pending().isPresent()) {
      root.putObject("pending")
          .put("action", record.pending().get().action().verb())
          .put("since", record.pending().get().since().toString());
    }
    Path file = fileOf(record.name());
    try {
      Files.createDirectories(dir);
      AtomicFiles.write(file, Mapper.JSON.writeValueAsBytes(root));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  public void delete(String pod) {
    try {
      if (Files.deleteIfExists(fileOf(pod))) {
        AtomicFiles.syncDirectory(dir); // a removed record must not come back after a crash
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + fileOf(pod), e);
    }
  }

  private Path fileOf(String pod) {
    if (pod.isEmpty() || pod.contains("/") || pod.startsWith(".")) {
      throw new IllegalArgumentException("not a pod name: \"" + pod + "\"");
    }
    return dir.resolve(pod + ".json");
  }

  /**
   * A record from its file. Its spec tree, most of the file, is only tokenized here and parsed from
   * the same bytes when first used ({@link DeferredTree}): a plan of unchanged pods compares the
   * hashes alone, and a thousand records are read for it in a fraction of what building their trees
   * cost.
   */
  private static Optional<AppliedRecord> read(Path file) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read applied record " + file + ": " + e.getMessage(), e);
    }
    try {
      return Optional.of(parse(bytes, file));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read applied record " + file + ": " + e.getMessage(), e);
    }
  }

  private static AppliedRecord parse(byte[] bytes, Path file) throws IOException {
    String name = "";
    String managedBy = AppliedRecord.MANAGED_BY_APPLY;
    String source = "";
    Instant appliedAt = null;
    Map<String, Object> spec = null;
    String hash = "";
    Optional<AppliedRecord.Pending> pending = Optional.empty();
    try (JsonParser parser = TOKENS.createParser(bytes)) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        throw new IOException("not a JSON object");
      }
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String field = parser.currentName();
        JsonToken token = parser.nextToken();
        switch (field) {
          case "name" -> name = text(parser, "");
          case "managedBy" -> managedBy = text(parser, AppliedRecord.MANAGED_BY_APPLY);
          case "source" -> source = text(parser, "");
          case "appliedAt" -> appliedAt = token == JsonToken.VALUE_STRING ? instant(parser.getText()) : null;
          case "hash" -> hash = text(parser, "");
          case "spec" -> spec = token == JsonToken.START_OBJECT ? DeferredTree.of(parser, bytes, file) : null;
          case "pending" -> pending = token == JsonToken.START_OBJECT ? Optional.of(pending(parser)) : Optional.empty();
          default -> { }
        }
        parser.skipChildren();
      }
      if (parser.currentToken() != JsonToken.END_OBJECT) {
        throw new IOException("not a whole JSON object");
      }
    }
    return new AppliedRecord(name, managedBy, source, appliedAt, spec, hash, pending);
  }

  /** A scalar as text (as {@code JsonNode.asText(orElse)} gave it), {@code orElse} for null or a tree. */
  private static String text(JsonParser parser, String orElse) throws IOException {
    return parser.currentToken().isScalarValue() && parser.currentToken() != JsonToken.VALUE_NULL
        ? parser.getText() : orElse;
  }

  private static AppliedRecord.Pending pending(JsonParser parser) throws IOException {
    String action = "";
    String since = "";
    while (parser.nextToken() == JsonToken.FIELD_NAME) {
      String field = parser.currentName();
      parser.nextToken();
      if (field.equals("action")) {
        action = text(parser, "");
      } else if (field.equals("since")) {
        since = text(parser, "");
      }
      parser.skipChildren();
    }
    return new AppliedRecord.Pending(actionOf(action), instant(since));
  }

  /**
   * An instant as {@link Instant#toString()} writes it (what records hold), without the general
   * ISO parser, which took a twentieth of a thousand-pod plan; anything else goes to that parser.
   */
  static Instant instant(String text) {
    int n = text.length();
    int fraction = n - 21; // digits between "SS." and "Z"
    if (n >= 20 && n <= 30 && text.charAt(4) == '-' && text.charAt(7) == '-' && text.charAt(10) == 'T'
        && text.charAt(13) == ':' && text.charAt(16) == ':' && text.charAt(n - 1) == 'Z'
        && (n == 20 || text.charAt(19) == '.' && fraction >= 1)) {
      int year = digits(text, 0, 4);
      int month = digits(text, 5, 7);
      int day = digits(text, 8, 10);
      int hour = digits(text, 11, 13);
      int minute = digits(text, 14, 16);
      int second = digits(text, 17, 19);
      int nanos = n == 20 ? 0 : digits(text, 20, n - 1);
      if (year >= 0 && month >= 0 && day >= 0 && hour >= 0 && minute >= 0 && second >= 0 && nanos >= 0) {
        for (int i = fraction; i > 0 && i < 9; i++) {
          nanos *= 10;
        }
        try {
          return LocalDateTime.of(year, month, day, hour, minute, second, nanos).toInstant(ZoneOffset.UTC);
        } catch (DateTimeException e) {
          // e.g. a leap second: the ISO parser knows what to make of it
        }
      }
    }
    return Instant.parse(text);
  }

  /** The decimal number in {@code text[from, to)}, or -1 if a character is no digit. */
  private static int digits(String text, int from, int to) {
    int value = 0;
    for (int i = from; i < to; i++) {
      char c = text.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      value = value * 10 + (c - '0');
    }
    return value;
  }

  /**
   * A record's spec tree, parsed from the record's bytes when first used; until then only its
   * extent is known. The bytes are the record's as read, so what it holds is what the file said.
   */
  static final class DeferredTree extends AbstractMap<String, Object> {
    /** The record's file, which an error parsing the tree names: it may be long after the read. */
    private final Path file;
    private final byte[] bytes;
    private final int offset;
    private final int length;
    private Map<String, Object> tree;

    private DeferredTree(Path file, byte[] bytes, int offset, int length) {
      this.file = file;
      this.bytes = bytes;
      this.offset = offset;
      this.length = length;
    }

    /** The object whose START_OBJECT {@code parser} is at; leaves the parser at its END_OBJECT. */
    static DeferredTree of(JsonParser parser, byte[] bytes, Path file) throws IOException {
      long start = parser.currentTokenLocation().getByteOffset();
      parser.skipChildren();
      long end = parser.currentTokenLocation().getByteOffset() + 1;
      return new DeferredTree(file, bytes, (int) start, (int) (end - start));
    }

    @SuppressWarnings("unchecked")
    synchronized Map<String, Object> tree() {
      if (tree == null) {
        try {
          tree = Mapper.JSON.readValue(bytes, offset, length, Map.class);
        } catch (IOException e) {
          throw new UncheckedIOException("cannot parse the spec of applied record " + file + ": " + e.getMessage(), e);
        }
      }
      return tree;
    }

    @Override
    public Set<Entry<String, Object>> entrySet() {
      return tree().entrySet();
    }

    @Override
    public Object get(Object key) {
      return tree().get(key);
    }

    @Override
    public boolean containsKey(Object key) {
      return tree().containsKey(key);
    }

    @Override
    public int size() {
      return tree().size();
    }
  }

  private static Action actionOf(String verb) {
    for (Action action : Action.values()) {
      if (action.verb().equals(verb)) {
        return action;
      }
    }
    throw new IllegalArgumentException("unknown action in applied record: " + verb);
  }
}
