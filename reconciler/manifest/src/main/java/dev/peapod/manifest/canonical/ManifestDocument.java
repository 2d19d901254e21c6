package dev.peapod.manifest.canonical;

import dev.peapod.manifest.decode.DocumentDecoder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A pod's canonical tree ({@link CanonicalForm#tree}, or as an applied record stores it) written back
 * as the PeaPod document a user would write: what {@code peapod inspect -o yaml} prints, so that it
 * can be saved and applied. Defaults are left out where writing them adds nothing ({@code hostPort:
 * 0}, empty lists, {@code accel: auto}); parsing the document gives a manifest equal to the one the
 * tree came from.
 */
public final class ManifestDocument {
  private ManifestDocument() {}

  /**
   * The document, its keys in the order people write them.
   *
   * @param canonical the tree, with or without {@code spec.state}
   * @param created whether to write {@code spec.state: Created}
   */
  public static Map<String, Object> of(Map<String, ?> canonical, boolean created) {
    Map<String, ?> metadata = map(canonical.get("metadata"));
    Map<String, ?> spec = map(canonical.get("spec"));
    Map<String, Object> meta = new LinkedHashMap<>();
    meta.put("name", metadata.get("name"));
    if (metadata.get("namespace") != null) {
      meta.put("namespace", metadata.get("namespace"));
    }
    putIfNotEmpty(meta, "labels", metadata.get("labels"));
    putIfNotEmpty(meta, "annotations", metadata.get("annotations"));

    Map<String, Object> out = new LinkedHashMap<>();
    putIfNotEmpty(out, "initContainers", containers(spec.get("initContainers"), true));
    out.put("containers", containers(spec.get("containers"), false));
    putIfNotEmpty(out, "volumes", volumes(spec.get("volumes")));
    out.put("hostname", spec.get("hostname"));
    dns(map(spec.get("dns")), out);
    putIfNotEmpty(out, "hostAliases", spec.get("hostAliases"));
    out.put("terminationGracePeriodSeconds", spec.get("terminationGracePeriodSeconds"));
    out.put("restartPolicy", spec.get("restartPolicy"));
    putIfNotEmpty(out, "securityContext", spec.get("securityContext"));
    putIfNotEmpty(out, "imagePullSecrets", spec.get("imagePullSecrets"));
    out.put("vm", vm(map(spec.get("vm"))));
    if (created) {
      out.put("state", "Created");
    }
    Map<String, Object> document = new LinkedHashMap<>();
    document.put("apiVersion", DocumentDecoder.PEAPOD_API_VERSION);
    document.put("kind", DocumentDecoder.PEAPOD_KIND);
    document.put("metadata", meta);
    document.put("spec", out);
    return document;
  }

