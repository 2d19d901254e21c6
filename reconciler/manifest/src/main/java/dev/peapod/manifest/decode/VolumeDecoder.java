package dev.peapod.manifest.decode;

import dev.peapod.manifest.model.PullPolicy;
import dev.peapod.manifest.model.Quantity;
import dev.peapod.manifest.model.VolumeDecl;
import dev.peapod.manifest.model.VolumeSource;
import dev.peapod.manifest.source.SourceNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/** Decodes {@code spec.volumes[]}: emptyDir, hostPath, persistentVolumeClaim, image and the volumes of files. */
final class VolumeDecoder {
  private VolumeDecoder() {}

  private static final Map<String, String> MEDIA = choices("", "Memory");
  private static final Map<String, String> HOST_PATH_TYPES = choices("", "DirectoryOrCreate",
      "Directory", "FileOrCreate", "File", "Socket", "CharDevice", "BlockDevice");

  static VolumeDecl decode(MapReader r, PodSites sites) {
    String name = r.requiredString("name");
    if (!name.isEmpty()) {
      SourceNode at = r.peek("name").orElseThrow();
      NameRules.dns1123Label(name).ifPresent(m -> r.problems().error(at, r.path("name"), m));
      sites.volumeNames.add(new Located<>(name, at.position(), r.path("name")));
    }
    Map<String, VolumeSource> types = new LinkedHashMap<>();
    r.object("emptyDir", Shapes.EMPTY_DIR).map(VolumeDecoder::emptyDir).ifPresent(v -> types.put("emptyDir", v));
    r.object("hostPath", Shapes.HOST_PATH).map(VolumeDecoder::hostPath).ifPresent(v -> types.put("hostPath", v));
    r.object("persistentVolumeClaim", Shapes.PERSISTENT_VOLUME_CLAIM).map(ClaimVolumeDecoder::decode)
        .ifPresent(v -> types.put("persistentVolumeClaim", v));
    r.object("configMap", Shapes.CONFIG_MAP_VOLUME).map(FileVolumeDecoder::configMap)
        .ifPresent(v -> types.put("configMap", v));
    r.object("downwardAPI", Shapes.DOWNWARD_API_VOLUME).map(FileVolumeDecoder::downwardApi)
        .ifPresent(v -> types.put("downwardAPI", v));
    r.object("projected", Shapes.PROJECTED_VOLUME).map(FileVolumeDecoder::projected)
        .ifPresent(v -> types.put("projected", v));
    r.object("secret", Shapes.SECRET_VOLUME).map(FileVolumeDecoder::secret)
        .ifPresent(v -> types.put("secret", v));
    r.object("image", Shapes.IMAGE_VOLUME).map(VolumeDecoder::image).ifPresent(v -> types.put("image", v));
    r.object("files", Shapes.FILES_VOLUME).map(FileVolumeDecoder::inline).ifPresent(v -> types.put("files", v));
    r.finish();
    List<String> written = new java.util.ArrayList<>(types.keySet());
    for (int i = 1; i < written.size(); i++) {
      r.problems().error(r.peek(written.get(i)).orElseThrow(), r.path(written.get(i)),
          "a volume may have only one type; this one also has " + written.get(0));
    }
    // As Kubernetes defaults it: a volume without a type is an emptyDir.
    VolumeSource source = types.values().stream().findFirst()
        .orElseGet(() -> new VolumeSource.EmptyDir("", Optional.empty()));
    return new VolumeDecl(name, source);
  }

  private static VolumeSource emptyDir(MapReader r) {
    String medium = r.choice("medium", MEDIA).orElse("");
    Optional<Quantity> sizeLimit = r.quantity("sizeLimit");
    if (sizeLimit.isPresent() && sizeLimit.get().signum() < 0) {
      r.problems().error(r.peek("sizeLimit").orElseThrow(), r.path("sizeLimit"),
          "must not be negative, got " + sizeLimit.get());
    }
    // Kubernetes 1.37 (alpha, EmptyDirVolumeMode): permission bits 0000-01777; YAML's 01777 is octal.
    OptionalInt mode = r.integer("mode", 0, 01777).map(m -> OptionalInt.of(m.intValue())).orElse(OptionalInt.empty());
    r.finish();
    return new VolumeSource.EmptyDir(medium, sizeLimit, mode);
  }

  /** {@code image}: {@code reference} (required) and {@code pullPolicy}, checked as a container's image. */
  private static VolumeSource image(MapReader r) {
    String reference = r.requiredString("reference");
    if (!reference.isEmpty()) {
      ImageReferenceRule.check(reference).ifPresent(
          m -> r.problems().error(r.peek("reference").orElseThrow(), r.path("reference"), m));
    }
    Optional<PullPolicy> pullPolicy = r.choice("pullPolicy", ContainerDecoder.PULL_POLICIES);
    r.finish();
    return new VolumeSource.Image(reference, pullPolicy.orElse(null));
  }

  private static VolumeSource hostPath(MapReader r) {
    // A relative path is kept as written: it means relative to the manifest's directory, which
    // only the code that knows where the manifest lives can resolve.
    String path = r.requiredString("path");
    String type = r.choice("type", HOST_PATH_TYPES).orElse("");
    r.finish();
    return new VolumeSource.HostPath(path, type);
  }

  private static Map<String, String> choices(String... values) {
    Map<String, String> map = new LinkedHashMap<>();
    List.of(values).forEach(v -> map.put(v, v));
    return map;
  }
}
