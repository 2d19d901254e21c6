package dev.peapod.images.archive;

import com.fasterxml.jackson.databind.JsonNode;
import dev.peapod.images.ImageFormatException;
import dev.peapod.images.ImageLimitException;
import dev.peapod.images.ImageLimits;
import dev.peapod.images.InvalidReferenceException;
import dev.peapod.images.oci.Descriptor;
import dev.peapod.images.oci.Digest;
import dev.peapod.images.oci.ImageConfig;
import dev.peapod.images.oci.ImageIndex;
import dev.peapod.images.oci.Manifest;
import dev.peapod.images.oci.MediaTypes;
import dev.peapod.images.oci.OciJson;
import dev.peapod.images.oci.Platform;
import dev.peapod.images.reference.ImageReference;
import dev.peapod.images.registry.ImagePuller;
import dev.peapod.images.store.BlobStore;
import dev.peapod.images.store.ImageBlueprint;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Loads images without a registry, from an OCI image layout directory, an OCI archive
 * (a tar of a layout) or a {@code docker save} archive ({@code manifest.json}); archives
 * may be gzip or zstd compressed. Recent Docker writes archives that are both; the OCI
 * index is preferred then.
 */
public final class ArchiveLoader {
  /** containerd and Docker put the full reference here; {@code ref.name} is often only a tag. */
  private static final String CONTAINERD_NAME = "io.containerd.image.name";
  private static final String OCI_REF_NAME = "org.opencontainers.image.ref.name";

  private final BlobStore blobs;
  private final Platform platform;
  private final ImageLimits limits;

  public ArchiveLoader(BlobStore blobs, Platform platform, ImageLimits limits) {
    this.blobs = blobs;
    this.platform = platform;
    this.limits = limits;
  }

  /** Reads the images of {@code source} and puts their blobs in the store. */
  public List<LoadedImage> load(Path source) throws IOException {
    String image = source.toString();
    if (Files.isDirectory(source)) {
      if (!Files.exists(source.resolve("oci-layout"))) {
        throw new ImageFormatException(image, "directory is not an OCI image layout (no oci-layout file)");
      }
      return fromOciIndex(new DirectoryLayout(source, blobs, image, limits.maxManifestBytes()), image);
    }
    if (!Files.isRegularFile(source)) {
      throw new ImageFormatException(image, "no such file or directory");
    }
    StreamedArchive archive = StreamedArchive.read(source, blobs, image, limits);
    List<LoadedImage> images;
    if (archive.file("index.json") != null) {
      images = fromOciIndex(archive, image);
    } else if (archive.file("manifest.json") != null) {
      images = fromDockerManifest(archive, image);
    } else {
      throw new ImageFormatException(image, "archive has neither index.json (OCI) nor manifest.json (docker save)");
    }
    archive.discardUnused();
    return images;
  }

  private List<LoadedImage> fromOciIndex(LayoutContent content, String image) throws IOException {
    byte[] indexJson = content.file("index.json");
    if (indexJson == null) {
      throw new ImageFormatException(image, "layout has no index.json");
    }
    ImageIndex index = ImageIndex.parse(indexJson, MediaTypes.OCI_INDEX, image);
    // Entries with the same name are one image's platforms; pick ours among them.
    Map<String, List<Descriptor>> byName = new LinkedHashMap<>();
    for (Descriptor entry : index.manifests()) {
      String name = entry.annotation(CONTAINERD_NAME) != null ? entry.annotation(CONTAINERD_NAME) : entry.annotation(OCI_REF_NAME);
      byName.computeIfAbsent(name == null ? "" : name, n -> new ArrayList<>()).add(entry);
    }
    List<LoadedImage> images = new ArrayList<>();
    for (Map.Entry<String, List<Descriptor>> group : byName.entrySet()) {
      List<Descriptor> entries = group.getValue();
      Descriptor chosen = entries.size() == 1 ? entries.get(0)
          : new ImageIndex(MediaTypes.OCI_INDEX, entries).select(platform, image);
      ImageBlueprint blueprint = blueprint(content, chosen, image, 0);
      images.add(new LoadedImage(blueprint, names(group.getKey())));
    }
    return images;
  }

  private ImageBlueprint blueprint(LayoutContent content, Descriptor descriptor, String image, int depth) throws IOException {
    if (descriptor.size() > limits.maxManifestBytes()) {
      throw new ImageLimitException(image, "manifest " + descriptor.digest() + " has " + descriptor.size()
          + " bytes, over the limit maxManifestBytes (" + ImageLimits.bytes(limits.maxManifestBytes()) + ")");
    }
    content.importBlob(descriptor);
    byte[] bytes = blobs.read(descriptor.digest());
    if (MediaTypes.isIndex(descriptor.mediaType())) {
      if (depth == 2) {
        throw new ImageFormatException(image, "image indexes nested more than two deep");
      }
      Descriptor chosen = ImageIndex.parse(bytes, descriptor.mediaType(), image).select(platform, image);
      return blueprint(content, chosen, image, depth + 1);
    }
    Manifest manifest = Manifest.parse(bytes, descriptor.mediaType(), image);
    ImagePuller.checkConfigSize(manifest.config(), image, limits);
    content.importBlob(manifest.config());
    for (Descriptor layer : manifest.layers()) {
      content.importBlob(layer);
    }
    byte[] config = blobs.read(manifest.config().digest());
    return new ImageBlueprint(image, descriptor.digest(), manifest, config, ImageConfig.parse(config, image));
  }

