package dev.peapod.provider.qemu.runtime;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.peapod.files.AtomicFiles;
import dev.peapod.provider.ProbeAction;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Reads and writes the provider's JSON records. A write either replaces the
 * file whole or leaves the old one ({@link AtomicFiles}: temporary file,
 * fsync, rename, fsync of the directory), so a crash or a concurrent reader
 * never sees half a record.
 */
public final class JsonFiles {

  /** Shared mapper: ISO-8601 times and durations, Optional and Path support, tolerant of newer fields. */
  public static final ObjectMapper MAPPER = new ObjectMapper()
      .registerModule(new Jdk8Module())
      .registerModule(new JavaTimeModule())
      .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
      .disable(SerializationFeature.WRITE_DURATIONS_AS_TIMESTAMPS)
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(SerializationFeature.INDENT_OUTPUT)
      .addMixIn(ProbeAction.class, ProbeActionJson.class);

  /** A probe's or hook's action is recorded with its kind, as the manifest names it. */
  @JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
  @JsonSubTypes({
      @JsonSubTypes.Type(value = ProbeAction.Exec.class, name = "exec"),
      @JsonSubTypes.Type(value = ProbeAction.HttpGet.class, name = "httpGet"),
      @JsonSubTypes.Type(value = ProbeAction.TcpSocket.class, name = "tcpSocket"),
      @JsonSubTypes.Type(value = ProbeAction.Grpc.class, name = "grpc"),
      @JsonSubTypes.Type(value = ProbeAction.Sleep.class, name = "sleep")})
  private interface ProbeActionJson {}

  private JsonFiles() {}

  public static void write(Path file, Object value) throws IOException {
    AtomicFiles.write(file, MAPPER.writeValueAsBytes(value));
  }

  /** The record in {@code file}, or empty if there is none. */
  public static <T> Optional<T> read(Path file, Class<T> type) throws IOException {
    try {
      return Optional.of(MAPPER.readValue(Files.readAllBytes(file), type));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
  }

  /** Makes a rename or delete in {@code dir} durable. */
  static void syncDirectory(Path dir) throws IOException {
    AtomicFiles.syncDirectory(dir);
  }
}
