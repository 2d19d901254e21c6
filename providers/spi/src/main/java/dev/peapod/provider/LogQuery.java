package dev.peapod.provider;

import java.util.Optional;
import java.util.OptionalInt;

/**
 * Which container output to read.
 *
 * @param container only this container, or all when empty
 * @param follow keep waiting for new output
 * @param tail only the last N records per container
 */
public record LogQuery(Optional<String> container, boolean follow, OptionalInt tail) {

  public static final LogQuery ALL = new LogQuery(Optional.empty(), false, OptionalInt.empty());

  public static LogQuery of(String container) {
    return new LogQuery(Optional.of(container), false, OptionalInt.empty());
  }
}
