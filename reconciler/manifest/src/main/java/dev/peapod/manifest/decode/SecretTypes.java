package dev.peapod.manifest.decode;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peapod.manifest.source.Position;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The rules Kubernetes' API server applies to the built-in Secret types, so that a Secret that
 * works here is one {@code kubectl apply} takes too: {@code kubernetes.io/basic-auth} has a
 * {@code username} or a {@code password}; {@code kubernetes.io/ssh-auth} an {@code
 * ssh-privatekey}; {@code kubernetes.io/tls} a {@code tls.crt} and a {@code tls.key}; {@code
 * kubernetes.io/dockerconfigjson} a {@code .dockerconfigjson} and {@code kubernetes.io/dockercfg} a
 * {@code .dockercfg} holding a JSON object. Peapod also checks what it will use of a registry
 * credential (each {@code auths} entry an object, its {@code auth} base64 of {@code user:password}),
 * since an image pull is where a bad one would otherwise surface. Other types (Opaque, custom
 * ones) take any keys. No message quotes a value.
 */
final class SecretTypes {
  private SecretTypes() {}

  static final String BASIC_AUTH = "kubernetes.io/basic-auth";
  static final String SSH_AUTH = "kubernetes.io/ssh-auth";
  static final String TLS = "kubernetes.io/tls";
  static final String DOCKER_CONFIG_JSON = "kubernetes.io/dockerconfigjson";
  static final String DOCKER_CFG = "kubernetes.io/dockercfg";

  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * Reports what {@code type} needs and {@code data} lacks.
   *
   * @param typeAt where {@code type} was written (the document when it was not)
   * @param where each key's place, for errors about its value
   */
  static void check(String type, Position typeAt, FieldPath typePath, Map<String, byte[]> data,
      Map<String, Located<String>> where, Problems problems) {
    switch (type) {
      case BASIC_AUTH -> {
        if (!data.containsKey("username") && !data.containsKey("password")) {
          problems.error(typeAt, typePath, "a Secret of type " + type + " needs the key username or password"
              + " (under data or stringData)");
        }
      }
      case SSH_AUTH -> requireKeys(type, List.of("ssh-privatekey"), typeAt, typePath, data, problems);
      case TLS -> requireKeys(type, List.of("tls.crt", "tls.key"), typeAt, typePath, data, problems);
      case DOCKER_CONFIG_JSON -> dockerConfig(type, ".dockerconfigjson", typeAt, typePath, data, where, problems);
      case DOCKER_CFG -> dockerConfig(type, ".dockercfg", typeAt, typePath, data, where, problems);
      default -> { } // Opaque and custom types: any keys, as Kubernetes allows
    }
  }

  private static void requireKeys(String type, List<String> keys, Position at, FieldPath path,
      Map<String, byte[]> data, Problems problems) {
    for (String key : keys) {
      if (!data.containsKey(key)) {
        problems.error(at, path, "a Secret of type " + type + " needs the key " + key + " (under data or stringData)");
      }
    }
  }

  private static void dockerConfig(String type, String key, Position typeAt, FieldPath typePath,
      Map<String, byte[]> data, Map<String, Located<String>> where, Problems problems) {
    if (!data.containsKey(key)) {
      problems.error(typeAt, typePath, "a Secret of type " + type + " needs the key " + key
          + " (under data or stringData)");
      return;
    }
    Located<String> at = where.get(key);
    problem(key, data.get(key)).ifPresent(message -> problems.error(at.position(), at.path(), message));
  }

  /** What is wrong with a registry configuration, if anything; never its content. */
  private static Optional<String> problem(String key, byte[] value) {
    JsonNode root;
    try {
      root = JSON.readTree(new String(value, StandardCharsets.UTF_8));
    } catch (JsonProcessingException e) {
      return Optional.of(key + " is not JSON (line " + e.getLocation().getLineNr() + ", column "
          + e.getLocation().getColumnNr() + " of the decoded value; value not shown)");
    }
    if (root == null || !root.isObject()) {
      return Optional.of(key + " must be a JSON object");
    }
    // .dockercfg is the old format: the registries are the object's own fields.
    JsonNode registries = key.equals(".dockercfg") ? root : root.path("auths");
    if (registries.isMissingNode()) {
      return Optional.empty();
    }
    if (!registries.isObject()) {
      return Optional.of(key + ": auths must be an object of registry hosts");
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = registries.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> registry = it.next();
      String name = "registry \"" + registry.getKey() + "\"";
      if (!registry.getValue().isObject()) {
        return Optional.of(key + ": " + name + " must be an object (auth, or username and password)");
      }
      JsonNode auth = registry.getValue().path("auth");
      if (!auth.isMissingNode() && !validAuth(auth)) {
        return Optional.of(key + ": the auth of " + name + " must be base64 of user:password (value not shown)");
      }
    }
    return Optional.empty();
  }

  private static boolean validAuth(JsonNode auth) {
    if (!auth.isTextual()) {
      return false;
    }
    try {
      return new String(Base64.getDecoder().decode(auth.asText()), StandardCharsets.UTF_8).contains(":");
    } catch (IllegalArgumentException e) {
      return false;
    }
  }
}
