package dev.peapod.provider.qemu;

import dev.peapod.provider.qemu.runtime.JsonFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * Chooses KVM or TCG. {@code /dev/kvm} existing proves little (on a nested or
 * paravirtualised host a KVM guest may hang at boot), so KVM is chosen only
 * when a real boot of the real kernel and initrd reaches guest-init's READY
 * under it within a short timeout; otherwise TCG.
 *
 * <p>The verdict is cached in the state directory, keyed by everything that
 * could change it: the host's boot id, the QEMU binary and the kernel and
 * initrd (path and modification time). So the probe boot costs once per host
 * boot. An explicit accelerator (PEAPOD_ACCEL) skips all of this.
 */
public final class AcceleratorProbe {

  /** Boots a guest with KVM and tells whether it reached READY within the timeout. */
  @FunctionalInterface
  public interface KvmBootTest {
    boolean boots(Duration timeout);
  }

  /** What a cached verdict is valid for. */
  public record CacheKey(String hostBootId, String qemuBinary, String kernel, long kernelMtime,
      String initrd, long initrdMtime) {}

  /** The cache file's content. */
  record CachedVerdict(CacheKey key, Accelerator accelerator) {}

  private static final System.Logger LOG = System.getLogger(AcceleratorProbe.class.getName());

  private final Optional<Accelerator> override;
  private final boolean kvmDevicePresent;
  private final KvmBootTest bootTest;
  private final Path cacheFile;
  private final CacheKey key;
  private final Duration timeout;

  public AcceleratorProbe(Optional<Accelerator> override, boolean kvmDevicePresent, KvmBootTest bootTest,
      Path cacheFile, CacheKey key, Duration timeout) {
    this.override = override;
    this.kvmDevicePresent = kvmDevicePresent;
    this.bootTest = bootTest;
    this.cacheFile = cacheFile;
    this.key = key;
    this.timeout = timeout;
  }

  /** Whether /dev/kvm exists and this process may open it. */
  public static boolean kvmDevicePresent() {
    Path dev = Path.of("/dev/kvm");
    return Files.exists(dev) && Files.isReadable(dev) && Files.isWritable(dev);
  }

  /** The cache key for the current host and these guest files. */
  public static CacheKey keyFor(String hostBootId, String qemuBinary, Path kernel, Path initrd) {
    return new CacheKey(hostBootId, qemuBinary, kernel.toString(), mtime(kernel), initrd.toString(), mtime(initrd));
  }

  /** The accelerator to use: the override, else the cached verdict, else the result of a probe boot. */
  public synchronized Accelerator choose() {
    if (override.isPresent()) {
      return override.get();
    }
    if (!kvmDevicePresent) {
      return Accelerator.TCG;
    }
    Optional<Accelerator> cached = cached();
    if (cached.isPresent()) {
      return cached.get();
    }
    Accelerator verdict = bootTest.boots(timeout) ? Accelerator.KVM : Accelerator.TCG;
    LOG.log(System.Logger.Level.INFO, "accelerator probe: " + verdict.id()
        + (verdict == Accelerator.TCG ? " (a KVM guest did not reach READY within " + timeout.toMillis() + " ms)" : ""));
    try {
      Files.createDirectories(cacheFile.getParent());
      JsonFiles.write(cacheFile, new CachedVerdict(key, verdict));
    } catch (IOException e) {
      LOG.log(System.Logger.Level.WARNING, "cannot cache the accelerator verdict in " + cacheFile + ": " + e);
    }
    return verdict;
  }

  private Optional<Accelerator> cached() {
    try {
      return JsonFiles.read(cacheFile, CachedVerdict.class)
          .filter(v -> key.equals(v.key()))
          .map(CachedVerdict::accelerator);
    } catch (IOException e) {
      return Optional.empty(); // unreadable or from an older format: probe again
    }
  }

  private static long mtime(Path file) {
    try {
      return Files.getLastModifiedTime(file).toMillis();
    } catch (IOException e) {
      return -1;
    }
  }
}
