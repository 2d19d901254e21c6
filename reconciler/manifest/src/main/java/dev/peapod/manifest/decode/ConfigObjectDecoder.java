package dev.peapod.manifest.decode;

import dev.peapod.manifest.model.ConfigObject;
import dev.peapod.manifest.source.Position;
import dev.peapod.manifest.source.SourceDocument;
import dev.peapod.manifest.source.SourceNode;
import dev.peapod.manifest.source.SourceMap;
import dev.peapod.manifest.source.SourceScalar;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * {@code kind: ConfigMap} and {@code kind: Secret} documents (v1), as {@code kubectl apply} takes
 * them: a Secret's {@code data} is base64 and its {@code stringData} plain text that wins over
 * {@code data} for the same key; a ConfigMap's {@code data} is text and its {@code binaryData}
 * base64, and a key may not be in both. Keys follow Kubernetes' rule ({@code [-._a-zA-Z0-9]+}, at
 * most 253 characters) and all values together stay under Kubernetes' 1 MiB, so a file that works
 * here works with kubectl. Messages about a Secret never quote its values.
 */
public final class ConfigObjectDecoder {

  /** Kubernetes' limit on the data of one ConfigMap or Secret. */
  public static final int MAX_DATA_BYTES = 1024 * 1024;
  private static final Pattern KEY = Pattern.compile("[-._a-zA-Z0-9]+");
  private static final Pattern BASE64 = Pattern.compile("[A-Za-z0-9+/]*={0,2}");

  private final Problems problems;

  public ConfigObjectDecoder(Problems problems) {
    this.problems = problems;
  }

  /** Whether {@code document} is a ConfigMap or Secret (whatever its apiVersion) rather than a pod. */
  public static boolean handles(SourceDocument document) {
    return document.root() instanceof SourceMap root && root.get("kind")
        .filter(k -> k instanceof SourceScalar s && s.type() == SourceScalar.ScalarType.STRING
            && (s.text().equals("ConfigMap") || s.text().equals("Secret")))
        .isPresent();
  }

  /** The object, or empty when the document had an error (every error reported). */
  public Optional<ConfigObject> decode(SourceDocument document) {
    SourceMap root = (SourceMap) document.root();
    int errorsBefore = problems.errorCount();
    boolean secret = root.get("kind").map(k -> ((SourceScalar) k).text()).orElseThrow().equals("Secret");
    Optional<ConfigObject> decoded = MapReader.open(root, secret ? Shapes.SECRET : Shapes.CONFIG_MAP,
        FieldPath.ROOT, problems).flatMap(r -> secret ? secret(r) : configMap(r));
    return problems.errorCount() == errorsBefore ? decoded : Optional.empty();
  }

  private Optional<ConfigObject> configMap(MapReader r) {
    checkApiVersion(r);
    r.string("kind");
    Optional<String[]> meta = metadata(r);
    Map<String, byte[]> data = new LinkedHashMap<>();
    r.stringMap("data").forEach((key, value) -> {
      checkKey(key, value);
      data.put(key, value.value().getBytes(StandardCharsets.UTF_8));
    });
    r.stringMap("binaryData").forEach((key, value) -> {
      checkKey(key, value);
      if (data.containsKey(key)) {
        problems.error(value.position(), value.path(), "key \"" + key + "\" is also in data");
      }
      base64(value, false).ifPresent(bytes -> data.put(key, bytes));
    });
    r.bool("immutable");
    r.finish();
    return finish(r, ConfigObject.Kind.CONFIG_MAP, meta, "", data);
  }

  private Optional<ConfigObject> secret(MapReader r) {
    checkApiVersion(r);
    r.string("kind");
    Optional<String[]> meta = metadata(r);
    Map<String, byte[]> data = new LinkedHashMap<>();
    Map<String, Located<String>> where = new LinkedHashMap<>();
    r.stringMap("data").forEach((key, value) -> {
      checkKey(key, value);
      where.put(key, value);
      base64(value, true).ifPresent(bytes -> data.put(key, bytes));
    });
    r.stringMap("stringData").forEach((key, value) -> {
      checkKey(key, value);
      where.put(key, value);
      data.put(key, value.value().getBytes(StandardCharsets.UTF_8));
    });
    String type = r.string("type").orElse("Opaque");
    Position typeAt = r.peek("type").map(SourceNode::position).orElse(r.position());
    r.bool("immutable");
    r.finish();
    SecretTypes.check(type, typeAt, r.path("type"), data, where, problems);
    return finish(r, ConfigObject.Kind.SECRET, meta, type, data);
  }

