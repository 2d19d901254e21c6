package dev.peapod.images.bench;

import dev.peapod.images.ImageStore;
import dev.peapod.images.PullListener;
import dev.peapod.images.StoredImage;
import dev.peapod.images.oci.Digest;
import dev.peapod.images.registry.RegistryConfig;
import dev.peapod.images.testing.LocalRegistry;
import dev.peapod.images.testing.OciImageBuilder;
import dev.peapod.images.testing.TarBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * bench/image-pull: pull + convert a ~100 MB multi-layer image from a local registry,
 * against skopeo copy + umoci unpack + mkfs.erofs on the same image in the same run;
 * then the cost of a second use. Prints {@code name: value unit} lines last.
 *
 * <p>Usage: ImagePullBench WORK_DIR RUNS
 */
public final class ImagePullBench {
  private static final long IMAGE_BYTES = 100L << 20;
  private static final int LAYERS = 4;
  /** Present on every machine scripts/install-deps.sh prepared (gcc, JDK, QEMU, tzdata). */
  private static final List<Path> SOURCES = List.of(Path.of("/usr/lib/gcc"), Path.of("/usr/lib/jvm"),
      Path.of("/usr/share/qemu"), Path.of("/usr/share/zoneinfo"), Path.of("/usr/lib/x86_64-linux-gnu"));

  public static void main(String[] args) throws Exception {
    Path work = Path.of(args[0]).toAbsolutePath();
    int runs = Integer.parseInt(args[1]);
    deleteTree(work);
    Files.createDirectories(work);

    System.err.println("image-pull: building a ~100 MB image in " + LAYERS + " layers from local files");
    long[] sizes = new long[2];
    Path layout = work.resolve("layout");
    buildImage(sizes).writeLayout(layout, "1");
    try (LocalRegistry registry = LocalRegistry.start(work.resolve("registry"))) {
      registry.push(layout, "1", "bench/big:1", false);
      String ref = registry.host() + "/bench/big:1";
      RegistryConfig config = RegistryConfig.empty().withInsecure(registry.host());

      List<Long> peapod = new ArrayList<>();
      List<Long> peapodDisk = new ArrayList<>();
      List<Long> baseline = new ArrayList<>();
      StoredImage last = null;
      for (int run = 1; run <= runs; run++) {
        // alternate the order so neither side always gets the warmer page cache
        if (run % 2 == 1) {
          baseline.add(baseline(work, registry.host()));
        }
        Path storeDir = work.resolve("store");
        deleteTree(storeDir);
        try (ImageStore store = ImageStore.builder(storeDir).registries(config).build()) {
          long start = System.nanoTime();
          long[] phases = new long[3];
          last = store.pull(ref, new PullListener() {
            @Override
            public void resolved(String image, Digest manifest, Digest imageId) {
              phases[0] = System.nanoTime() - start;
            }

            @Override
            public void layerDone(dev.peapod.images.oci.Descriptor layer, boolean cached) {
              phases[1] = System.nanoTime() - start;
            }

            @Override
            public void built(String image, Digest imageId, java.time.Duration took) {
              phases[2] = System.nanoTime() - start;
            }
          });
          peapod.add(System.nanoTime() - start);
          System.err.printf("image-pull: peapod phases: resolved %d ms, last layer downloaded %d ms, built %d ms%n",
              phases[0] / 1_000_000, phases[1] / 1_000_000, phases[2] / 1_000_000);
        }
        deleteTree(storeDir);
        try (ImageStore store = ImageStore.builder(storeDir).registries(config).stageInMemory(false).build()) {
          long start = System.nanoTime();
          store.pull(ref, PullListener.NONE);
          peapodDisk.add(System.nanoTime() - start);
        }
        deleteTree(storeDir);
        try (ImageStore store = ImageStore.builder(storeDir).registries(config).build()) {
          last = store.pull(ref, PullListener.NONE); // the store the second-use figures start from
        }
        if (run % 2 == 0) {
          baseline.add(baseline(work, registry.host()));
        }
        System.err.printf("image-pull: run %d peapod %d ms (disk staging %d ms), baseline %d ms%n", run,
            peapod.get(peapod.size() - 1) / 1_000_000, peapodDisk.get(peapodDisk.size() - 1) / 1_000_000,
            baseline.get(baseline.size() - 1) / 1_000_000);
      }

      // Second use: the same store, image already there.
      List<Long> ensure = new ArrayList<>();
      List<Long> repull = new ArrayList<>();
      AtomicInteger builds = new AtomicInteger();
      PullListener counting = new PullListener() {
        @Override
        public void building(String image, Digest imageId) {
          builds.incrementAndGet();
        }
      };
      Object inode;
      long erofsFiles;
      try (ImageStore store = ImageStore.builder(work.resolve("store")).registries(config).build()) {
        inode = Files.getAttribute(last.rootfs(), "unix:ino");
        for (int run = 0; run < runs; run++) {
          long start = System.nanoTime();
          store.ensure(ref, counting);
          ensure.add(System.nanoTime() - start);
          start = System.nanoTime();
          store.pull(ref, counting);
          repull.add(System.nanoTime() - start);
        }
        erofsFiles = countErofs(work.resolve("store/images"));
        if (!inode.equals(Files.getAttribute(store.inspect(ref).rootfs(), "unix:ino"))) {
          throw new IllegalStateException("second use replaced the erofs file");
        }
      }

      double p = median(peapod) / 1e6;
      double b = median(baseline) / 1e6;
      System.out.printf("image_size: %d MiB uncompressed, %d MiB compressed, %d layers%n",
          sizes[0] >> 20, sizes[1] >> 20, LAYERS);
      System.out.printf("image_rootfs: %d MiB erofs%n", last.rootfsBytes() >> 20);
      System.out.printf("image_pull_peapod: %.0f ms (median of %d; registry pull + verify + apply + mkfs.erofs)%n", p, runs);
      System.out.printf("image_pull_baseline: %.0f ms (median of %d; skopeo copy + umoci unpack + mkfs.erofs)%n", b, runs);
      System.out.printf("image_pull_ratio: %.2f x (peapod / baseline, target <= 1.0)%n", p / b);
      double d = median(peapodDisk) / 1e6;
      System.out.printf("image_pull_peapod_disk_staging: %.0f ms (median of %d; unpacked on disk instead of tmpfs, ratio %.2f x)%n",
          d, runs, d / b);
      System.out.printf("image_second_ensure: %.1f ms (median of %d; builds: %d)%n", median(ensure) / 1e6, runs, builds.get());
      System.out.printf("image_second_pull: %.1f ms (median of %d; tag re-resolved, builds: %d, erofs files: %d)%n",
          median(repull) / 1e6, runs, builds.get(), erofsFiles);
    }
  }

