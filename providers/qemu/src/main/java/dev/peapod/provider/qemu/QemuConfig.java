package dev.peapod.provider.qemu;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * How the QEMU provider runs VMs.
 *
 * @param qemuBinary qemu-system-x86_64, as a path or a name looked up in PATH
 * @param kernel default guest kernel; a pod's {@code spec.vm.kernel} overrides it. The
 *     uncompressed PVH vmlinux by default: no decompression in the guest makes an idle VM
 *     ~3 MiB smaller (the pages are never touched) and its boot shorter; QEMU maps the
 *     file, but that mapping is shared by every VM. A bzImage boots as well.
 * @param initrd the initramfs holding guest-init
 * @param stateDir where pod directories, VM records and the probe cache live
 * @param accelerator forced accelerator, or empty to probe for KVM and fall back to TCG
 * @param tbSizeMiB TCG translation buffer per VM; QEMU's 1 GiB default costs ~45 MiB resident
 * @param bootTimeout how long a boot may take until the guest answers HELLO
 * @param probeTimeout how long the KVM probe boot may take before KVM counts as unusable
 * @param templates whether pod VMs start from a template VM when they can (see
 *     {@link TemplateCatalogue}); off: every VM boots cold
 * @param kvmDevice where the accelerator probe looks for KVM ({@link #DEFAULT_KVM_DEVICE});
 *     tests name a path that does not exist to be a host without KVM
 * @param warmPool how many VMs wait restored with no pod, per recently used shape (see {@link
 *     WarmPool}); needs templates
 */
public record QemuConfig(
    String qemuBinary,
    Path kernel,
    Path initrd,
    Path stateDir,
    Optional<Accelerator> accelerator,
    int tbSizeMiB,
    Duration bootTimeout,
    Duration probeTimeout,
    boolean templates,
    Path kvmDevice,
    WarmPoolConfig warmPool) {

  public static final String DEFAULT_QEMU = "qemu-system-x86_64";
  /**
   * TCG translation buffer per VM. When it is full QEMU throws all translated code away and
   * translates again, so a buffer smaller than what a guest runs makes every step slow:
   * starting one container in a restored VM translates ~18 MiB of host code (34,000 blocks;
   * QEMU's {@code info jit}), a cold boot and start ~34 MiB. With 4 MiB a replace took
   * ~700 ms, with 16 MiB ~270 ms, with 32 MiB ~70 ms, and a restored start 1040 / 470 /
   * 400 ms (bench/RESULTS.md). Only what is used becomes resident (an idle restored VM holds
   * ~20 MiB of it), which template VMs sharing their RAM pays for (see
   * {@link TemplateRam}). It does not matter with KVM.
   */
  public static final int DEFAULT_TB_SIZE_MIB = 32;
  public static final Path DEFAULT_KERNEL = Path.of("/usr/lib/peapod/vmlinux");
  public static final Path DEFAULT_INITRD = Path.of("/usr/lib/peapod/initramfs.cpio");
  public static final Path DEFAULT_KVM_DEVICE = Path.of("/dev/kvm");

  public QemuConfig {
    kernel = kernel.toAbsolutePath().normalize();
    initrd = initrd.toAbsolutePath().normalize();
    stateDir = stateDir.toAbsolutePath().normalize();
    accelerator = accelerator == null ? Optional.empty() : accelerator;
    kvmDevice = kvmDevice == null ? DEFAULT_KVM_DEVICE : kvmDevice;
    warmPool = warmPool == null ? WarmPoolConfig.DEFAULT : warmPool;
    if (tbSizeMiB < 1) {
      throw new IllegalArgumentException("tb-size must be at least 1 MiB, got " + tbSizeMiB);
    }
  }

  /** Configuration from this process's system properties and environment. */
  public static QemuConfig fromEnvironment() {
    return fromEnvironment(System.getProperties(), System.getenv(), isRoot());
  }

  /**
   * Configuration from explicit settings, system properties winning over the
   * environment: {@code peapod.qemu}/PEAPOD_QEMU, {@code peapod.kernel}/PEAPOD_KERNEL,
   * {@code peapod.initrd}/PEAPOD_INITRD, {@code peapod.home}/PEAPOD_HOME,
   * {@code peapod.accel}/PEAPOD_ACCEL, {@code peapod.tbSize}/PEAPOD_TB_SIZE,
   * {@code peapod.templates}/PEAPOD_TEMPLATES ({@code on}, the default, or {@code off}),
   * {@code peapod.warmPool}/PEAPOD_WARM_POOL (VMs per shape, 0 = off),
   * {@code peapod.warmPoolMemory}/PEAPOD_WARM_POOL_MEMORY (MiB of guest RAM in all pool VMs),
   * {@code peapod.warmPoolIdle}/PEAPOD_WARM_POOL_IDLE (seconds a shape's pool waits after its last start).
   * Without PEAPOD_HOME the state lives in /var/lib/peapod for root, else in
   * ~/.local/share/peapod.
   */
  public static QemuConfig fromEnvironment(Properties props, Map<String, String> env, boolean root) {
    Settings s = new Settings(props, env);
    Path home = s.get("peapod.home", "PEAPOD_HOME").map(Path::of).orElseGet(() -> root
        ? Path.of("/var/lib/peapod")
        : Path.of(s.get("user.home", "HOME").orElse("/tmp"), ".local", "share", "peapod"));
    return new QemuConfig(
        s.get("peapod.qemu", "PEAPOD_QEMU").orElse(DEFAULT_QEMU),
        s.get("peapod.kernel", "PEAPOD_KERNEL").map(Path::of).orElse(DEFAULT_KERNEL),
        s.get("peapod.initrd", "PEAPOD_INITRD").map(Path::of).orElse(DEFAULT_INITRD),
        home,
        s.get("peapod.accel", "PEAPOD_ACCEL").map(Accelerator::parse),
        s.get("peapod.tbSize", "PEAPOD_TB_SIZE").map(Integer::parseInt).orElse(DEFAULT_TB_SIZE_MIB),
        Duration.ofSeconds(60),
        Duration.ofSeconds(3),
        s.get("peapod.templates", "PEAPOD_TEMPLATES").map(QemuConfig::onOff).orElse(true),
        DEFAULT_KVM_DEVICE,
        new WarmPoolConfig(
            s.get("peapod.warmPool", "PEAPOD_WARM_POOL").map(v -> number("PEAPOD_WARM_POOL", v))
                .orElse(WarmPoolConfig.DEFAULT_PER_SHAPE),
            s.get("peapod.warmPoolMemory", "PEAPOD_WARM_POOL_MEMORY").map(v -> number("PEAPOD_WARM_POOL_MEMORY", v))
                .orElse(WarmPoolConfig.DEFAULT_MEMORY_MIB),
            s.get("peapod.warmPoolIdle", "PEAPOD_WARM_POOL_IDLE")
                .map(v -> Duration.ofSeconds(number("PEAPOD_WARM_POOL_IDLE", v))).orElse(WarmPoolConfig.DEFAULT_IDLE)));
  }

  private static int number(String name, String value) {
    try {
      return Integer.parseInt(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " must be a whole number, got \"" + value + "\"");
    }
  }

  private static boolean onOff(String value) {
    switch (value.toLowerCase(java.util.Locale.ROOT)) {
      case "on": case "true": case "1": return true;
      case "off": case "false": case "0": return false;
      default: throw new IllegalArgumentException("PEAPOD_TEMPLATES must be on or off, got \"" + value + "\"");
    }
  }

  public QemuConfig withStateDir(Path dir) {
    return new QemuConfig(qemuBinary, kernel, initrd, dir, accelerator, tbSizeMiB, bootTimeout,
        probeTimeout, templates, kvmDevice, warmPool);
  }

  public QemuConfig withKernel(Path newKernel) {
    return new QemuConfig(qemuBinary, newKernel, initrd, stateDir, accelerator, tbSizeMiB,
        bootTimeout, probeTimeout, templates, kvmDevice, warmPool);
  }

  public QemuConfig withAccelerator(Optional<Accelerator> accel) {
    return new QemuConfig(qemuBinary, kernel, initrd, stateDir, accel, tbSizeMiB, bootTimeout,
        probeTimeout, templates, kvmDevice, warmPool);
  }

  public QemuConfig withBootTimeout(Duration timeout) {
    return new QemuConfig(qemuBinary, kernel, initrd, stateDir, accelerator, tbSizeMiB, timeout,
        probeTimeout, templates, kvmDevice, warmPool);
  }

  public QemuConfig withKvmDevice(Path device) {
    return new QemuConfig(qemuBinary, kernel, initrd, stateDir, accelerator, tbSizeMiB, bootTimeout,
        probeTimeout, templates, device, warmPool);
  }

  public QemuConfig withTemplates(boolean on) {
    return new QemuConfig(qemuBinary, kernel, initrd, stateDir, accelerator, tbSizeMiB, bootTimeout,
        probeTimeout, on, kvmDevice, warmPool);
  }

  public QemuConfig withWarmPool(WarmPoolConfig pool) {
    return new QemuConfig(qemuBinary, kernel, initrd, stateDir, accelerator, tbSizeMiB, bootTimeout,
        probeTimeout, templates, kvmDevice, pool);
  }

  private static boolean isRoot() {
    try {
      return Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
    } catch (IOException | UnsupportedOperationException e) {
      return false;
    }
  }

  /** Looks a setting up as a system property first, then as an environment variable. */
  private record Settings(Properties props, Map<String, String> env) {
    Optional<String> get(String property, String variable) {
      String v = props.getProperty(property);
      if (v == null || v.isBlank()) {
        v = env.get(variable);
      }
      return v == null || v.isBlank() ? Optional.empty() : Optional.of(v.trim());
    }
  }
}
