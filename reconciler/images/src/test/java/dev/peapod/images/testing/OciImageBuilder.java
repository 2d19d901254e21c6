package dev.peapod.images.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.luben.zstd.ZstdOutputStream;
import dev.peapod.images.oci.Digest;
import dev.peapod.images.oci.MediaTypes;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

/** Writes OCI image layouts, OCI archives and docker-save archives from tar layers, for tests and the benchmark. */
public final class OciImageBuilder {
  public enum Compression { NONE, GZIP, ZSTD }

  private static final ObjectMapper JSON = new ObjectMapper();

  private final List<byte[]> layers = new ArrayList<>();
  private final List<Compression> compressions = new ArrayList<>();
  private final Map<String, Object> config = new LinkedHashMap<>();
  private String architecture = "amd64";
  private String variant;
  private String layerMediaTypeOverride;

  public OciImageBuilder layer(byte[] tar) {
    return layer(tar, Compression.GZIP);
  }

  public OciImageBuilder layer(byte[] tar, Compression compression) {
    layers.add(tar);
    compressions.add(compression);
    return this;
  }

  public OciImageBuilder cmd(String... cmd) {
    config.put("Cmd", List.of(cmd));
    return this;
  }

  public OciImageBuilder entrypoint(String... entrypoint) {
    config.put("Entrypoint", List.of(entrypoint));
    return this;
  }

  public OciImageBuilder env(String... env) {
    config.put("Env", List.of(env));
    return this;
  }

  public OciImageBuilder workingDir(String dir) {
    config.put("WorkingDir", dir);
    return this;
  }

  public OciImageBuilder user(String user) {
    config.put("User", user);
    return this;
  }

  public OciImageBuilder exposedPort(String port) {
    @SuppressWarnings("unchecked")
    Map<String, Object> ports = (Map<String, Object>) config.computeIfAbsent("ExposedPorts", k -> new LinkedHashMap<>());
    ports.put(port, Map.of());
    return this;
  }

  public OciImageBuilder label(String key, String value) {
    @SuppressWarnings("unchecked")
    Map<String, Object> labels = (Map<String, Object>) config.computeIfAbsent("Labels", k -> new LinkedHashMap<>());
    labels.put(key, value);
    return this;
  }

  public OciImageBuilder platform(String arch, String cpuVariant) {
    this.architecture = arch;
    this.variant = cpuVariant;
    return this;
  }

  /** Writes every layer with this media type instead of the real one (to test refusals). */
  public OciImageBuilder layerMediaType(String mediaType) {
    this.layerMediaTypeOverride = mediaType;
    return this;
  }

  /** A manifest written into a layout's blobs. */
  public record Written(Digest manifest, long manifestSize, Digest config, String architecture, String variant) {}

