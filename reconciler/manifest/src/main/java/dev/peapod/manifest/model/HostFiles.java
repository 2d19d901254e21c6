package dev.peapod.manifest.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.UnaryOperator;

/**
 * The host files a pod's volumes of files name by {@code file://} URI (HyperContainer's {@code
 * files[].uri}, a {@code files} volume's {@code uri}), keyed by the URI as written (one file for
 * every place that names it). Their bytes are
 * read when the pod is converted; what the pod's hash holds of them is the hash its source read
 * ({@link FileProjection.InlineFile#hostHash()}), so that editing such a file plans a change as
 * editing a ConfigMap does. Reading them is the engine's (under the hostPath rules): here they are
 * only found and their hashes put in place.
 */
public final class HostFiles {
  private HostFiles() {}

  /** The URIs of the pod's host files, sorted. */
  public static Set<String> uris(PodManifest pod) {
    Set<String> out = new TreeSet<>();
    each(pod, file -> {
      out.add(file.uri());
      return file;
    });
    return out;
  }

  /** URI to the hash its source read, for every host file that has one. */
  public static Map<String, String> hashes(PodManifest pod) {
    Map<String, String> out = new TreeMap<>();
    each(pod, file -> {
      if (!file.hostHash().isEmpty()) {
        out.put(file.uri(), file.hostHash());
      }
      return file;
    });
    return out;
  }

  /** The pod with each host file's hash from {@code hashes} (by URI; none where absent). */
  public static PodManifest withHashes(PodManifest pod, Map<String, String> hashes) {
    return each(pod, file -> file.withHostHash(hashes.getOrDefault(file.uri(), "")));
  }

  /** Applies {@code change} to every file with a URI; the pod itself when none has one. */
  private static PodManifest each(PodManifest pod, UnaryOperator<FileProjection.InlineFile> change) {
    boolean any = false;
    List<VolumeDecl> volumes = new ArrayList<>();
    for (VolumeDecl volume : pod.spec().volumes()) {
      if (!(volume.source() instanceof VolumeSource.Files files)) {
        volumes.add(volume);
        continue;
      }
      List<FileProjection> sources = new ArrayList<>();
      for (FileProjection source : files.sources()) {
        if (source instanceof FileProjection.Inline inline && inline.files().stream().anyMatch(f -> !f.uri().isEmpty())) {
          any = true;
          sources.add(new FileProjection.Inline(inline.files().stream()
              .map(f -> f.uri().isEmpty() ? f : change.apply(f)).toList()));
        } else {
          sources.add(source);
        }
      }
      volumes.add(new VolumeDecl(volume.name(), new VolumeSource.Files(files.type(), sources, files.defaultMode())));
    }
    return any ? new PodManifest(pod.origin(), pod.metadata(), pod.spec().withVolumes(volumes), pod.inputs()) : pod;
  }
}
