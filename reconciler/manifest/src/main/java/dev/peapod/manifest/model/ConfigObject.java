package dev.peapod.manifest.model;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * A Kubernetes {@code ConfigMap} or {@code Secret} (v1) as pods refer to it: keys and their bytes.
 * It comes from a document in the same source as the pods (a directory, a file, a git revision) or
 * from the Kubernetes API, and only ever as far as the pods that use it.
 *
 * <p>A Secret's values are <em>sensitive</em>: {@link #toString()} never shows them, and what is
 * written to disk or printed about a pod that uses one is its {@link #hash()} only.
 */
public final class ConfigObject {

  /** The two kinds, with the word plan reasons use ({@code configmap "web-config"}). */
  public enum Kind {
    CONFIG_MAP("configmap", "ConfigMap"),
    SECRET("secret", "Secret");

    private final String word;
    private final String kubernetesKind;

    Kind(String word, String kubernetesKind) {
      this.word = word;
      this.kubernetesKind = kubernetesKind;
    }

    /** Lower case, as {@code kubectl get configmap} spells it. */
    public String word() {
      return word;
    }

    /** The document's {@code kind}. */
    public String kubernetesKind() {
      return kubernetesKind;
    }
  }

  /** The Secret type whose {@code .dockerconfigjson} key holds registry credentials. */
  public static final String DOCKER_CONFIG_JSON_TYPE = "kubernetes.io/dockerconfigjson";
  /** The namespace of a document that names none, as kubectl defaults it. */
  public static final String DEFAULT_NAMESPACE = "default";

  private final Kind kind;
  private final String namespace;
  private final String name;
  private final String type;
  private final Map<String, byte[]> data;
  private final String file;
  private final int line;
  private final int column;
  private final String hash;

  /**
   * @param type a Secret's {@code type} ({@code Opaque} when not written); empty for a ConfigMap
   * @param data every key with its bytes (a Secret's {@code data} decoded, {@code stringData} over
   *     it; a ConfigMap's {@code data} as UTF-8 and its {@code binaryData} decoded)
   * @param file the file it was declared in, or {@code k8s:NAMESPACE/NAME} for an API object
   * @param line 1-based line of the document, 0 when not read from a file
   * @param column 1-based column of the document, 0 when not read from a file
   */
  public ConfigObject(Kind kind, String namespace, String name, String type, Map<String, byte[]> data,
      String file, int line, int column) {
    this.kind = Objects.requireNonNull(kind, "kind");
    this.namespace = namespace == null || namespace.isEmpty() ? DEFAULT_NAMESPACE : namespace;
    this.name = Objects.requireNonNull(name, "name");
    this.type = type == null ? "" : type;
    TreeMap<String, byte[]> copy = new TreeMap<>();
    data.forEach((key, value) -> copy.put(key, value.clone()));
    this.data = Collections.unmodifiableMap(copy);
    this.file = file == null ? "" : file;
    this.line = line;
    this.column = column;
    this.hash = hashOf(this.kind, this.namespace, this.name, this.type, copy);
  }

  public Kind kind() {
    return kind;
  }

  public String namespace() {
    return namespace;
  }

  public String name() {
    return name;
  }

  public String type() {
    return type;
  }

  public String file() {
    return file;
  }

  public int line() {
    return line;
  }

  public int column() {
    return column;
  }

  /** Where it was declared, for messages: {@code file:line:col}, or the file alone. */
  public String declaredAt() {
    return line == 0 ? file : file + ":" + line + ":" + column;
  }

  public boolean sensitive() {
    return kind == Kind.SECRET;
  }

  /** The keys, sorted. */
  public Set<String> keys() {
    return data.keySet();
  }

  /** A copy of the bytes of {@code key}. */
  public Optional<byte[]> value(String key) {
    return Optional.ofNullable(data.get(key)).map(byte[]::clone);
  }

  /** The value of {@code key} as UTF-8 text (what an environment variable gets). */
  public Optional<String> text(String key) {
    return Optional.ofNullable(data.get(key)).map(v -> new String(v, StandardCharsets.UTF_8));
  }

  /**
   * {@code sha256:<hex>} over kind, namespace, name, type, keys and values: equal content, equal
   * hash. This is all of a Secret that is ever recorded or printed.
   */
  public String hash() {
    return hash;
  }

  /** How plans and messages name it: {@code configmap "web-config"}. */
  public String describe() {
    return kind.word() + " \"" + name + "\"";
  }

  /** The key records and plan diffs use: {@code configmap/NAMESPACE/NAME}. */
  public String reference() {
    return reference(kind, namespace, name);
  }

  public static String reference(Kind kind, String namespace, String name) {
    return kind.word() + "/" + namespace + "/" + name;
  }

  private static String hashOf(Kind kind, String namespace, String name, String type, Map<String, byte[]> data) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      for (String part : new String[] {kind.word(), namespace, name, type}) {
        field(sha, part.getBytes(StandardCharsets.UTF_8));
      }
      data.forEach((key, value) -> {
        field(sha, key.getBytes(StandardCharsets.UTF_8));
        field(sha, value);
      });
      return "sha256:" + HexFormat.of().formatHex(sha.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  /** Length-prefixed, so that no two different contents hash the same bytes. */
  private static void field(MessageDigest sha, byte[] bytes) {
    sha.update(new byte[] {(byte) (bytes.length >>> 24), (byte) (bytes.length >>> 16), (byte) (bytes.length >>> 8),
        (byte) bytes.length});
    sha.update(bytes);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ConfigObject other && kind == other.kind && namespace.equals(other.namespace)
        && name.equals(other.name) && type.equals(other.type) && hash.equals(other.hash)
        && data.keySet().equals(other.data.keySet())
        && data.entrySet().stream().allMatch(e -> Arrays.equals(e.getValue(), other.data.get(e.getKey())));
  }

  @Override
  public int hashCode() {
    return hash.hashCode();
  }

  /** Never the values: a Secret must not reach a log through a stray {@code toString}. */
  @Override
  public String toString() {
    return kind.kubernetesKind() + " " + namespace + "/" + name + " (" + data.size() + " keys, " + hash + ")";
  }
}
