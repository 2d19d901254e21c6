package dev.peapod.manifest.model;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The PodSpec fields that only mean something to a Kubernetes scheduler or API server, kept as
 * written so that the Kubernetes mode can place the pod by them. Reading pods from files, they
 * change nothing (every pod runs on this host): the parser accepts them with one warning per pod,
 * and they are not part of what the planner compares, so editing them replans nothing.
 *
 * @param nodeSelector as written
 * @param affinity the {@code affinity} object as plain maps, lists and scalars; empty when absent
 * @param tolerations each toleration as plain maps
 * @param serviceAccountName {@code default} unless written (the downward API's {@code
 *     spec.serviceAccountName})
 * @param fields the names of the cluster-only fields the pod wrote, in file order
 */
public record Placement(Map<String, String> nodeSelector, Map<String, Object> affinity,
    List<Map<String, Object>> tolerations, String serviceAccountName, List<String> fields) {

  public static final Placement NONE = new Placement(Map.of(), Map.of(), List.of(), "default", List.of());

  public Placement {
    nodeSelector = Collections.unmodifiableMap(new TreeMap<>(nodeSelector == null ? Map.of() : nodeSelector));
    affinity = affinity == null ? Map.of() : Collections.unmodifiableMap(affinity);
    tolerations = List.copyOf(tolerations == null ? List.of() : tolerations);
    serviceAccountName = serviceAccountName == null || serviceAccountName.isEmpty() ? "default" : serviceAccountName;
    fields = List.copyOf(fields == null ? List.of() : fields);
  }
}
