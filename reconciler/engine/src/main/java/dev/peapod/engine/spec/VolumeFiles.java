package dev.peapod.engine.spec;

import dev.peapod.engine.config.EnvResolver;
import dev.peapod.manifest.model.ConfigObject;
import dev.peapod.manifest.model.FileProjection;
import dev.peapod.manifest.model.PodManifest;
import dev.peapod.manifest.model.VolumeSource;
import dev.peapod.provider.FileSet;
import dev.peapod.provider.SecretKey;
import dev.peapod.provider.VolumeFile;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The files of a {@link VolumeSource.Files} volume, from its sources in order: a ConfigMap's or
 * Secret's keys out of the pod's {@link PodManifest#inputs() inputs}, downward API values through
 * the {@link EnvResolver}, inline bytes as written. This is the one place a source becomes files, so
 * a new kind of source (a Secret's keys are {@link FileProjection.ObjectKeys} of kind SECRET, and
 * come out {@link FileSet#sensitive() sensitive}) needs nothing but its decoder.
 *
 * <p>Kubernetes' rules: a source without {@code items} gives every key as a file of its name; with
 * {@code items}, only those keys at their paths; a file's mode is its item's, else the volume's
 * {@code defaultMode}; a missing object or key is left out when the source is optional (the
 * sources' resolution has refused it otherwise). Two sources giving the same path is an error, as
 * is a set beyond {@link FileSet}'s per-pod bounds (checked over all of the pod's volumes).
 */
public final class VolumeFiles {

  private final PodManifest pod;
  private final EnvResolver env;
  private final OptionalLong fsGroup;
  private final HostFiles host;
  private final List<String> errors = new ArrayList<>();

  /** Reads the host file a {@code file://} URI names, or says why it may not. */
  @FunctionalInterface
  public interface HostFiles {
    /** The bytes; throws {@link IllegalArgumentException} with the reason a file is refused. */
    byte[] read(String uri);
  }

  /**
   * @param fsGroup the pod's fsGroup: the files' group, readable by it, as the kubelet leaves them
   * @param host reads the files of HyperContainer's {@code uri}
   */
  public VolumeFiles(PodManifest pod, EnvResolver env, OptionalLong fsGroup, HostFiles host) {
    this.pod = pod;
    this.env = env;
    this.fsGroup = fsGroup;
    this.host = host;
  }

  /** Why files could not be given, each naming the volume; empty when all could. */
  public List<String> errors() {
    return errors;
  }

  /** The files of volume {@code name}; what could not be given is in {@link #errors()}. */
  public FileSet of(String name, VolumeSource.Files volume) {
    Map<String, VolumeFile> files = new LinkedHashMap<>();
    boolean sensitive = false;
    for (FileProjection source : volume.sources()) {
      if (source instanceof FileProjection.ObjectKeys keys) {
        Optional<ConfigObject> object = pod.inputs().stream()
            .filter(o -> o.kind() == keys.kind() && o.name().equals(keys.name())).findFirst();
        if (object.isEmpty()) {
          if (!keys.optional()) {
            // Sources refuse this when they resolve the pod; a path that did not resolve it must not drop it.
            errors.add("volume \"" + name + "\" needs " + keys.kind().word() + " \"" + keys.name() + "\", which was"
                + " not found (ConfigMaps and Secrets are looked up among the documents of the pod's source: apply the directory"
                + " or file that declares it, or mark it optional: true)");
          }
          continue;
        }
        sensitive |= object.get().sensitive();
        if (keys.items().isEmpty()) {
          for (String key : object.get().keys()) {
            add(name, files, key, volume.defaultMode(), object.get().value(key).orElseThrow(), -1, -1,
                secretKey(object.get(), key));
          }
        }
        for (FileProjection.KeyToPath item : keys.items()) {
          Optional<byte[]> value = object.get().value(item.key());
          if (value.isPresent()) {
            add(name, files, item.path(), item.mode().orElse(volume.defaultMode()), value.get(), -1, -1,
                secretKey(object.get(), item.key()));
          } else if (!keys.optional()) {
            errors.add("volume \"" + name + "\": " + object.get().describe() + " has no key \"" + item.key() + "\"");
          }
        }
      } else if (source instanceof FileProjection.DownwardItems downward) {
        for (FileProjection.DownwardFile item : downward.items()) {
          int before = env.errors().size();
          Optional<String> value = env.fileValue(item.source(), "volume \"" + name + "\": file \"" + item.path() + "\"");
          env.errors().subList(before, env.errors().size()).forEach(errors::add);
          value.ifPresent(v -> add(name, files, item.path(), item.mode().orElse(volume.defaultMode()),
              v.getBytes(StandardCharsets.UTF_8), -1));
        }
      } else {
        for (FileProjection.InlineFile file : ((FileProjection.Inline) source).files()) {
          byte[] content = file.content();
          if (!file.uri().isEmpty()) {
            try {
              content = host.read(file.uri());
            } catch (IllegalArgumentException e) {
              errors.add("volume \"" + name + "\": file \"" + file.path() + "\": " + e.getMessage());
              continue;
            }
          }
          add(name, files, file.path(), file.mode().orElse(volume.defaultMode()), content, file.uid(), file.gid());
        }
      }
    }
    return new FileSet(new ArrayList<>(files.values()), sensitive);
  }

  private void add(String volume, Map<String, VolumeFile> files, String path, int mode, byte[] content, long uid) {
    add(volume, files, path, mode, content, uid, -1);
  }

  /** The key a Secret's file holds: the file is then recorded by this reference, its bytes given at start. */
  private static SecretKey secretKey(ConfigObject object, String key) {
    return object.sensitive() ? new SecretKey(object.namespace(), object.name(), key) : null;
  }

  private void add(String volume, Map<String, VolumeFile> files, String path, int mode, byte[] content, long uid,
      long gid) {
    add(volume, files, path, mode, content, uid, gid, null);
  }

  private void add(String volume, Map<String, VolumeFile> files, String path, int mode, byte[] content, long uid,
      long gid, SecretKey secret) {
    Optional<String> invalid = VolumeFile.invalidPath(path);
    if (invalid.isPresent()) {
      errors.add("volume \"" + volume + "\": file path \"" + path + "\" " + invalid.get());
      return;
    }
    if (files.containsKey(path)) {
      errors.add("volume \"" + volume + "\": two sources give the file \"" + path + "\"");
      return;
    }
    for (String other : files.keySet()) {
      if (path.startsWith(other + "/") || other.startsWith(path + "/")) {
        errors.add("volume \"" + volume + "\": \"" + (path.length() < other.length() ? path : other)
            + "\" is a file, so \"" + (path.length() < other.length() ? other : path) + "\" cannot be inside it");
        return;
      }
    }
    if (fsGroup.isPresent() && gid < 0) {
      gid = fsGroup.getAsLong();
      mode |= 0040; // the kubelet gives fsGroup the files of these volumes, readable
    }
    files.put(path, new VolumeFile(path, mode, uid, gid, content, secret));
  }
}