  /** Writes config, layers and manifest as blobs of {@code layout}. */
  public Written writeBlobs(Path layout) {
    try {
      List<Map<String, Object>> layerDescriptors = new ArrayList<>();
      List<String> diffIds = new ArrayList<>();
      for (int i = 0; i < layers.size(); i++) {
        byte[] tar = layers.get(i);
        diffIds.add(Digest.sha256(tar).toString());
        byte[] blob = compress(tar, compressions.get(i));
        String mediaType = layerMediaTypeOverride != null ? layerMediaTypeOverride : switch (compressions.get(i)) {
          case NONE -> MediaTypes.OCI_LAYER;
          case GZIP -> MediaTypes.OCI_LAYER_GZIP;
          case ZSTD -> MediaTypes.OCI_LAYER_ZSTD;
        };
        layerDescriptors.add(descriptor(mediaType, writeBlob(layout, blob), blob.length));
      }
      byte[] configJson = configJson(diffIds);
      Digest configDigest = writeBlob(layout, configJson);
      Map<String, Object> manifest = new LinkedHashMap<>();
      manifest.put("schemaVersion", 2);
      manifest.put("mediaType", MediaTypes.OCI_MANIFEST);
      manifest.put("config", descriptor(MediaTypes.OCI_CONFIG, configDigest, configJson.length));
      manifest.put("layers", layerDescriptors);
      byte[] manifestJson = JSON.writeValueAsBytes(manifest);
      return new Written(writeBlob(layout, manifestJson), manifestJson.length, configDigest, architecture, variant);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A complete single-image layout whose index.json names the image {@code tag}. */
  public Written writeLayout(Path layout, String tag) {
    Written written = writeBlobs(layout);
    Map<String, Object> entry = descriptor(MediaTypes.OCI_MANIFEST, written.manifest(), written.manifestSize());
    entry.put("annotations", Map.of("org.opencontainers.image.ref.name", tag));
    writeIndexJson(layout, List.of(entry));
    return written;
  }

  /** A layout whose index.json names an image index (tag) over several platform images. */
  public static Digest writeMultiPlatformLayout(Path layout, String tag, List<OciImageBuilder> images) {
    try {
      List<Map<String, Object>> manifests = new ArrayList<>();
      for (OciImageBuilder image : images) {
        Written written = image.writeBlobs(layout);
        Map<String, Object> entry = descriptor(MediaTypes.OCI_MANIFEST, written.manifest(), written.manifestSize());
        Map<String, Object> platform = new LinkedHashMap<>();
        platform.put("architecture", written.architecture());
        platform.put("os", "linux");
        if (written.variant() != null) {
          platform.put("variant", written.variant());
        }
        entry.put("platform", platform);
        manifests.add(entry);
      }
      Map<String, Object> index = new LinkedHashMap<>();
      index.put("schemaVersion", 2);
      index.put("mediaType", MediaTypes.OCI_INDEX);
      index.put("manifests", manifests);
      byte[] indexJson = JSON.writeValueAsBytes(index);
      Digest digest = writeBlob(layout, indexJson);
      Map<String, Object> entry = descriptor(MediaTypes.OCI_INDEX, digest, indexJson.length);
      entry.put("annotations", Map.of("org.opencontainers.image.ref.name", tag));
      writeIndexJson(layout, List.of(entry));
      return digest;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A {@code docker save} archive (legacy layout: ID.json config, ID/layer.tar uncompressed). */
  public void writeDockerSave(Path archive, String repoTag) {
    try {
      TarBuilder tar = new TarBuilder();
      List<String> diffIds = new ArrayList<>();
      List<String> layerPaths = new ArrayList<>();
      for (byte[] layer : layers) {
        Digest diffId = Digest.sha256(layer);
        diffIds.add(diffId.toString());
        String dir = Digest.sha256((diffId + "-id").getBytes()).hex();
        tar.dir(dir, 0755);
        tar.file(dir + "/VERSION", "1.0");
        tar.file(dir + "/json", "{\"id\":\"" + dir + "\"}");
        tar.file(dir + "/layer.tar", 0644, layer);
        layerPaths.add(dir + "/layer.tar");
      }
      byte[] configJson = configJson(diffIds);
      String configName = Digest.sha256(configJson).hex() + ".json";
      tar.file(configName, 0644, configJson);
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("Config", configName);
      entry.put("RepoTags", List.of(repoTag));
      entry.put("Layers", layerPaths);
      tar.file("manifest.json", 0644, JSON.writeValueAsBytes(List.of(entry)));
      Files.write(archive, tar.build());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Tars a layout directory into an OCI archive. */
  public static void writeOciArchive(Path layout, Path archive) {
    TarBuilder tar = new TarBuilder();
    tar.tree(layout, "");
    try {
      Files.write(archive, tar.build());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private byte[] configJson(List<String> diffIds) throws IOException {
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("created", "2024-01-01T00:00:00Z");
    root.put("architecture", architecture);
    if (variant != null) {
      root.put("variant", variant);
    }
    root.put("os", "linux");
    root.put("config", config);
    root.put("rootfs", Map.of("type", "layers", "diff_ids", diffIds));
    return JSON.writeValueAsBytes(root);
  }

  private static void writeIndexJson(Path layout, List<Map<String, Object>> manifests) {
    try {
      Files.createDirectories(layout);
      Files.writeString(layout.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
      Map<String, Object> index = new LinkedHashMap<>();
      index.put("schemaVersion", 2);
      index.put("mediaType", MediaTypes.OCI_INDEX);
      index.put("manifests", manifests);
      Files.write(layout.resolve("index.json"), JSON.writeValueAsBytes(index));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Digest writeBlob(Path layout, byte[] blob) throws IOException {
    Digest digest = Digest.sha256(blob);
    Path file = layout.resolve("blobs/sha256/" + digest.hex());
    Files.createDirectories(file.getParent());
    Files.write(file, blob);
    return digest;
  }

  private static Map<String, Object> descriptor(String mediaType, Digest digest, long size) {
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("mediaType", mediaType);
    d.put("digest", digest.toString());
    d.put("size", size);
    return d;
  }

  public static byte[] compress(byte[] tar, Compression compression) throws IOException {
    if (compression == Compression.NONE) {
      return tar;
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (OutputStream out = compression == Compression.GZIP ? new GZIPOutputStream(bytes) : new ZstdOutputStream(bytes)) {
      out.write(tar);
    }
    return bytes.toByteArray();
  }
}
