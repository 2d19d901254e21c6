package dev.peapod.manifest.decode;

/** What the parser does with one field of an object. */
public sealed interface FieldRule {

  /** Decoded into the model; {@code child} is the shape of its value when that is an object. */
  record Supported(Shape child) implements FieldRule {}

  /**
   * Accepted without a word and without effect, because it changes nothing in Peapod (server-set
   * Kubernetes metadata, for instance). {@code why} is for readers of the code.
   */
  record Tolerated(String why) implements FieldRule {}

  /** Accepted with a warning that it has no effect; {@code why} is the warning. */
  record Ignored(String why) implements FieldRule {}

  /** Rejected: Peapod cannot honour it; {@code why} tells the user what to do instead. */
  record Unsupported(String why) implements FieldRule {}

  /** Whether a document may carry the field (so the editor schema should list it). */
  default boolean isAccepted() {
    return !(this instanceof Unsupported);
  }
}
