package dev.peapod.manifest;

import dev.peapod.manifest.decode.ConfigObjectDecoder;
import dev.peapod.manifest.decode.DocumentDecoder;
import dev.peapod.manifest.decode.Problems;
import dev.peapod.manifest.diag.Diagnostics;
import dev.peapod.manifest.model.ConfigObject;
import dev.peapod.manifest.model.PodManifest;
import dev.peapod.manifest.source.JsonReader;
import dev.peapod.manifest.source.SourceDocument;
import dev.peapod.manifest.source.YamlReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads pod manifests: PeaPod and Kubernetes Pod documents, and HyperContainer pod files, from
 * YAML (several documents separated by {@code ---}) or JSON; and the ConfigMap and Secret
 * documents next to them. Never throws for bad input: every
 * problem becomes a {@link dev.peapod.manifest.diag.Diagnostic} naming file, line, column and
 * field path, and all problems of a file are reported together.
 */
public final class ManifestParser {
  private ManifestParser() {}

  /** Reads {@code file}; it is named in diagnostics as given. */
  public static ParseResult parse(Path file) {
    String name = file.toString();
    try {
      return parse(name, new String(Files.readAllBytes(file), StandardCharsets.UTF_8));
    } catch (IOException e) {
      Diagnostics diagnostics = new Diagnostics();
      diagnostics.error(name, 0, 0, "", "cannot read file: " + e.getMessage());
      return new ParseResult(List.of(), diagnostics);
    }
  }

  /**
   * Reads {@code content} as the file {@code name}. A name ending in {@code .json} is read as
   * JSON, and so is any file whose text is a JSON value (it starts with <code>{</code> or
   * {@code [}): HyperContainer pod files are JSON indented with tabs, which YAML forbids. Anything
   * else is read as YAML.
   */
  public static ParseResult parse(String name, String content) {
    return parse(name, content, false);
  }

  /**
   * {@link #parse(String, String)}, but an unknown field is a warning ({@code unknown field (dropped)}) and is
   * left out instead of an error: what Kubernetes' API server does unless asked for {@code fieldValidation=Strict}
   * (the controller's {@code POST /v1/pods}).
   */
  public static ParseResult parseDroppingUnknownFields(String name, String content) {
    return parse(name, content, true);
  }

  private static ParseResult parse(String name, String content, boolean dropUnknown) {
    if (name.endsWith(".json")) {
      return parse(name, content, true, dropUnknown);
    }
    if (looksLikeJson(content)) {
      ParseResult json = parse(name, content, true, dropUnknown);
      // A YAML flow mapping also starts with "{"; if it is not JSON, YAML has the last word.
      boolean invalidJson = json.diagnostics().all().stream().anyMatch(d -> d.message().startsWith("invalid JSON"));
      if (!invalidJson || content.indexOf('\t') >= 0) {
        return json;
      }
    }
    return parse(name, content, false, dropUnknown);
  }

  private static boolean looksLikeJson(String content) {
    for (int i = 0; i < content.length(); i++) {
      char c = content.charAt(i);
      if (c == '{' || c == '[') {
        return true;
      }
      if (!Character.isWhitespace(c) && c != '\uFEFF') {
        return false;
      }
    }
    return false;
  }

  /**
   * Reads {@code content} as JSON whatever its name: an object from the Kubernetes API, named in
   * diagnostics as {@code k8s:NAMESPACE/NAME}.
   */
  public static ParseResult parseJson(String name, String content) {
    return parse(name, content, true, false);
  }

  private static ParseResult parse(String name, String content, boolean json, boolean dropUnknown) {
    Diagnostics diagnostics = new Diagnostics();
    Problems problems = new Problems(name, diagnostics, dropUnknown);
    List<SourceDocument> documents = json
        ? new JsonReader(name, diagnostics).read(content)
        : new YamlReader(name, diagnostics).read(content);
    DocumentDecoder decoder = new DocumentDecoder(problems);
    ConfigObjectDecoder configDecoder = new ConfigObjectDecoder(problems);
    List<PodManifest> pods = new ArrayList<>();
    List<ConfigObject> configs = new ArrayList<>();
    Map<String, PodManifest> byName = new HashMap<>();
    Map<String, ConfigObject> configsByReference = new HashMap<>();
    for (SourceDocument document : documents) {
      if (ConfigObjectDecoder.handles(document)) {
        configDecoder.decode(document).ifPresent(config -> {
          ConfigObject earlier = configsByReference.putIfAbsent(config.reference(), config);
          if (earlier != null) {
            DuplicateNames.report(config, earlier, diagnostics);
          } else {
            configs.add(config);
          }
        });
        continue;
      }
      Optional<PodManifest> pod = decoder.decode(document);
      if (pod.isEmpty()) {
        continue;
      }
      PodManifest earlier = byName.putIfAbsent(pod.get().name(), pod.get());
      if (earlier != null) {
        DuplicateNames.report(pod.get(), earlier, diagnostics);
      } else {
        pods.add(pod.get());
      }
    }
    return new ParseResult(ClaimBinding.bind(pods, decoder.claims()), diagnostics.sortedByPosition(),
        configs, decoder.claims());
  }

}
