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
 * <p>Every verdict is written to the state directory with its reason, also the
 * one taken without a probe boot because there is no usable KVM device, so a
 * person (or a test) can always read what was chosen and why. A probe boot's
 * verdict is reused while everything that could change it stays: the host's
 * boot id, the QEMU binary and the kernel and initrd (path and modification
 * time), so the probe boot costs once per host boot. A verdict taken without a
 * device is never reused: looking for the device costs nothing, and one loaded
 * later must get its probe. An explicit accelerator (PEAPOD_ACCEL) skips all of
 * this.
 */
public final class AcceleratorProbe {

  /** Boots a guest with KVM and tells why it did not reach READY within the timeout, or empty when it did. */
  @FunctionalInterface
  public interface KvmBootTest {
    Optional<String> failure(Duration timeout);
  }

  /** What a cached verdict is valid for. */
  public record CacheKey(String hostBootId, String qemuBinary, String kernel, long kernelMtime,
      String initrd, long initrdMtime) {}

  /**
   * The verdict file's content.
   *
   * @param probed whether a probe boot decided it; only such a verdict is reused
   * @param reason why, in words ("no /dev/kvm", "a KVM guest did not reach READY within 3000 ms: QEMU exited ...")
   */
  record Verdict(CacheKey key, Accelerator accelerator, boolean probed, String reason) {}

  private static final System.Logger LOG = System.getLogger(AcceleratorProbe.class.getName());

  private final Optional<Accelerator> override;
  private final Path kvmDevice;
  private final KvmBootTest bootTest;
  private final Path cacheFile;
  private final CacheKey key;
  private final Duration timeout;

  /**
   * @param kvmDevice where KVM is looked for: {@code /dev/kvm} but in tests, which name a path
   *     that does not exist to be a host without KVM (QEMU itself always opens {@code /dev/kvm})
   * @param cacheFile where the verdict is written
   */
  public AcceleratorProbe(Optional<Accelerator> override, Path kvmDevice, KvmBootTest bootTest,
      Path cacheFile, CacheKey key, Duration timeout) {
    this.override = override;
    this.kvmDevice = kvmDevice;
    this.bootTest = bootTest;
    this.cacheFile = cacheFile;
    this.key = key;
    this.timeout = timeout;
  }

  /** Why {@code device} cannot be used for KVM, or empty when it exists and this process may open it. */
  static Optional<String> unusable(Path device) {
    if (!Files.exists(device)) {
      return Optional.of("no " + device);
    }
    if (!Files.isReadable(device) || !Files.isWritable(device)) {
      return Optional.of(device + " is not readable and writable by this process");
    }
    return Optional.empty();
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
    Optional<Verdict> recorded = recorded();
    Optional<String> noDevice = unusable(kvmDevice);
    if (noDevice.isPresent()) {
      Verdict verdict = new Verdict(key, Accelerator.TCG, false, noDevice.get());
      if (!recorded.equals(Optional.of(verdict))) { // written once, not on every start
        record(verdict);
      }
      return verdict.accelerator();
    }
    if (recorded.isPresent() && recorded.get().probed() && key.equals(recorded.get().key())) {
      return recorded.get().accelerator();
    }
    long millis = timeout.toMillis();
    Optional<String> failure = bootTest.failure(timeout);
    Verdict verdict = failure.isEmpty()
        ? new Verdict(key, Accelerator.KVM, true, "a KVM guest reached READY within " + millis + " ms")
        : new Verdict(key, Accelerator.TCG, true, "a KVM guest did not reach READY within " + millis + " ms: "
            + failure.get());
    LOG.log(System.Logger.Level.INFO, "accelerator probe: " + verdict.accelerator().id() + " (" + verdict.reason() + ")");
    record(verdict);
    return verdict.accelerator();
  }

  private Optional<Verdict> recorded() {
    try {
      return JsonFiles.read(cacheFile, Verdict.class);
    } catch (IOException e) {
      return Optional.empty(); // unreadable or from an older format: decide again
    }
  }

  private void record(Verdict verdict) {
    try {
      Files.createDirectories(cacheFile.getParent());
      JsonFiles.write(cacheFile, verdict);
    } catch (IOException e) {
      LOG.log(System.Logger.Level.WARNING, "cannot record the accelerator verdict in " + cacheFile + ": " + e);
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
