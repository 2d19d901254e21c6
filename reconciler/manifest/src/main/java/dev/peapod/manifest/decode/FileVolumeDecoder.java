package dev.peapod.manifest.decode;

import dev.peapod.manifest.model.ConfigObject;
import dev.peapod.manifest.model.EnvSource;
import dev.peapod.manifest.model.FileProjection;
import dev.peapod.manifest.model.Quantity;
import dev.peapod.manifest.model.VolumeSource;
import dev.peapod.manifest.source.SourceNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Kubernetes' volumes of files: {@code configMap}, {@code downwardAPI} and {@code projected}
 * (with configMap and downwardAPI sources), each into a {@link VolumeSource.Files}, with
 * Kubernetes' rules for paths (relative, no {@code ..} component, none starting with {@code ..}),
 * modes (0 to 0777) and the downward API's fields for files.
 */
final class FileVolumeDecoder {
  private FileVolumeDecoder() {}

  /** What a downwardAPI file may show (Kubernetes' list for volumes: no node or status fields). */
  static final Set<String> FIELD_PATHS = Set.of("metadata.name", "metadata.namespace", "metadata.uid",
      "metadata.labels", "metadata.annotations");

  static final String SERVICE_ACCOUNT_TOKEN = "a service account token is issued by a cluster's API server;"
      + " pods read from files have no service account";
  static VolumeSource configMap(MapReader r) {
    Optional<FileProjection> keys = objectKeys(r, ConfigObject.Kind.CONFIG_MAP, "name");
    int mode = defaultMode(r);
    r.finish();
    return new VolumeSource.Files("configMap", keys.map(List::of).orElse(List.of()), mode);
  }

  /**
   * A Secret's keys as files, as a configMap volume gives a ConfigMap's ({@code secretName} for
   * {@code name}; Kubernetes' defaultMode 0644 here too). The files hold references in the provider
   * spec, and their bytes reach the VM only (see the README's Secrets).
   */
  static VolumeSource secret(MapReader r) {
    Optional<FileProjection> keys = objectKeys(r, ConfigObject.Kind.SECRET, "secretName");
    int mode = defaultMode(r);
    r.finish();
    return new VolumeSource.Files("secret", keys.map(List::of).orElse(List.of()), mode);
  }

  /**
   * {@code files}, Peapod's own volume of files given inline: {@code defaultMode} and
   * {@code files[]}, each a {@code path} with its bytes as {@code content} (UTF-8 text) or
   * {@code contentBase64}, or a {@code uri} (file:// only, read as a HyperContainer file's is), and
   * optional {@code mode}, {@code uid}, {@code gid}. A HyperContainer pod's files are such a volume
   * ({@code hyperd-files}), and {@code inspect -o yaml} writes them so.
   */
  static VolumeSource inline(MapReader r) {
    List<FileProjection.InlineFile> files = new ArrayList<>();
    Set<String> paths = new HashSet<>();
    for (MapReader f : r.objects("files", Shapes.INLINE_FILE)) {
      String path = f.requiredString("path");
      String uri = f.string("uri").orElse("");
      byte[] content = f.string("content").orElse("").getBytes(java.nio.charset.StandardCharsets.UTF_8);
      Optional<String> base64 = f.string("contentBase64");
      if (base64.isPresent()) {
        try {
          content = java.util.Base64.getMimeDecoder().decode(base64.get());
        } catch (IllegalArgumentException e) {
          f.problems().error(f.peek("contentBase64").orElseThrow(), f.path("contentBase64"), "not base64: "
              + e.getMessage());
        }
      }
      int given = (f.has("content") ? 1 : 0) + (base64.isPresent() ? 1 : 0) + (uri.isEmpty() ? 0 : 1);
      if (given > 1) {
        f.problems().error(f.peek("path").orElseThrow(), f.path("path"), "a file has one of content,"
            + " contentBase64 and uri");
      }
      if (!uri.isEmpty() && !uri.startsWith("file://")) {
        f.problems().error(f.peek("uri").orElseThrow(), f.path("uri"), "uri \"" + uri + "\" is not supported by"
            + " Peapod: only file:// URIs (a file of this host, under the manifest's directory or the hostPath"
            + " allow-list)");
      }
      Optional<Integer> mode = mode(f, "mode");
      long uid = f.integer("uid", 0, Integer.MAX_VALUE).orElse(-1L);
      long gid = f.integer("gid", 0, Integer.MAX_VALUE).orElse(-1L);
      f.finish();
      if (!path.isEmpty() && validPath(f, path) && unique(f, path, paths)) {
        files.add(new FileProjection.InlineFile(path, content, uri, mode, uid, gid));
      }
    }
    int mode = defaultMode(r);
    r.finish();
    return new VolumeSource.Files("files", List.of(new FileProjection.Inline(files)), mode);
  }

