package dev.peapod.manifest.decode;

import dev.peapod.manifest.model.Placement;
import dev.peapod.manifest.source.SourceList;
import dev.peapod.manifest.source.SourceMap;
import dev.peapod.manifest.source.SourceNode;
import dev.peapod.manifest.source.SourceScalar;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The PodSpec fields that only a cluster gives meaning to (scheduling, priority, service
 * accounts): accepted so that a pod file written for Kubernetes needs no edit, with ONE warning per
 * pod naming all of them, since here every pod runs on this host. {@code nodeSelector}, {@code
 * affinity} and {@code tolerations} are kept ({@link Placement}) for the Kubernetes mode.
 */
final class ClusterFieldsDecoder {
  private ClusterFieldsDecoder() {}

  /** In the order the warning lists them. */
  static final List<String> FIELDS = List.of("nodeSelector", "affinity", "tolerations", "topologySpreadConstraints",
      "schedulerName", "priorityClassName", "priority", "preemptionPolicy", "runtimeClassName", "schedulingGates",
      "overhead", "serviceAccountName", "serviceAccount", "automountServiceAccountToken");

  static Placement decode(MapReader r) {
    List<String> written = new ArrayList<>();
    for (String field : FIELDS) {
      if (r.has(field) && !meansWhatPeapodDoes(r, field)) {
        written.add(field);
      }
    }
    Map<String, String> nodeSelector = new LinkedHashMap<>();
    r.stringMap("nodeSelector").forEach((k, v) -> nodeSelector.put(k, v.value()));
    Map<String, Object> affinity = r.node("affinity").map(ClusterFieldsDecoder::plain)
        .filter(Map.class::isInstance).map(ClusterFieldsDecoder::asMap).orElse(Map.of());
    List<Map<String, Object>> tolerations = new ArrayList<>();
    r.list("tolerations").forEach(t -> {
      if (plain(t) instanceof Map<?, ?> map) {
        tolerations.add(asMap(map));
      } else {
        r.problems().error(t, r.path("tolerations"), "expected an object, got " + t.describe());
      }
    });
    Optional<String> account = r.string("serviceAccountName").or(() -> r.string("serviceAccount"));
    for (String field : List.of("topologySpreadConstraints", "schedulerName", "priorityClassName", "priority",
        "preemptionPolicy", "runtimeClassName", "schedulingGates", "overhead", "automountServiceAccountToken")) {
      r.node(field); // kept by the API server, not here
    }
    if (!written.isEmpty()) {
      SourceNode at = r.peek(written.get(0)).orElseThrow();
      r.problems().warning(keyPosition(r, written.get(0)).orElse(at.position()), r.path(written.get(0)),
          "accepted without effect when pods are read from files: " + String.join(", ", written)
              + " (scheduling, priority and service accounts belong to a Kubernetes cluster; here every pod runs"
              + " on this host, without an API token)");
    }
    return new Placement(nodeSelector, affinity, tolerations, account.orElse("default"), written);
  }

  /** The default service account and no token are what every Peapod pod has: nothing to warn about. */
  private static boolean meansWhatPeapodDoes(MapReader r, String field) {
    SourceNode value = r.peek(field).orElseThrow();
    String text = value instanceof SourceScalar s ? s.text() : "";
    return switch (field) {
      case "serviceAccountName", "serviceAccount" -> text.equals("default");
      case "automountServiceAccountToken" -> text.equalsIgnoreCase("false");
      default -> false;
    };
  }

  private static Optional<dev.peapod.manifest.source.Position> keyPosition(MapReader r, String field) {
    return r.entry(field).map(SourceMap.Entry::keyPosition);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> asMap(Object map) {
    return (Map<String, Object>) map;
  }

  /** A node as plain Java: maps in file order, lists, and scalars as their text (numbers and booleans typed). */
  static Object plain(SourceNode node) {
    if (node instanceof SourceMap map) {
      Map<String, Object> out = new LinkedHashMap<>();
      map.entries().forEach(e -> out.put(e.key(), plain(e.value())));
      return out;
    }
    if (node instanceof SourceList list) {
      List<Object> out = new ArrayList<>();
      list.items().forEach(i -> out.add(plain(i)));
      return out;
    }
    SourceScalar s = (SourceScalar) node;
    return switch (s.type()) {
      case INTEGER -> parseLong(s.text());
      case BOOLEAN -> Boolean.valueOf(s.text().equalsIgnoreCase("true"));
      case NULL -> null;
      default -> s.text();
    };
  }

  private static Object parseLong(String text) {
    try {
      return Long.valueOf(text);
    } catch (NumberFormatException e) {
      return text;
    }
  }
}
