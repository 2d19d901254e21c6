package dev.peapod.provider;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * A chunk of container output as the guest captured it.
 *
 * @param container the container that wrote it
 * @param stream stdout or stderr
 * @param time when the guest read it
 * @param data the bytes, at most one read's worth; not split on lines
 */
public record LogRecord(String container, Stream stream, Instant time, byte[] data) {

  public enum Stream { STDOUT, STDERR }

  public String text() {
    return new String(data, StandardCharsets.UTF_8);
  }
}