  static VolumeSource downwardApi(MapReader r) {
    FileProjection items = downwardItems(r);
    int mode = defaultMode(r);
    r.finish();
    return new VolumeSource.Files("downwardAPI", List.of(items), mode);
  }

  static VolumeSource projected(MapReader r) {
    List<FileProjection> sources = new ArrayList<>();
    for (MapReader source : r.objects("sources", Shapes.VOLUME_PROJECTION)) {
      Optional<FileProjection> configMap = source.object("configMap", Shapes.CONFIG_MAP_PROJECTION)
          .flatMap(c -> {
            Optional<FileProjection> keys = objectKeys(c, ConfigObject.Kind.CONFIG_MAP, "name");
            c.finish();
            return keys;
          });
      Optional<FileProjection> secret = source.object("secret", Shapes.SECRET_PROJECTION)
          .flatMap(c -> {
            Optional<FileProjection> keys = objectKeys(c, ConfigObject.Kind.SECRET, "name");
            c.finish();
            return keys;
          });
      Optional<FileProjection> downward = source.object("downwardAPI", Shapes.DOWNWARD_API_PROJECTION)
          .map(d -> {
            FileProjection items = downwardItems(d);
            d.finish();
            return items;
          });
      source.finish();
      if (source.peekFieldCount(Shapes.VOLUME_PROJECTION.fieldNames().toArray(String[]::new)) != 1) {
        source.problems().error(source.position(), source.path(),
            "a projected source needs exactly one of configMap, downwardAPI, secret, serviceAccountToken");
        continue;
      }
      configMap.or(() -> downward).or(() -> secret).ifPresent(sources::add);
    }
    int mode = defaultMode(r);
    r.finish();
    return new VolumeSource.Files("projected", sources, mode);
  }

  /** {@code name}, {@code items}, {@code optional} of a configMap (or secret) volume or projection. */
  private static Optional<FileProjection> objectKeys(MapReader r, ConfigObject.Kind kind, String nameField) {
    String name = r.requiredString(nameField);
    boolean optional = r.bool("optional").orElse(false);
    List<FileProjection.KeyToPath> items = new ArrayList<>();
    Set<String> paths = new HashSet<>();
    for (MapReader item : r.objects("items", Shapes.KEY_TO_PATH)) {
      String key = item.requiredString("key");
      String path = item.requiredString("path");
      Optional<Integer> mode = mode(item, "mode");
      item.finish();
      if (!key.isEmpty() && !path.isEmpty() && validPath(item, path) && unique(item, path, paths)) {
        items.add(new FileProjection.KeyToPath(key, path, mode));
      }
    }
    return name.isEmpty() ? Optional.empty() : Optional.of(new FileProjection.ObjectKeys(kind, name, items, optional));
  }