  private static List<Object> containers(Object list, boolean init) {
    List<Object> out = new ArrayList<>();
    for (Object item : list(list)) {
      Map<String, ?> c = map(item);
      Map<String, Object> container = new LinkedHashMap<>();
      container.put("name", c.get("name"));
      container.put("image", c.get("image"));
      container.put("imagePullPolicy", c.get("imagePullPolicy"));
      putIfNotEmpty(container, "command", c.get("command"));
      putIfNotEmpty(container, "args", c.get("args"));
      putIfNotEmpty(container, "env", c.get("env"));
      putIfNotEmpty(container, "envFrom", c.get("envFrom"));
      putIfNotEmpty(container, "workingDir", c.get("workingDir"));
      List<Object> ports = new ArrayList<>();
      for (Object p : list(c.get("ports"))) {
        Map<String, ?> port = map(p);
        Map<String, Object> written = new LinkedHashMap<>();
        putIfNotEmpty(written, "name", port.get("name"));
        written.put("containerPort", port.get("containerPort"));
        if (port.get("hostPort") instanceof Number n && n.longValue() != 0) {
          written.put("hostPort", n);
          putIfNotEmpty(written, "hostIP", port.get("hostIP"));
        }
        written.put("protocol", port.get("protocol"));
        ports.add(written);
      }
      putIfNotEmpty(container, "ports", ports);
      List<Object> mounts = new ArrayList<>();
      for (Object m : list(c.get("volumeMounts"))) {
        Map<String, ?> mount = map(m);
        Map<String, Object> written = new LinkedHashMap<>();
        written.put("name", mount.get("name"));
        written.put("mountPath", mount.get("mountPath"));
        if (Boolean.TRUE.equals(mount.get("readOnly"))) {
          written.put("readOnly", true);
        }
        putIfNotEmpty(written, "subPath", mount.get("subPath"));
        mounts.add(written);
      }
      putIfNotEmpty(container, "volumeMounts", mounts);
      Map<String, Object> resources = new LinkedHashMap<>();
      Map<String, ?> r = map(c.get("resources"));
      putIfNotEmpty(resources, "limits", r.get("limits"));
      putIfNotEmpty(resources, "requests", r.get("requests"));
      putIfNotEmpty(container, "resources", resources);
      Map<String, Object> security = securityContext(String.valueOf(c.get("user")));
      security.putAll(map(c.get("securityContext")));
      putIfNotEmpty(container, "securityContext", security);
      if (init && Boolean.TRUE.equals(c.get("sidecar"))) {
        container.put("restartPolicy", "Always");
      }
      for (String field : List.of("stdin", "stdinOnce", "tty")) {
        if (Boolean.TRUE.equals(c.get(field))) {
          container.put(field, true);
        }
      }
      // The canonical probes and hooks are already written in the manifest's own shape.
      for (String field : List.of("livenessProbe", "readinessProbe", "startupProbe", "lifecycle")) {
        if (c.get(field) != null) {
          container.put(field, c.get(field));
        }
      }
      out.add(container);
    }
    return out;
  }

  /**
   * {@code 1000:1000} as runAsUser/runAsGroup. A user given by name (only a HyperContainer file can)
   * has no PeaPod spelling and is left to the image.
   */
  private static Map<String, Object> securityContext(String user) {
    Map<String, Object> out = new LinkedHashMap<>();
    String[] parts = user.split(":", 2);
    if (parts[0].matches("\\d+")) {
      out.put("runAsUser", Long.parseLong(parts[0]));
    }
    if (parts.length == 2 && parts[1].matches("\\d+")) {
      out.put("runAsGroup", Long.parseLong(parts[1]));
    }
    return out;
  }

  private static List<Object> volumes(Object list) {
    List<Object> out = new ArrayList<>();
    for (Object item : list(list)) {
      Map<String, ?> v = map(item);
      Map<String, Object> volume = new LinkedHashMap<>();
      volume.put("name", v.get("name"));
      for (String type : List.of("emptyDir", "hostPath", "persistentVolumeClaim", "configMap", "secret", "downwardAPI",
          "projected", "image", "files")) {
        if (v.get(type) instanceof Map<?, ?> source) {
          Map<String, Object> written = new LinkedHashMap<>();
          source.forEach((key, value) -> putIfNotEmpty(written, (String) key, value));
          if (type.equals("files")) {
            written.put("files", inlineFiles(written.get("files")));
          }
          volume.put(type, written);
        }
      }
      out.add(volume);
    }
    return out;
  }

  /** Inline files with their owner only when one was given (the tree has -1 for root by default). */
  private static List<Object> inlineFiles(Object list) {
    List<Object> out = new ArrayList<>();
    for (Object item : list(list)) {
      Map<String, Object> file = new LinkedHashMap<>();
      map(item).forEach((key, value) -> {
        if (!((key.equals("uid") || key.equals("gid")) && value instanceof Number n && n.longValue() < 0)) {
          file.put(key, value);
        }
      });
      out.add(file);
    }
    return out;
  }

