package dev.peapod.engine.source;

import dev.peapod.engine.spec.ManifestToPodSpec;
import dev.peapod.manifest.ManifestDirectory;
import dev.peapod.manifest.ManifestParser;
import dev.peapod.manifest.ParseResult;
import dev.peapod.manifest.model.ConfigReference;
import dev.peapod.manifest.model.HostFiles;
import dev.peapod.manifest.model.PodManifest;
import dev.peapod.manifest.model.VolumeSource;
import dev.peapod.plan.DesiredPod;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@link DirectorySource#read()} through a {@link ManifestCache}: files whose entry still holds
 * give their pods {@linkplain DesiredPod#deferred deferred}, the others are parsed (and kept for
 * next time when they qualify). Only the plain case is served: when any file has a diagnostic,
 * ConfigMap, Secret or claim document, a pod that refers to one or names a host file, or a pod
 * declared twice, this read gives up and the source reads without the cache, so every message
 * stays what it was.
 */
final class CachedManifestRead {
  private CachedManifestRead() {}

  /** One file as this read found it: its pods, or null when it cannot be served from or into the cache. */
  private record FileRead(String path, List<DesiredPod> pods) {}

  static Optional<DesiredSnapshot> read(List<Path> paths, ManifestCache cache) {
    List<Path> files = new ArrayList<>();
    for (Path path : paths) {
      if (!Files.exists(path)) {
        return Optional.empty();
      }
      if (Files.isDirectory(path)) {
        try {
          files.addAll(ManifestDirectory.manifestFiles(path));
        } catch (IOException e) {
          return Optional.empty();
        }
      } else {
        files.add(path);
      }
    }
    List<FileRead> reads = files.parallelStream().map(f -> read(f, cache)).toList();
    Map<String, DesiredPod> byName = new HashMap<>();
    List<DesiredPod> pods = new ArrayList<>();
    List<String> order = new ArrayList<>();
    for (FileRead read : reads) {
      if (read.pods() == null) {
        return Optional.empty();
      }
      for (DesiredPod pod : read.pods()) {
        if (byName.putIfAbsent(pod.name(), pod) != null) {
          return Optional.empty(); // reported, with both places, by the read without the cache
        }
        pods.add(pod);
      }
      order.add(read.path());
    }
    cache.save(order);
    return Optional.of(new DesiredSnapshot(DirectorySource.revisionOf(pods), pods, List.of()));
  }

  private static FileRead read(Path file, ManifestCache cache) {
    String name = file.toString();
    if (name.indexOf('\t') >= 0 || name.indexOf('\n') >= 0 || name.indexOf('\r') >= 0) {
      return new FileRead(name, null); // not representable in the cache's lines
    }
    try {
      // The identity first: a write while the content is read moves ctime past it.
      ManifestCache.Identity identity = ManifestCache.Identity.of(file);
      byte[][] content = new byte[1][];
      Optional<ManifestCache.Entry> hit = cache.lookup(name, identity, () -> {
        content[0] = Files.readAllBytes(file);
        return ManifestCache.sha256(content[0]);
      });
      if (hit.isPresent()) {
        String contentHash = hit.get().contentHash();
        return new FileRead(name, hit.get().pods().stream()
            .map(p -> DesiredPod.deferred(p.name(), p.state(), name, p.hash(), () -> parseAgain(file, contentHash, p.name())))
            .toList());
      }
      byte[] bytes = content[0] != null ? content[0] : Files.readAllBytes(file);
      long hashedAt = System.currentTimeMillis() * 1_000_000L;
      ParseResult parsed = ManifestParser.parse(name, new String(bytes, StandardCharsets.UTF_8));
      if (!standsAlone(parsed)) {
        return new FileRead(name, null);
      }
      List<DesiredPod> pods = parsed.manifests().stream().map(DesiredPod::of).toList();
      cache.put(name, new ManifestCache.Entry(identity, ManifestCache.sha256(bytes), hashedAt,
          pods.stream().map(p -> new ManifestCache.Pod(p.name(), p.state(), p.hash())).toList()));
      return new FileRead(name, pods);
    } catch (IOException | RuntimeException e) {
      return new FileRead(name, null); // the read without the cache reports it
    }
  }

  /** Whether every pod of the file is what its own text says, with nothing to report. */
  private static boolean standsAlone(ParseResult parsed) {
    if (!parsed.diagnostics().all().isEmpty() || !parsed.configObjects().isEmpty() || !parsed.claims().isEmpty()) {
      return false;
    }
    for (PodManifest pod : parsed.manifests()) {
      // A pod that names host files is not what its text alone says: their hashes are part of it.
      if (!ConfigReference.of(pod).isEmpty() || !HostFiles.uris(pod).isEmpty()
          || !ManifestToPodSpec.unsupported(pod).isEmpty()
          || pod.spec().volumes().stream().anyMatch(v -> v.source() instanceof VolumeSource.PersistentVolumeClaim)) {
        return false;
      }
    }
    return true;
  }

  /** A deferred pod's manifest: the file parsed again, if it still has the content its entry was made from. */
  private static PodManifest parseAgain(Path file, String contentHash, String pod) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + " again", e);
    }
    if (!ManifestCache.sha256(bytes).equals(contentHash)) {
      throw new IllegalStateException(file + " changed while pod \"" + pod + "\" was planned: plan again");
    }
    ParseResult parsed = ManifestParser.parse(file.toString(), new String(bytes, StandardCharsets.UTF_8));
    return parsed.manifests().stream().filter(m -> m.name().equals(pod)).findFirst()
        .orElseThrow(() -> new IllegalStateException(file + " no longer declares pod \"" + pod + "\": plan again"));
  }
}