  private static FileProjection downwardItems(MapReader r) {
    List<FileProjection.DownwardFile> items = new ArrayList<>();
    Set<String> paths = new HashSet<>();
    for (MapReader item : r.objects("items", Shapes.DOWNWARD_API_FILE)) {
      String path = item.requiredString("path");
      Optional<EnvSource> field = item.object("fieldRef", Shapes.OBJECT_FIELD_SELECTOR)
          .flatMap(FileVolumeDecoder::fieldRef);
      Optional<EnvSource> resource = item.object("resourceFieldRef", Shapes.RESOURCE_FIELD_SELECTOR)
          .flatMap(FileVolumeDecoder::resourceFieldRef);
      Optional<Integer> mode = mode(item, "mode");
      item.finish();
      if (item.peekFieldCount("fieldRef", "resourceFieldRef") != 1) {
        item.problems().error(item.position(), item.path(), "a downwardAPI item needs exactly one of fieldRef,"
            + " resourceFieldRef");
        continue;
      }
      Optional<EnvSource> source = field.or(() -> resource);
      if (!path.isEmpty() && validPath(item, path) && unique(item, path, paths) && source.isPresent()) {
        items.add(new FileProjection.DownwardFile(path, source.get(), mode));
      }
    }
    return new FileProjection.DownwardItems(items);
  }

  private static Optional<EnvSource> fieldRef(MapReader r) {
    return EnvSourceDecoder.fieldRef(r, FIELD_PATHS, " in a downwardAPI volume",
        " (node and status fields are for env only, as in Kubernetes)");
  }

  private static Optional<EnvSource> resourceFieldRef(MapReader r) {
    String container = r.requiredString("containerName"); // a volume belongs to no container: Kubernetes requires it
    String resource = r.requiredString("resource");
    Optional<Quantity> divisor = r.quantity("divisor");
    r.finish();
    if (divisor.isPresent() && divisor.get().signum() <= 0) {
      r.problems().error(r.peek("divisor").orElseThrow(), r.path("divisor"), "must be greater than 0");
      return Optional.empty();
    }
    if (resource.isEmpty() || container.isEmpty()) {
      return Optional.empty();
    }
    if (!EnvSourceDecoder.RESOURCES.contains(resource)) {
      r.problems().error(r.peek("resource").orElseThrow(), r.path("resource"), "unsupported resource \""
          + resource + "\": must be one of " + String.join(", ", new java.util.TreeSet<>(EnvSourceDecoder.RESOURCES)));
      return Optional.empty();
    }
    return Optional.of(new EnvSource.ResourceFieldRef(container, resource, divisor));
  }

  private static int defaultMode(MapReader r) {
    return mode(r, "defaultMode").orElse(VolumeSource.Files.DEFAULT_MODE);
  }

  /** A file mode as Kubernetes takes it: 0 to 0777 (YAML's 0644 is octal, JSON's 420 decimal). */
  private static Optional<Integer> mode(MapReader r, String field) {
    Optional<Long> value = r.node(field).flatMap(n -> r.asInteger(n, r.path(field), Long.MIN_VALUE, Long.MAX_VALUE));
    if (value.isPresent() && (value.get() < 0 || value.get() > 0777)) {
      r.problems().error(r.peek(field).orElseThrow(), r.path(field), "must be a file mode between 0 and 0777 (511),"
          + " got " + value.get() + " (0" + Long.toOctalString(value.get()) + ")");
      return Optional.empty();
    }
    return value.map(Long::intValue);
  }

  /** Kubernetes' rule for a projected path; the same rule guest-init applies again. */
  private static boolean validPath(MapReader item, String path) {
    String why = null;
    if (path.startsWith("/")) {
      why = "must be a relative path";
    } else if (path.length() > 4095) {
      why = "must be at most 4095 bytes";
    } else {
      for (String part : path.split("/", -1)) {
        if (part.equals("..")) {
          why = "must not contain '..'";
          break;
        }
        if (part.startsWith("..")) {
          why = "must not start with '..'";
          break;
        }
        if (part.isEmpty() || part.equals(".")) {
          why = "must not have an empty or '.' component";
          break;
        }
        if (part.length() > 255) {
          why = "has a component longer than 255 bytes";
          break;
        }
      }
    }
    if (why != null) {
      SourceNode at = item.peek("path").orElseThrow();
      item.problems().error(at, item.path("path"), "invalid path \"" + path + "\": " + why);
      return false;
    }
    return true;
  }

  private static boolean unique(MapReader item, String path, Set<String> paths) {
    if (!paths.add(path)) {
      item.problems().error(item.peek("path").orElseThrow(), item.path("path"), "path \"" + path
          + "\" is listed twice");
      return false;
    }
    return true;
  }
}
