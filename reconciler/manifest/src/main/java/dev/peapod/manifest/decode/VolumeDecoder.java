package dev.peapod.manifest.decode;

import dev.peapod.manifest.model.Quantity;
import dev.peapod.manifest.model.VolumeDecl;
import dev.peapod.manifest.model.VolumeSource;
import dev.peapod.manifest.source.SourceNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Decodes {@code spec.volumes[]}: emptyDir, hostPath and persistentVolumeClaim. */
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
    Optional<VolumeSource> emptyDir = r.object("emptyDir", Shapes.EMPTY_DIR).map(VolumeDecoder::emptyDir);
    Optional<VolumeSource> hostPath = r.object("hostPath", Shapes.HOST_PATH).map(VolumeDecoder::hostPath);
    Optional<VolumeSource> claim = r.object("persistentVolumeClaim", Shapes.PERSISTENT_VOLUME_CLAIM)
        .map(ClaimVolumeDecoder::decode);
    r.finish();
    if (emptyDir.isPresent() && hostPath.isPresent()) {
      r.problems().error(r.peek("hostPath").orElseThrow(), r.path("hostPath"),
          "a volume may have only one type; this one also has emptyDir");
    }
    if (claim.isPresent() && (emptyDir.isPresent() || hostPath.isPresent())) {
      r.problems().error(r.peek("persistentVolumeClaim").orElseThrow(), r.path("persistentVolumeClaim"),
          "a volume may have only one type; this one also has "
              + (emptyDir.isPresent() ? "emptyDir" : "hostPath"));
    }
    // As Kubernetes defaults it: a volume without a type is an emptyDir.
    VolumeSource source = emptyDir.or(() -> hostPath).or(() -> claim)
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
    r.finish();
    return new VolumeSource.EmptyDir(medium, sizeLimit);
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