  private static long baseline(Path work, String host) throws IOException {
    Path oci = work.resolve("baseline-oci");
    Path bundle = work.resolve("baseline-bundle");
    Path erofs = work.resolve("baseline.erofs");
    deleteTree(oci);
    deleteTree(bundle);
    Files.deleteIfExists(erofs);
    long start = System.nanoTime();
    LocalRegistry.run(List.of("skopeo", "--insecure-policy", "copy", "--quiet", "--src-tls-verify=false",
        "docker://" + host + "/bench/big:1", "oci:" + oci + ":1"));
    long copied = System.nanoTime();
    LocalRegistry.run(List.of("umoci", "unpack", "--image", oci + ":1", bundle.toString()));
    long unpacked = System.nanoTime();
    LocalRegistry.run(List.of("mkfs.erofs", "--quiet", erofs.toString(), bundle.resolve("rootfs").toString()));
    long end = System.nanoTime();
    System.err.printf("image-pull: baseline phases: skopeo %d ms, umoci %d ms, mkfs.erofs %d ms%n",
        (copied - start) / 1_000_000, (unpacked - copied) / 1_000_000, (end - unpacked) / 1_000_000);
    return end - start;
  }

  /** Files from {@link #SOURCES}, in path order, until about 100 MB, cut into equal layers. */
  private static OciImageBuilder buildImage(long[] sizes) throws IOException {
    OciImageBuilder image = new OciImageBuilder().cmd("/bin/sh");
    long perLayer = IMAGE_BYTES / LAYERS;
    long total = 0;
    long inLayer = 0;
    TarBuilder layer = new TarBuilder();
    int layers = 0;
    outer:
    for (Path source : SOURCES) {
      if (!Files.isDirectory(source)) {
        continue;
      }
      try (Stream<Path> walk = Files.walk(source)) {
        for (Path path : (Iterable<Path>) walk.sorted()::iterator) {
          String name = path.toString().substring(1);
          int mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
          if (Files.isSymbolicLink(path)) {
            layer.symlink(name, Files.readSymbolicLink(path).toString());
          } else if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
            layer.dir(name, mode);
          } else if (Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS) && Files.isReadable(path)
              && Files.size(path) <= perLayer / 4) { // no single giant file (the JDK's lib/modules): keep layers even
            byte[] content = Files.readAllBytes(path);
            layer.file(name, mode, content);
            inLayer += content.length;
            total += content.length;
          }
          if (inLayer >= perLayer) {
            byte[] tar = layer.build();
            sizes[0] += tar.length;
            sizes[1] += OciImageBuilder.compress(tar, OciImageBuilder.Compression.GZIP).length;
            image.layer(tar, OciImageBuilder.Compression.GZIP);
            layer = new TarBuilder();
            inLayer = 0;
            if (++layers == LAYERS) {
              break outer;
            }
          }
        }
      }
    }
    if (layers < LAYERS) {
      throw new IllegalStateException("only " + total + " bytes of files found for the benchmark image");
    }
    return image;
  }

  private static long countErofs(Path images) throws IOException {
    try (Stream<Path> files = Files.walk(images)) {
      return files.filter(f -> f.toString().endsWith(".erofs")).count();
    }
  }

  private static double median(List<Long> values) {
    List<Long> sorted = new ArrayList<>(values);
    sorted.sort(null);
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2.0;
  }

  private static void deleteTree(Path path) throws IOException {
    if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(path)) {
      for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
        Files.delete(p);
      }
    }
  }
}
