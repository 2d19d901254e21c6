package dev.peapod.manifest.decode;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The fields one kind of object may have and what happens to each. Shapes are the single list
 * the decoders check documents against, and the schema test walks them next to the JSON schema.
 */
public final class Shape {

  private final String name;
  private final Map<String, FieldRule> fields;

  private Shape(String name, Map<String, FieldRule> fields) {
    this.name = name;
    this.fields = Collections.unmodifiableMap(fields);
  }

  public static Builder named(String name) {
    return new Builder(name);
  }

  /** Matches the {@code definitions} entry of the JSON schema for PeaPod shapes. */
  public String name() {
    return name;
  }

  public Map<String, FieldRule> fields() {
    return fields;
  }

  public FieldRule rule(String field) {
    return fields.get(field);
  }

  public Set<String> fieldNames() {
    return fields.keySet();
  }

  @Override
  public String toString() {
    return name;
  }

  /** Builds a shape field by field, in the order the schema lists them. */
  public static final class Builder {
    private final String name;
    private final Map<String, FieldRule> fields = new LinkedHashMap<>();

    private Builder(String name) {
      this.name = name;
    }

    public Builder supported(String... names) {
      for (String field : names) {
        put(field, new FieldRule.Supported(null));
      }
      return this;
    }

    public Builder object(String field, Shape child) {
      return put(field, new FieldRule.Supported(child));
    }

    public Builder tolerated(String why, String... names) {
      for (String field : names) {
        put(field, new FieldRule.Tolerated(why));
      }
      return this;
    }

    public Builder ignored(String field, String why) {
      return put(field, new FieldRule.Ignored(why));
    }

    public Builder unsupported(String why, String... names) {
      for (String field : names) {
        put(field, new FieldRule.Unsupported(why));
      }
      return this;
    }

    /** Copies every rule of {@code other}, so that variants differ only where they say so. */
    public Builder like(Shape other) {
      fields.putAll(other.fields);
      return this;
    }

    private Builder put(String field, FieldRule rule) {
      fields.put(field, rule);
      return this;
    }

    public Shape build() {
      return new Shape(name, new LinkedHashMap<>(fields));
    }
  }
}
