package dev.peapod.images.store;

import dev.peapod.files.AtomicFiles;
import dev.peapod.images.ImageException;
import dev.peapod.images.ImageLimits;
import dev.peapod.images.PullListener;
import dev.peapod.images.layer.LayerApplier;
import dev.peapod.images.layer.XattrNotKeptException;
import dev.peapod.images.oci.Descriptor;
import dev.peapod.images.oci.LayerCompression;
import dev.peapod.images.oci.OciJson;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Builds {@code images/HEX/} from a blueprint and its layer blobs: applies the layers in
 * a {@link StagingArea}, runs mkfs.erofs into a directory under tmp/, writes config.json
 * and image.json beside it, and renames the finished directory into place. Layers are applied as soon as each
 * arrives, so applying layer 1 overlaps downloading layer 2.
 */
public final class ImageAssembler {
  private final StoreLayout layout;
  private final TempSpace temp;
  private final StagingArea staging;
  private final ErofsBuilder erofs;
  private final boolean keepOwnership;
  private final ImageLimits limits;

  public ImageAssembler(StoreLayout layout, TempSpace temp, StagingArea staging, ErofsBuilder erofs, boolean keepOwnership,
      ImageLimits limits) {
    this.limits = limits;
    this.layout = layout;
    this.temp = temp;
    this.staging = staging;
    this.erofs = erofs;
    this.keepOwnership = keepOwnership;
  }

  /**
   * @param layerBlobs one future per manifest layer, completing with the verified blob file
   */
  public ImageRecord build(ImageBlueprint blueprint, List<CompletableFuture<Path>> layerBlobs, String source,
      PullListener listener) throws IOException {
    Instant start = Instant.now();
    listener.building(blueprint.image(), blueprint.id());
    Path imageDir = temp.newDirectory("image");
    try {
      Path erofsFile = imageDir.resolve("rootfs.erofs");
      List<String> warnings = unpackAndPack(blueprint, layerBlobs, erofsFile);
      AtomicFiles.force(erofsFile);
      write(imageDir.resolve("config.json"), blueprint.configBytes());
      ImageRecord record = new ImageRecord(blueprint.id().toString(), blueprint.manifestDigest().toString(),
          blobs(blueprint), Files.size(erofsFile), Instant.now().toString(), source);
      write(imageDir.resolve("image.json"), OciJson.write(record));
      Path target = layout.imageDir(blueprint.id());
      if (!Files.exists(target)) {
        AtomicFiles.syncDirectory(imageDir); // its three names, before the rename publishes them
        Files.move(imageDir, target, StandardCopyOption.ATOMIC_MOVE);
        AtomicFiles.syncDirectory(target.getParent());
      }
      staging.notice().ifPresent(n -> listener.warning(blueprint.image(), n));
      warnings.forEach(w -> listener.warning(blueprint.image(), w));
      listener.built(blueprint.image(), blueprint.id(), Duration.between(start, Instant.now()));
      return record;
    } finally {
      TempSpace.deleteTree(imageDir);
    }
  }

  /** Unpacks the layers in the staging area and packs them with mkfs.erofs; retries on disk if tmpfs drops an xattr. */
  private List<String> unpackAndPack(ImageBlueprint blueprint, List<CompletableFuture<Path>> layerBlobs, Path erofsFile)
      throws IOException {
    Path rootfs = staging.newRoot(estimatedSize(blueprint));
    try {
      List<String> warnings;
      try {
        warnings = applyLayers(blueprint, layerBlobs, rootfs, staging.inMemory(rootfs));
      } catch (XattrNotKeptException e) {
        TempSpace.deleteTree(rootfs);
        rootfs = staging.newDiskRoot();
        warnings = applyLayers(blueprint, layerBlobs, rootfs, false);
      }
      erofs.build(rootfs, erofsFile, blueprint.id().toString(), blueprint.image());
      return warnings;
    } finally {
      TempSpace.deleteTree(rootfs);
    }
  }

  /** Unpacked size, guessed: compressed tar layers shrink about 3 to 4 times. */
  private static long estimatedSize(ImageBlueprint blueprint) {
    long total = 0;
    for (Descriptor layer : blueprint.manifest().layers()) {
      total += layer.mediaType().endsWith(".tar") || layer.mediaType().endsWith("diff.tar") ? layer.size() : 4 * layer.size();
    }
    return total;
  }

  private List<String> applyLayers(ImageBlueprint blueprint, List<CompletableFuture<Path>> layerBlobs, Path rootfs,
      boolean strictXattrs) throws IOException {
    LayerApplier applier = new LayerApplier(rootfs, keepOwnership, strictXattrs, limits);
    List<Descriptor> layers = blueprint.manifest().layers();
    boolean done = false;
    try {
      applyInOrder(blueprint, layerBlobs, applier, layers);
      done = true;
    } finally {
      if (!done) {
        layerBlobs.forEach(f -> f.cancel(true)); // stop downloads nobody will use
      }
    }
    return new ArrayList<>(applier.finish());
  }

  private void applyInOrder(ImageBlueprint blueprint, List<CompletableFuture<Path>> layerBlobs, LayerApplier applier,
      List<Descriptor> layers) throws IOException {
    for (int i = 0; i < layers.size(); i++) {
      Descriptor layer = layers.get(i);
      Path blob = await(layerBlobs.get(i));
      LayerCompression compression = LayerCompression.of(layer.mediaType(), blueprint.image());
      String name = "layer " + (i + 1) + "/" + layers.size() + " " + layer.digest();
      try (InputStream in = compression.decompress(Files.newInputStream(blob))) {
        applier.apply(in, blueprint.config().diffIds().get(i), blueprint.image(), name);
      } catch (java.util.zip.ZipException e) {
        throw new dev.peapod.images.ImageFormatException(blueprint.image(), name + ": corrupt compressed data: "
            + e.getMessage(), e);
      }
    }
  }

  /** Waits for one layer; rethrows the typed cause of a failure. */
  private static Path await(CompletableFuture<Path> future) throws IOException {
    try {
      return future.join();
    } catch (CompletionException | CancellationException e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      if (cause instanceof ImageException image) {
        throw image;
      }
      if (cause instanceof IOException io) {
        throw io;
      }
      if (cause instanceof java.io.UncheckedIOException io) {
        throw io.getCause();
      }
      throw new IOException(cause.getMessage(), cause);
    }
  }

  private static List<String> blobs(ImageBlueprint blueprint) {
    List<String> blobs = new ArrayList<>();
    blobs.add(blueprint.manifestDigest().toString());
    blobs.add(blueprint.id().toString());
    blueprint.manifest().layers().forEach(l -> blobs.add(l.digest().toString()));
    return blobs;
  }

  private static void write(Path file, byte[] bytes) throws IOException {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      channel.write(java.nio.ByteBuffer.wrap(bytes));
      channel.force(false);
    }
  }
}
