package dev.peapod.images.registry;

import dev.peapod.images.DigestMismatchException;
import dev.peapod.images.ImageFormatException;
import dev.peapod.images.ImageLimitException;
import dev.peapod.images.ImageLimits;
import dev.peapod.images.PullListener;
import dev.peapod.images.RegistryException;
import dev.peapod.images.oci.Descriptor;
import dev.peapod.images.oci.Digest;
import dev.peapod.images.oci.ImageConfig;
import dev.peapod.images.oci.ImageIndex;
import dev.peapod.images.oci.Manifest;
import dev.peapod.images.oci.MediaTypes;
import dev.peapod.images.oci.Platform;
import dev.peapod.images.reference.ImageReference;
import dev.peapod.images.store.BlobStore;
import dev.peapod.images.store.ImageBlueprint;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Pulls an image from a registry into the blob store: resolves the reference to one
 * manifest for our platform (through an index if there is one), then downloads the
 * layers concurrently.
 */
public final class ImagePuller {
  /** Report progress at most this often per layer, so listeners are not flooded. */
  private static final long PROGRESS_STEP = 256 << 10;

  private final RegistryClient client;
  private final BlobStore blobs;
  private final Platform platform;
  private final RetryPolicy retry;
  private final Executor downloads;
  private final ImageLimits limits;

  public ImagePuller(RegistryClient client, BlobStore blobs, Platform platform, RetryPolicy retry, Executor downloads,
      ImageLimits limits) {
    this.limits = limits;
    this.client = client;
    this.blobs = blobs;
    this.platform = platform;
    this.retry = retry;
    this.downloads = downloads;
  }

  /** What a reference resolved to. {@code index} is null when the reference named a manifest directly. */
  public record Resolved(ImageBlueprint blueprint, Digest index) {}

  /** Fetches index, manifest and config (small, sequential) and stores them as blobs. */
  public Resolved resolve(ImageReference ref, String image, PullListener listener) throws IOException {
    RegistryClient.FetchedManifest fetched = client.manifest(ref, ref.manifestReference(), image, listener);
    Digest index = null;
    for (int depth = 0; isIndex(fetched); depth++) {
      if (depth == 2) {
        throw new ImageFormatException(image, "image indexes nested more than two deep");
      }
      index = index == null ? fetched.digest() : index;
      blobs.putBytes(fetched.bytes());
      Descriptor chosen = ImageIndex.parse(fetched.bytes(), fetched.mediaType(), image).select(platform, image);
      fetched = client.manifest(ref, chosen.digest().toString(), image, listener);
      if (fetched.bytes().length != chosen.size()) {
        throw new DigestMismatchException(image, "manifest " + chosen.digest() + " has " + fetched.bytes().length
            + " bytes, the index says " + chosen.size());
      }
    }
    Manifest manifest = Manifest.parse(fetched.bytes(), fetched.mediaType(), image);
    blobs.putBytes(fetched.bytes());
    Descriptor config = manifest.config();
    checkConfigSize(config, image, limits);
    blobs.ensure(config.digest(), () -> blobs.put(config.digest(), config.size(),
        new ByteArrayInputStream(fetchConfig(ref, config, image, listener)), image + " config", null));
    byte[] configBytes = blobs.read(config.digest());
    ImageBlueprint blueprint = new ImageBlueprint(image, fetched.digest(), manifest, configBytes,
        ImageConfig.parse(configBytes, image));
    listener.resolved(image, fetched.digest(), blueprint.id());
    return new Resolved(blueprint, index);
  }

  /**
   * The config's bytes (at most one more than it claims: the store refuses a wrong size). Read
   * whole before the store writes it, so a registry that fails is a registry error and a disk
   * that fails is a store error.
   */
  private byte[] fetchConfig(ImageReference ref, Descriptor config, String image, PullListener listener) {
    try (InputStream in = client.blob(ref, config, image, listener)) {
      return in.readNBytes((int) Math.min(config.size() + 1, Integer.MAX_VALUE - 8));
    } catch (IOException e) {
      throw new RegistryException(image, "downloading config " + config.digest() + " failed: "
          + NetworkFailure.describe(e), e);
    }
  }

