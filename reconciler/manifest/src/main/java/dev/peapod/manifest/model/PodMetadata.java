package dev.peapod.manifest.model;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The part of a manifest's {@code metadata} that Peapod keeps. Server-set Kubernetes fields
 * ({@code uid}, {@code resourceVersion}, {@code managedFields}, ...) are accepted when parsing and
 * dropped, since they say nothing about what to run.
 *
 * @param name DNS-1123 label, unique among the pods of one desired state (pod names are unique
 *     per host, not per namespace: one host runs one set of VMs)
 * @param labels sorted by key
 * @param annotations sorted by key
 * @param namespace the namespace the document names, {@code ""} when it names none (which means
 *     {@link #DEFAULT_NAMESPACE}, as kubectl defaults it): where the pod's ConfigMaps, Secrets and
 *     claims are looked up, and what the downward API's {@code metadata.namespace} gives
 */
public record PodMetadata(String name, Map<String, String> labels, Map<String, String> annotations,
    String namespace) {

  /** The namespace of a pod whose document names none. */
  public static final String DEFAULT_NAMESPACE = "default";

  public PodMetadata {
    Objects.requireNonNull(name, "name");
    labels = sorted(labels);
    annotations = sorted(annotations);
    namespace = namespace == null ? "" : namespace;
  }

  /** A pod in the default namespace. */
  public PodMetadata(String name, Map<String, String> labels, Map<String, String> annotations) {
    this(name, labels, annotations, "");
  }

  public static PodMetadata named(String name) {
    return new PodMetadata(name, Map.of(), Map.of());
  }

  /** The namespace the pod lives in: as written, else {@code default}. */
  public String effectiveNamespace() {
    return namespace.isEmpty() ? DEFAULT_NAMESPACE : namespace;
  }

  private static Map<String, String> sorted(Map<String, String> map) {
    return Collections.unmodifiableMap(new TreeMap<>(map == null ? Map.of() : map));
  }
}
