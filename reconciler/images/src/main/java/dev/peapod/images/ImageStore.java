package dev.peapod.images;

import dev.peapod.images.archive.ArchiveLoader;
import dev.peapod.images.archive.LoadedImage;
import dev.peapod.images.oci.Digest;
import dev.peapod.images.oci.ImageConfig;
import dev.peapod.images.oci.OciJson;
import dev.peapod.images.oci.Platform;
import dev.peapod.images.reference.ImageReference;
import dev.peapod.images.registry.ImagePuller;
import dev.peapod.images.registry.RegistryClient;
import dev.peapod.images.registry.PullSecretKeyring;
import dev.peapod.images.registry.RegistryConfig;
import dev.peapod.images.registry.RetryPolicy;
import dev.peapod.images.store.BlobStore;
import dev.peapod.images.store.ErofsBuilder;
import dev.peapod.images.store.ImageAssembler;
import dev.peapod.images.store.ImageBlueprint;
import dev.peapod.images.store.ImageRecord;
import dev.peapod.images.store.RefRecord;
import dev.peapod.images.store.RefsFile;
import dev.peapod.images.store.SingleFlight;
import dev.peapod.images.store.StagingArea;
import dev.peapod.images.store.StoreLayout;
import dev.peapod.images.store.StoreLocks;
import dev.peapod.images.store.TempSpace;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * The local image store: OCI images turned into read-only erofs root filesystems,
 * cached by image id and shared by every pod. Its operations are those of
 * {@code peapod image ls | pull | load | inspect | rm | prune}, plus {@link #ensure}
 * for pod creation (pull only if missing, like Kubernetes' IfNotPresent).
 *
 * <p>Safe to use from many threads and from several processes on one store: the same
 * image is downloaded and built once, a crash leaves nothing half-written in sight,
 * and prune never races a running pull. See {@link StoreLayout} for the files.
 */
// "try": locks are held by try-with-resources blocks that never touch the lock object.
@SuppressWarnings("try")
public final class ImageStore implements AutoCloseable {
  private final StoreLayout layout;
  private final TempSpace temp;
  private final StoreLocks locks;
  private final BlobStore blobs;
  private final RefsFile refs;
  private final ImageAssembler assembler;
  private final ImagePuller puller;
  private final Builder builder;
  private final ArchiveLoader loader;
  private final ExecutorService downloads;
  private final SingleFlight<Digest, ImageRecord> builds = new SingleFlight<>();

  private ImageStore(Builder builder) {
    layout = new StoreLayout(builder.root);
    temp = new TempSpace(layout.tmpDir());
    locks = new StoreLocks(layout.locksDir());
    blobs = new BlobStore(layout, temp, locks);
    refs = new RefsFile(layout.refsFile(), temp, locks);
    int uid = processUid(layout.tmpDir());
    StagingArea staging = builder.stageInMemory
        ? StagingArea.preferMemory(temp, Path.of("/dev/shm"), uid)
        : StagingArea.disk(temp);
    assembler = new ImageAssembler(layout, temp, staging, builder.erofs, uid == 0, builder.limits);
    downloads = Executors.newFixedThreadPool(builder.concurrentDownloads, runnable -> {
      Thread thread = new Thread(runnable, "peapod-image-download");
      thread.setDaemon(true);
      return thread;
    });
    RegistryClient client = new RegistryClient(builder.registries, builder.http, builder.retry,
        builder.limits.maxManifestBytes());
    puller = new ImagePuller(client, blobs, builder.platform, builder.retry, downloads, builder.limits);
    this.builder = builder;
    loader = new ArchiveLoader(blobs, builder.platform, builder.limits);
    try {
      temp.removeAbandoned();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot clean " + layout.tmpDir(), e);
    }
  }

  /** A store under {@code root} (created if missing), e.g. {@code $PEAPOD_HOME/images}. */
  public static Builder builder(Path root) {
    return new Builder(root);
  }

  /** All images, newest first. */
  public List<StoredImage> list() {
    try {
      TreeMap<String, RefRecord> refMap = refs.read();
      List<StoredImage> images = new ArrayList<>();
      for (Digest id : imageIds()) {
        describe(id, refMap).ifPresent(images::add);
      }
      images.sort((a, b) -> b.built().compareTo(a.built()));
      return images;
    } catch (IOException e) {
      throw storeFailure("image store", e);
    }
  }

  /** Resolves the reference at its registry (always, like {@code docker pull}) and builds the image if new. */
  public StoredImage pull(String reference, PullListener listener) {
    return pull(reference, listener, PullSecretKeyring.EMPTY);
  }

  /**
   * {@link #pull(String, PullListener)} with a pod's pull secrets, which its registry gets before
   * the host's own credentials. The image is then in the store for every pod, as a kubelet's
   * image cache is (Kubernetes' default without the AlwaysPullImages admission plugin).
   */
  public StoredImage pull(String reference, PullListener listener, PullSecretKeyring keyring) {
    ImagePuller puller = keyring.isEmpty() ? this.puller : new ImagePuller(
        new RegistryClient(builder.registries.withKeyring(keyring), builder.http, builder.retry,
            builder.limits.maxManifestBytes()), blobs, builder.platform, builder.retry, downloads, builder.limits);
    ImageReference ref = ImageReference.parse(reference);
    try (StoreLocks.Held shared = locks.shared()) {
      ImagePuller.Resolved resolved = puller.resolve(ref, reference, listener);
      ImageBlueprint blueprint = resolved.blueprint();
      ensureBuilt(blueprint, () -> puller.fetchLayers(ref, blueprint, listener), ref.toString(), listener);
      tag(ref, blueprint.id(), blueprint.manifestDigest(), resolved.index());
      return require(blueprint.id(), reference);
    } catch (IOException e) {
      throw storeFailure(reference, e);
    }
  }

  /**
   * The image for a reference, pulled only if the store has none for it — no network
   * when it does. What pod creation calls.
   */
  public StoredImage ensure(String reference, PullListener listener) {
    return ensure(reference, listener, PullSecretKeyring.EMPTY);
  }

  /** {@link #ensure(String, PullListener)}, pulling with a pod's pull secrets when it pulls. */
  public StoredImage ensure(String reference, PullListener listener, PullSecretKeyring keyring) {
    Optional<StoredImage> image = present(reference);
    if (image.isPresent()) {
      listener.alreadyPresent(reference, image.get().id());
      return image.get();
    }
    return pull(reference, listener, keyring);
  }

  /**
   * The image {@link #ensure} would take without pulling, or empty when it would pull: what a
   * caller that must not touch the network (a command handed to the controller) asks first.
   */
  public Optional<StoredImage> present(String reference) {
    ImageReference ref = ImageReference.parse(reference);
    try {
      RefRecord known = refs.read().get(ref.toString());
      if (known != null) {
        return describe(Digest.parse(known.image()), refs.read());
      }
      return Optional.empty();
    } catch (IOException e) {
      throw storeFailure(reference, e);
    }
  }

  /**
   * Loads every image of an OCI layout directory, OCI archive or docker-save archive.
   *
   * @param tagAs reference to give the image (for archives without names); null keeps the archive's names.
   *     Only valid when the archive holds one image.
   */
  public List<StoredImage> load(Path source, String tagAs, PullListener listener) {
    ImageReference tag = tagAs == null ? null : ImageReference.parse(tagAs);
    try (StoreLocks.Held shared = locks.shared()) {
      List<LoadedImage> loaded = loader.load(source);
      if (tag != null && loaded.size() != 1) {
        throw new ImageFormatException(source.toString(), "holds " + loaded.size() + " images; cannot tag them all as " + tagAs);
      }
      List<StoredImage> result = new ArrayList<>();
      for (LoadedImage image : loaded) {
        ImageBlueprint blueprint = image.blueprint();
        listener.resolved(blueprint.image(), blueprint.manifestDigest(), blueprint.id());
        List<CompletableFuture<Path>> layers = blueprint.manifest().layers().stream()
            .map(l -> CompletableFuture.completedFuture(blobs.path(l.digest())))
            .toList();
        ensureBuilt(blueprint, () -> layers, source.toString(), listener);
        List<ImageReference> names = tag != null ? List.of(tag) : image.names();
        for (ImageReference name : names) {
          tag(name, blueprint.id(), blueprint.manifestDigest(), null);
        }
        result.add(require(blueprint.id(), source.toString()));
      }
      return result;
    } catch (IOException e) {
      throw storeFailure(source.toString(), e);
    }
  }

  /** One image, by reference ({@code busybox}), full id ({@code sha256:...}) or unique id prefix. */
  public StoredImage inspect(String referenceOrId) {
    try {
      return describe(resolveLocal(referenceOrId, refs.read()), refs.read())
          .orElseThrow(() -> new ImageNotFoundException(referenceOrId, "no such image in the store"));
    } catch (IOException e) {
      throw storeFailure(referenceOrId, e);
    }
  }

  /**
   * Removes a reference, and the image once no reference is left — as {@code docker rmi}.
   * By id, removes the image and every reference to it.
   *
   * @throws ImageInUseException naming the pods, when pods use the image; nothing is removed then
   */
  public RemoveResult remove(String referenceOrId, ImageUsage usage) {
    try (StoreLocks.Held collector = locks.collector()) {
      TreeMap<String, RefRecord> refMap = refs.read();
      Digest id = resolveLocal(referenceOrId, refMap);
      StoredImage image = describe(id, refMap)
          .orElseThrow(() -> new ImageNotFoundException(referenceOrId, "no such image in the store"));
      refuseIfUsed(referenceOrId, image, usage);
      boolean byId = !refMap.containsKey(asReference(referenceOrId));
      List<String> untagged = byId ? image.references() : List.of(asReference(referenceOrId));
      refs.update(map -> untagged.forEach(map::remove));
      List<Digest> deleted = new ArrayList<>();
      if (byId || image.references().size() == 1) {
        deleteImage(id);
        deleted.add(id);
      }
      return new RemoveResult(untagged, deleted);
    } catch (IOException e) {
      throw storeFailure(referenceOrId, e);
    }
  }

  /**
   * Frees space: images without references (all images with {@code all}) that no pod
   * uses, every blob no remaining image or reference needs, and work abandoned by
   * crashed processes.
   */
  public PruneResult prune(ImageUsage usage, boolean all) {
    try (StoreLocks.Held collector = locks.collector()) {
      temp.removeAbandoned();
      TreeMap<String, RefRecord> refMap = refs.read();
      List<Digest> removed = new ArrayList<>();
      long bytes = 0;
      for (Digest id : imageIds()) {
        Optional<StoredImage> image = describe(id, refMap);
        if (image.isEmpty() || (!all && !image.get().references().isEmpty())
            || !usage.podsUsing(image.get()).isEmpty()) {
          continue;
        }
        bytes += image.get().rootfsBytes();
        List<String> references = image.get().references();
        refs.update(map -> references.forEach(map::remove));
        deleteImage(id);
        removed.add(id);
      }
      int blobCount = 0;
      Set<String> needed = neededBlobs(refs.read());
      for (Digest blob : blobs.list()) {
        if (!needed.contains(blob.toString())) {
          bytes += blobs.delete(blob);
          blobCount++;
        }
      }
      return new PruneResult(removed, blobCount, bytes);
    } catch (IOException e) {
      throw storeFailure("image store", e);
    }
  }

  /** Where the store keeps its files. */
  public Path root() {
    return layout.root();
  }

  @Override
  public void close() {
    downloads.shutdownNow();
  }

  private void ensureBuilt(ImageBlueprint blueprint, Supplier<List<CompletableFuture<Path>>> layers, String source,
      PullListener listener) throws IOException {
    Digest id = blueprint.id();
    if (Files.isDirectory(layout.imageDir(id))) {
      listener.alreadyPresent(blueprint.image(), id);
      return;
    }
    try {
      builds.run(id, () -> {
        try (StoreLocks.Held lock = locks.exclusive("image-" + id.hex())) {
          if (Files.isDirectory(layout.imageDir(id))) { // another process built it meanwhile
            listener.alreadyPresent(blueprint.image(), id);
            return readRecord(id);
          }
          return assembler.build(blueprint, layers.get(), source, listener);
        }
      });
    } catch (IOException | RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IOException(e);
    }
  }

  private void tag(ImageReference ref, Digest id, Digest manifest, Digest index) throws IOException {
    RefRecord record = new RefRecord(id.toString(), manifest.toString(), index == null ? null : index.toString(),
        Instant.now().toString());
    refs.update(map -> map.put(ref.toString(), record));
  }

  private Digest resolveLocal(String referenceOrId, Map<String, RefRecord> refMap) throws IOException {
    String text = referenceOrId.startsWith("sha256:") ? referenceOrId.substring("sha256:".length()) : referenceOrId;
    if (text.matches("[a-f0-9]{4,64}")) {
      List<Digest> matches = imageIds().stream().filter(id -> id.hex().startsWith(text)).toList();
      if (matches.size() == 1) {
        return matches.get(0);
      }
      if (matches.size() > 1) {
        throw new ImageNotFoundException(referenceOrId, "id prefix is ambiguous (" + matches.size() + " images)");
      }
      if (referenceOrId.startsWith("sha256:")) {
        throw new ImageNotFoundException(referenceOrId, "no image with this id in the store");
      }
    }
    RefRecord record = refMap.get(asReference(referenceOrId));
    if (record == null) {
      throw new ImageNotFoundException(referenceOrId, "no such image in the store");
    }
    return Digest.parse(record.image());
  }

  private static String asReference(String text) {
    try {
      return ImageReference.parse(text).toString();
    } catch (InvalidReferenceException e) {
      return text;
    }
  }

  private static void refuseIfUsed(String name, StoredImage image, ImageUsage usage) {
    List<String> pods = new ArrayList<>(usage.podsUsing(image));
    if (!pods.isEmpty()) {
      pods.sort(null);
      throw new ImageInUseException(name, pods);
    }
  }

  /** Renames the image directory into tmp/ first: a crash mid-delete leaves no half image in images/. */
  private void deleteImage(Digest id) throws IOException {
    Path dir = layout.imageDir(id);
    if (!Files.exists(dir)) {
      return;
    }
    Path trash = temp.newPath("trash");
    Files.move(dir, trash, StandardCopyOption.ATOMIC_MOVE);
    TempSpace.deleteTree(trash);
  }

  private Set<String> neededBlobs(Map<String, RefRecord> refMap) throws IOException {
    Set<String> needed = new HashSet<>();
    for (Digest id : imageIds()) {
      needed.addAll(readRecord(id).blobs());
      needed.add(id.toString());
    }
    for (RefRecord ref : refMap.values()) {
      needed.add(ref.manifest());
      if (ref.index() != null) {
        needed.add(ref.index());
      }
    }
    return needed;
  }

  private List<Digest> imageIds() throws IOException {
    List<Digest> ids = new ArrayList<>();
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(layout.imagesDir())) {
      for (Path dir : dirs) {
        try {
          ids.add(new Digest("sha256", dir.getFileName().toString()));
        } catch (IllegalArgumentException e) {
          // not ours
        }
      }
    }
    return ids;
  }

  private ImageRecord readRecord(Digest id) throws IOException {
    return OciJson.MAPPER.readValue(layout.imageDir(id).resolve("image.json").toFile(), ImageRecord.class);
  }

  private Optional<StoredImage> describe(Digest id, Map<String, RefRecord> refMap) throws IOException {
    Path dir = layout.imageDir(id);
    if (!Files.isDirectory(dir)) {
      return Optional.empty();
    }
    ImageRecord record = readRecord(id);
    ImageConfig config = ImageConfig.parse(Files.readAllBytes(dir.resolve("config.json")), id.toString());
    List<String> references = refMap.entrySet().stream()
        .filter(e -> e.getValue().image().equals(id.toString()))
        .map(Map.Entry::getKey)
        .sorted()
        .toList();
    return Optional.of(new StoredImage(id, references, Digest.parse(record.manifest()), layout.rootfs(id), config,
        record.rootfsBytes(), Instant.parse(record.built()), record.source()));
  }

  private StoredImage require(Digest id, String name) throws IOException {
    return describe(id, refs.read())
        .orElseThrow(() -> new ImageException(name, "image " + id + " vanished from the store (pruned concurrently?)"));
  }

  private static ImageException storeFailure(String image, IOException e) {
    return new ImageException(image, "image store I/O failed: " + e, e);
  }

  /** The uid that owns the files we create (Java cannot ask for it directly); 0 means chown will work. */
  private static int processUid(Path dir) {
    try {
      Path probe = Files.createTempFile(dir, "uid-probe", null);
      try {
        return (Integer) Files.getAttribute(probe, "unix:uid");
      } finally {
        Files.deleteIfExists(probe);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write to " + dir, e);
    }
  }

  /** Options of a store; every one has a production default. */
  public static final class Builder {
    private final Path root;
    private RegistryConfig registries = RegistryConfig.empty();
    private Platform platform = Platform.LINUX_AMD64;
    private RetryPolicy retry = RetryPolicy.DEFAULT;
    private HttpClient http;
    private ErofsBuilder erofs = ErofsBuilder.systemDefault();
    private int concurrentDownloads = 3; // Docker's default max-concurrent-downloads
    private boolean stageInMemory = true;
    private ImageLimits limits = ImageLimits.DEFAULT;

    private Builder(Path root) {
      this.root = root;
    }

    public Builder registries(RegistryConfig config) {
      this.registries = config;
      return this;
    }

    /** The platform to pick from image indexes; linux/amd64 unless told otherwise. */
    public Builder platform(Platform value) {
      this.platform = value;
      return this;
    }

    public Builder retry(RetryPolicy policy) {
      this.retry = policy;
      return this;
    }

    /** Must not follow redirects itself; see {@link RegistryClient#defaultHttpClient()}. */
    public Builder httpClient(HttpClient client) {
      this.http = client;
      return this;
    }

    public Builder mkfsErofs(String command) {
      this.erofs = new ErofsBuilder(command);
      return this;
    }

    /**
     * Unpack layers on tmpfs ({@code /dev/shm}) when it has room; on by default, see
     * {@link StagingArea}. Off: always in the store's tmp/ on disk.
     */
    public Builder stageInMemory(boolean value) {
      this.stageInMemory = value;
      return this;
    }

    /** Bounds on image data; {@link ImageLimits#DEFAULT} unless told otherwise. */
    public Builder limits(ImageLimits value) {
      this.limits = java.util.Objects.requireNonNull(value, "limits");
      return this;
    }

    public Builder concurrentDownloads(int count) {
      if (count < 1) {
        throw new IllegalArgumentException("concurrentDownloads must be at least 1");
      }
      this.concurrentDownloads = count;
      return this;
    }

    public ImageStore build() {
      return new ImageStore(this); // without httpClient(), the registry client makes one when first needed
    }
  }
}
