package dev.peapod.manifest.source;

/**
 * A leaf value.
 *
 * @param text the value as written (without quotes), e.g. {@code 128Mi}, {@code 80}, {@code true}
 * @param type how YAML or JSON typed it; a quoted {@code "80"} is a string, a bare {@code 80} an
 *     integer
 */
public record SourceScalar(Position position, ScalarType type, String text) implements SourceNode {

  /** The type a YAML 1.1 resolver (as Kubernetes' YAML reader) or JSON gives a scalar. */
  public enum ScalarType {
    STRING("a string"),
    INTEGER("an integer"),
    FLOAT("a number"),
    BOOLEAN("a boolean"),
    NULL("null");

    private final String description;

    ScalarType(String description) {
      this.description = description;
    }
  }

  public boolean isNull() {
    return type == ScalarType.NULL;
  }

  @Override
  public String describe() {
    return type == ScalarType.NULL ? "null" : type.description + " (" + text + ")";
  }
}
