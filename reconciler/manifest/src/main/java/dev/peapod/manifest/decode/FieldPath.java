package dev.peapod.manifest.decode;

/** A path into a document as users write it: {@code spec.containers[1].ports[0].hostPort}. */
public record FieldPath(String text) {
  public static final FieldPath ROOT = new FieldPath("");

  public FieldPath field(String name) {
    return new FieldPath(text.isEmpty() ? name : text + "." + name);
  }

  public FieldPath index(int i) {
    return new FieldPath(text + "[" + i + "]");
  }

  /** A map key that is not a field name, e.g. a label: {@code metadata.labels["app"]}. */
  public FieldPath key(String key) {
    return new FieldPath(text + "[\"" + key + "\"]");
  }

  @Override
  public String toString() {
    return text;
  }
}
