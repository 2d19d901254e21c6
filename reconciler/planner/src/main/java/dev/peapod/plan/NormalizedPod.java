package dev.peapod.plan;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peapod.manifest.canonical.CanonicalForm;
import dev.peapod.manifest.model.PodManifest;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A pod's spec in the form the planner compares: the manifest's canonical tree ({@link
 * CanonicalForm}) without {@code spec.state} (that is the lifecycle, not the spec), with lists of
 * named things turned into maps keyed by name so that a diff says {@code containers[web]} rather
 * than {@code containers[0]}.
 *
 * <p>Where Kubernetes ignores order (volumes, ports, volume mounts, host aliases, DNS options) the
 * keyed map is sorted; where order means something (containers and init containers start in
 * order, env entries may refer to earlier ones) the declaration order is kept and compared. Whole
 * numbers are {@code long} whichever way the tree was read, so a tree read back from a JSON record
 * equals the tree computed from a manifest.
 *
 * @param tree the normalised tree; {@link Ordered} and {@link Unordered} maps mark former lists
 * @param hash SHA-256 of the tree's JSON: equal hashes mean equal specs
 */
public record NormalizedPod(Map<String, Object> tree, String hash) {

  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * A former list whose order is part of the spec, keyed by each item's name. Unlike other maps,
   * two are equal only with their keys in the same order.
   */
  public static final class Ordered extends LinkedHashMap<String, Object> {
    private static final long serialVersionUID = 1L;

    @Override
    public boolean equals(Object o) {
      return o instanceof Ordered other && super.equals(other)
          && new ArrayList<>(keySet()).equals(new ArrayList<>(other.keySet()));
    }

    @Override
    public int hashCode() {
      return super.hashCode();
    }
  }

  /** A former list whose order Kubernetes ignores, keyed and sorted by each item's key. */
  public static final class Unordered extends TreeMap<String, Object> {
    private static final long serialVersionUID = 1L;
  }

  /** The manifest's pod, normalised. */
  public static NormalizedPod of(PodManifest manifest) {
    return ofCanonicalTree(CanonicalForm.tree(manifest));
  }

  /**
   * A tree as {@link CanonicalForm#tree} makes it or as it comes back from JSON, normalised.
   *
   * @throws IllegalArgumentException if the tree does not have the canonical shape
   */
  public static NormalizedPod ofCanonicalTree(Map<String, ?> canonical) {
    Map<String, Object> tree = normalize(canonical, "");
    return new NormalizedPod(tree, hashOf(tree));
  }

  /** The canonical tree without the normalisation, for storing: {@link #ofCanonicalTree} reads it back. */
  public static Map<String, Object> canonicalTree(PodManifest manifest) {
    Map<String, Object> tree = CanonicalForm.tree(manifest);
    @SuppressWarnings("unchecked")
    Map<String, Object> spec = (Map<String, Object>) tree.get("spec");
    spec.remove("state");
    return tree;
  }

  private static Map<String, Object> normalize(Map<String, ?> map, String path) {
    Map<String, Object> out = new TreeMap<>();
    map.forEach((key, value) -> {
      if (path.equals(".spec") && key.equals("state")) {
        return;
      }
      out.put(key, normalizeValue(value, path + "." + key));
    });
    return out;
  }

  @SuppressWarnings("unchecked")
  private static Object normalizeValue(Object value, String path) {
    if (value instanceof Map<?, ?> map) {
      return normalize((Map<String, ?>) map, path);
    }
    if (value instanceof List<?> list) {
      String key = keyOf(path);
      if (key == null) {
        List<Object> out = new ArrayList<>(list.size());
        list.forEach(item -> out.add(normalizeValue(item, path + "[]")));
        return out;
      }
      Map<String, Object> keyed = ordered(path) ? new Ordered() : new Unordered();
      for (Object item : list) {
        if (!(item instanceof Map<?, ?> entry)) {
          throw new IllegalArgumentException(path + ": expected a list of objects");
        }
        String itemKey = itemKey((Map<String, ?>) entry, key);
        if (path.endsWith(".env")) {
          // An inline value as it is; a valueFrom as its source (the ConfigMap's value itself is
          // compared through spec.configInputs).
          keyed.put(itemKey, entry.containsKey("valueFrom") ? normalizeValue(entry.get("valueFrom"), path + "[]")
              : entry.get("value"));
        } else {
          keyed.put(itemKey, normalize((Map<String, ?>) entry, path + "[]"));
        }
      }
      return keyed;
    }
    if (value instanceof Integer || value instanceof Short || value instanceof Byte) {
      return ((Number) value).longValue();
    }
    return value;
  }

  /** The field that names items of the list at {@code path}, or null for a plain list. */
  private static String keyOf(String path) {
    String field = path.substring(path.lastIndexOf('.') + 1);
    return switch (field) {
      case "containers", "initContainers", "env", "volumes" -> "name";
      case "volumeMounts" -> "mountPath";
      case "ports" -> "containerPort/protocol";
      case "hostAliases" -> "ip";
      case "options" -> path.endsWith(".dns.options") ? "name" : null;
      default -> null;
    };
  }

  private static boolean ordered(String path) {
    return path.endsWith(".containers") || path.endsWith(".initContainers") || path.endsWith(".env");
  }

  private static String itemKey(Map<String, ?> item, String key) {
    StringBuilder out = new StringBuilder();
    for (String part : key.split("/")) {
      if (out.length() > 0) {
        out.append('/');
      }
      out.append(item.get(part));
    }
    return out.toString();
  }

  private static String hashOf(Map<String, Object> tree) {
    try {
      byte[] json = JSON.writeValueAsBytes(tree);
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(json));
    } catch (JsonProcessingException | NoSuchAlgorithmException e) {
      throw new IllegalStateException("a tree of maps, lists and scalars always hashes", e);
    }
  }

  /** Convenience for tests and messages: the tree's JSON. */
  static String json(Object value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
