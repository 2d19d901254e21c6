package dev.peapod.manifest.model;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The part of a manifest's {@code metadata} that Peapod keeps. Server-set Kubernetes fields
 * ({@code uid}, {@code resourceVersion}, {@code managedFields}, ...) and {@code namespace} are
 * accepted when parsing and dropped, since they say nothing about what to run.
 *
 * @param name DNS-1123 label, unique among the pods of one desired state
 * @param labels sorted by key
 * @param annotations sorted by key
 */
public record PodMetadata(String name, Map<String, String> labels, Map<String, String> annotations) {

  public PodMetadata {
    Objects.requireNonNull(name, "name");
    labels = sorted(labels);
    annotations = sorted(annotations);
  }

  public static PodMetadata named(String name) {
    return new PodMetadata(name, Map.of(), Map.of());
  }

  private static Map<String, String> sorted(Map<String, String> map) {
    return Collections.unmodifiableMap(new TreeMap<>(map == null ? Map.of() : map));
  }
}