  /**
   * Starts downloading every layer not yet in the store; one future per layer, in
   * manifest order. Cancelling any of them (the build failed) stops the transfers still
   * running at their next chunk, so a failed pull does not keep downloading.
   */
  public List<CompletableFuture<Path>> fetchLayers(ImageReference ref, ImageBlueprint blueprint, PullListener listener) {
    AtomicBoolean aborted = new AtomicBoolean();
    List<CompletableFuture<Path>> futures = new ArrayList<>();
    for (Descriptor layer : blueprint.manifest().layers()) {
      CompletableFuture<Path> future = CompletableFuture.supplyAsync(() -> {
        try {
          return fetchLayer(ref, layer, blueprint.image(), listener, aborted);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }, downloads);
      future.whenComplete((path, failure) -> {
        if (failure instanceof CancellationException) {
          aborted.set(true);
        }
      });
      futures.add(future);
    }
    return futures;
  }

  private Path fetchLayer(ImageReference ref, Descriptor layer, String image, PullListener listener, AtomicBoolean aborted)
      throws IOException {
    if (aborted.get()) {
      throw new CancellationException("pull of " + image + " cancelled");
    }
    boolean downloaded = blobs.ensure(layer.digest(), () -> download(ref, layer, image, listener, aborted));
    listener.layerDone(layer, !downloaded);
    return blobs.path(layer.digest());
  }

  /**
   * Downloads one blob. Request-level failures are retried inside the client; this
   * loop retries a transfer cut off midway (restarting it — the temp file is discarded).
   */
  private void download(ImageReference ref, Descriptor layer, String image, PullListener listener, AtomicBoolean aborted)
      throws IOException {
    listener.layerStarted(layer);
    for (int attempt = 1; ; attempt++) {
      AtomicLong reported = new AtomicLong();
      try (InputStream in = client.blob(ref, layer, image, listener)) {
        blobs.put(layer.digest(), layer.size(), in, image + " layer " + layer.digest(), bytes -> {
          if (aborted.get()) {
            throw new CancellationException("pull of " + image + " cancelled"); // put() deletes its temp file
          }
          if (bytes - reported.get() >= PROGRESS_STEP || bytes == layer.size()) {
            reported.set(bytes);
            listener.layerProgress(layer, bytes);
          }
        });
        return;
      } catch (IOException e) {
        if (!retry.retryable(e) || attempt >= retry.attempts()) {
          throw new RegistryException(image, "downloading layer " + layer.digest() + " failed after "
              + attempt + (attempt == 1 ? " attempt: " : " attempts: ") + NetworkFailure.describe(e), e);
        }
        var delay = retry.delay(attempt + 1, null);
        listener.retrying("layer " + layer.digest(), attempt + 1, delay, NetworkFailure.describe(e));
        sleep(delay.toMillis());
      }
    }
  }

  /**
   * Refuses a config larger than the limit before a byte of it is fetched: it is read whole
   * into memory, and {@link BlobStore#put} reads no more than the size the manifest claims.
   */
  public static void checkConfigSize(Descriptor config, String image, ImageLimits limits) {
    if (config.size() > limits.maxConfigBytes()) {
      throw new ImageLimitException(image, "config " + config.digest() + " has " + config.size()
          + " bytes, over the limit maxConfigBytes (" + ImageLimits.bytes(limits.maxConfigBytes()) + ")");
    }
  }

  /** The document's own mediaType decides; then the Content-Type; then its shape. */
  private static boolean isIndex(RegistryClient.FetchedManifest fetched) {
    String declared = declaredMediaType(fetched.bytes());
    String type = declared != null ? declared : fetched.mediaType();
    if (type != null && (MediaTypes.isIndex(type) || MediaTypes.isManifest(type))) {
      return MediaTypes.isIndex(type);
    }
    return hasManifestsArray(fetched.bytes());
  }

  private static String declaredMediaType(byte[] json) {
    try {
      return dev.peapod.images.oci.OciJson.MAPPER.readTree(json).path("mediaType").textValue();
    } catch (IOException e) {
      return null;
    }
  }

  private static boolean hasManifestsArray(byte[] json) {
    try {
      return dev.peapod.images.oci.OciJson.MAPPER.readTree(json).path("manifests").isArray();
    } catch (IOException e) {
      return false;
    }
  }

  private static void sleep(long millis) throws IOException {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted while waiting to retry");
    }
  }
}