  /**
   * The document with the bytes of its inline files ({@code files} volumes: a HyperContainer pod's
   * {@code hyperd-files}) in place of their digests, so that it applies back: the tree keeps only a
   * SHA-256 per file, and the bytes come from where the pod's spec keeps them. A file whose bytes
   * {@code bytes} does not give, or whose bytes do not match the digest, keeps its digest (and the
   * document then does not parse, rather than apply other bytes). UTF-8 text is written as
   * {@code content}, anything else as {@code contentBase64}.
   *
   * @param bytes the bytes of a volume's file, by volume name and path
   */
  @SuppressWarnings("unchecked")
  public static Map<String, Object> withFileContents(Map<String, Object> document,
      java.util.function.BiFunction<String, String, java.util.Optional<byte[]>> bytes) {
    for (Object item : list(map(document.get("spec")).get("volumes"))) {
      Map<String, Object> volume = (Map<String, Object>) item;
      if (!(volume.get("files") instanceof Map<?, ?> source)) {
        continue;
      }
      for (Object f : list(source.get("files"))) {
        Map<String, Object> file = (Map<String, Object>) f;
        if (!(file.get("sha256") instanceof String digest)) {
          continue;
        }
        java.util.Optional<byte[]> content = bytes.apply((String) volume.get("name"), (String) file.get("path"))
            .filter(b -> DownwardValues.sha256(b).equals(digest));
        if (content.isEmpty()) {
          continue;
        }
        Map<String, Object> written = new LinkedHashMap<>();
        file.forEach((key, value) -> {
          if (key.equals("sha256")) {
            String text = utf8(content.get());
            if (text != null) {
              written.put("content", text);
            } else {
              written.put("contentBase64", java.util.Base64.getEncoder().encodeToString(content.get()));
            }
          } else {
            written.put(key, value);
          }
        });
        file.clear();
        file.putAll(written);
      }
    }
    return document;
  }

  /** The bytes as text when they are valid UTF-8 without NUL, else null. */
  private static String utf8(byte[] bytes) {
    try {
      String text = java.nio.charset.StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
          .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)
          .decode(java.nio.ByteBuffer.wrap(bytes)).toString();
      return text.indexOf('\0') >= 0 ? null : text;
    } catch (java.nio.charset.CharacterCodingException e) {
      return null;
    }
  }

  private static void dns(Map<String, ?> dns, Map<String, Object> spec) {
    if (Boolean.TRUE.equals(dns.get("replaceDefaults"))) {
      spec.put("dnsPolicy", "None");
    }
    Map<String, Object> config = new LinkedHashMap<>();
    putIfNotEmpty(config, "nameservers", dns.get("nameservers"));
    putIfNotEmpty(config, "searches", dns.get("searches"));
    putIfNotEmpty(config, "options", dns.get("options"));
    putIfNotEmpty(spec, "dnsConfig", config);
  }

  private static Map<String, Object> vm(Map<String, ?> vm) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("vcpus", vm.get("vcpus"));
    out.put("memory", vm.get("memory"));
    putIfNotEmpty(out, "kernel", vm.get("kernel"));
    if (vm.get("accel") != null && !"auto".equals(vm.get("accel"))) {
      out.put("accel", vm.get("accel"));
    }
    if (vm.get("pids") != null) {
      out.put("pids", vm.get("pids"));
    }
    return out;
  }

  private static void putIfNotEmpty(Map<String, Object> map, String key, Object value) {
    boolean empty = value == null
        || (value instanceof String s && s.isEmpty())
        || (value instanceof List<?> l && l.isEmpty())
        || (value instanceof Map<?, ?> m && m.isEmpty());
    if (!empty) {
      map.put(key, value);
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, ?> map(Object value) {
    return value instanceof Map<?, ?> m ? (Map<String, ?>) m : Map.of();
  }

  private static List<?> list(Object value) {
    return value instanceof List<?> l ? l : List.of();
  }
}