  private List<LoadedImage> fromDockerManifest(StreamedArchive archive, String image) throws IOException {
    JsonNode list = readArray(archive.file("manifest.json"), image);
    List<LoadedImage> images = new ArrayList<>();
    for (JsonNode entry : list) {
      Digest config = requireFile(archive, OciJson.text(entry, "Config"), image);
      List<Descriptor> layers = new ArrayList<>();
      for (JsonNode layerPath : entry.path("Layers")) {
        Digest layer = requireFile(archive, layerPath.asText(), image);
        layers.add(new Descriptor(layerMediaType(layer), layer, Files.size(blobs.path(layer))));
      }
      Descriptor configDescriptor = new Descriptor(MediaTypes.DOCKER_CONFIG, config, Files.size(blobs.path(config)));
      ImagePuller.checkConfigSize(configDescriptor, image, limits);
      byte[] manifestJson = dockerManifest(configDescriptor, layers);
      Digest manifestDigest = blobs.putBytes(manifestJson);
      archive.markUsed(List.of(manifestDigest));
      Manifest manifest = Manifest.parse(manifestJson, MediaTypes.DOCKER_MANIFEST, image);
      byte[] configBytes = blobs.read(config);
      ImageBlueprint blueprint = new ImageBlueprint(image, manifestDigest, manifest, configBytes,
          ImageConfig.parse(configBytes, image));
      List<ImageReference> names = new ArrayList<>();
      for (JsonNode tag : entry.path("RepoTags")) {
        names.addAll(names(tag.asText()));
      }
      images.add(new LoadedImage(blueprint, names));
    }
    return images;
  }

  /** docker save does not say how layers are compressed (normally not at all); look at the bytes. */
  private String layerMediaType(Digest layer) throws IOException {
    try (InputStream in = Files.newInputStream(blobs.path(layer))) {
      byte[] magic = in.readNBytes(4);
      if (magic.length >= 2 && (magic[0] & 0xff) == 0x1f && (magic[1] & 0xff) == 0x8b) {
        return MediaTypes.OCI_LAYER_GZIP;
      }
      if (magic.length == 4 && (magic[0] & 0xff) == 0x28 && (magic[1] & 0xff) == 0xb5) {
        return MediaTypes.OCI_LAYER_ZSTD;
      }
      return MediaTypes.DOCKER_LAYER;
    }
  }

  /** A Docker v2 schema 2 manifest for the image, so loaded images are stored like pulled ones. */
  private static byte[] dockerManifest(Descriptor config, List<Descriptor> layers) {
    Map<String, Object> manifest = new LinkedHashMap<>();
    manifest.put("schemaVersion", 2);
    manifest.put("mediaType", MediaTypes.DOCKER_MANIFEST);
    manifest.put("config", descriptorJson(config));
    manifest.put("layers", layers.stream().map(ArchiveLoader::descriptorJson).toList());
    return OciJson.write(manifest);
  }

  private static Map<String, Object> descriptorJson(Descriptor d) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("mediaType", d.mediaType());
    json.put("size", d.size());
    json.put("digest", d.digest().toString());
    return json;
  }

  private static Digest requireFile(StreamedArchive archive, String path, String image) throws IOException {
    Digest digest = path == null ? null : archive.storedFile(path);
    if (digest == null) {
      throw new ImageFormatException(image, "manifest.json names \"" + path + "\", which the archive lacks");
    }
    return digest;
  }

  private static JsonNode readArray(byte[] json, String image) {
    try {
      JsonNode node = OciJson.MAPPER.readTree(json);
      if (node == null || !node.isArray()) {
        throw new ImageFormatException(image, "manifest.json is not a JSON array");
      }
      return node;
    } catch (IOException e) {
      throw new ImageFormatException(image, "manifest.json is not valid JSON: " + e.getMessage(), e);
    }
  }

  /** A name from an archive as a reference; a bare tag ("latest") or garbage names nothing. */
  private static List<ImageReference> names(String name) {
    if (name == null || name.isEmpty() || !(name.contains("/") || name.contains(":") || name.matches("[a-z0-9._-]+"))) {
      return List.of();
    }
    if (!name.contains("/") && !name.contains(":")) {
      return List.of(); // ref.name "latest" or "1.0": a tag without a repository
    }
    try {
      return List.of(ImageReference.parse(name));
    } catch (InvalidReferenceException e) {
      return List.of();
    }
  }

}