  private Optional<ConfigObject> finish(MapReader r, ConfigObject.Kind kind, Optional<String[]> meta, String type,
      Map<String, byte[]> data) {
    long bytes = data.entrySet().stream().mapToLong(e -> e.getKey().length() + e.getValue().length).sum();
    if (bytes > MAX_DATA_BYTES) {
      problems.error(r.position(), r.path("data"), "the data is " + bytes + " bytes; Kubernetes allows at most "
          + MAX_DATA_BYTES + " in one " + kind.kubernetesKind());
    }
    return meta.map(m -> new ConfigObject(kind, m[0], m[1], type, data,
        problems.file(), r.position().line(), r.position().column()));
  }

  private void checkApiVersion(MapReader r) {
    Optional<String> apiVersion = r.string("apiVersion");
    if (apiVersion.isEmpty()) {
      problems.error(r.position(), r.path("apiVersion"), "required field is missing (apiVersion: v1)");
    } else if (!apiVersion.get().equals("v1")) {
      problems.error(r.peek("apiVersion").orElseThrow(), r.path("apiVersion"),
          "unsupported apiVersion \"" + apiVersion.get() + "\": expected v1");
    }
  }

  /** {namespace, name}. */
  private Optional<String[]> metadata(MapReader r) {
    if (!r.has("metadata")) {
      problems.error(r.position(), r.path("metadata"), "required field is missing");
      return Optional.empty();
    }
    return r.object("metadata", Shapes.CONFIG_METADATA).map(m -> {
      String name = m.requiredString("name");
      if (!name.isEmpty()) {
        NameRules.dns1123Subdomain(name).ifPresent(msg -> problems.error(m.peek("name").orElseThrow(),
            m.path("name"), msg));
      }
      String namespace = m.string("namespace").orElse(ConfigObject.DEFAULT_NAMESPACE);
      if (m.has("namespace")) {
        NameRules.dns1123Label(namespace).ifPresent(msg -> problems.error(m.peek("namespace").orElseThrow(),
            m.path("namespace"), msg));
      }
      m.stringMap("labels");
      m.stringMap("annotations");
      m.finish();
      return new String[] {namespace, name};
    });
  }

  private void checkKey(String key, Located<String> at) {
    if (key.length() > 253 || !KEY.matcher(key).matches()) {
      problems.error(at.position(), at.path(), "invalid key \"" + key
          + "\": keys are letters, digits, '-', '_' and '.', at most 253 characters");
    }
  }

  /**
   * The decoded bytes, by the rule the API server decodes with (Go's standard base64: padding
   * required, line breaks ignored, no spaces, no URL-safe letters), so that what is accepted here
   * is accepted by kubectl. The error never quotes a Secret's text.
   */
  private Optional<byte[]> base64(Located<String> value, boolean secret) {
    String text = value.value().replace("\r", "").replace("\n", "");
    String why = null;
    if (!BASE64.matcher(text).matches()) {
      why = "it has characters base64 does not use (spaces, '-' or '_' of the URL-safe alphabet?)";
    } else if (text.length() % 4 != 0) {
      why = "its length is not a multiple of 4 (is the = padding missing?)";
    }
    if (why == null) {
      try {
        return Optional.of(Base64.getDecoder().decode(text));
      } catch (IllegalArgumentException e) {
        why = secret ? "it does not decode" : e.getMessage();
      }
    }
    problems.error(value.position(), value.path(), "invalid base64: " + why + (secret ? " (value not shown)" : "")
        + "; write plain text under " + (secret ? "stringData" : "data"));
    return Optional.empty();
  }
}
