package dev.peapod.provider.qemu.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peapod.provider.ExecSession;
import dev.peapod.provider.ExecSpec;
import dev.peapod.provider.PodStatus;
import dev.peapod.provider.Provider;
import dev.peapod.provider.qemu.QemuConfig;
import dev.peapod.provider.qemu.QemuProvider;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;

/**
 * Shared setup of the VM integration tests: the real kernel and initrd (from
 * the system properties the build sets), a state directory under target/
 * short enough for unix socket paths, and clean-up that kills every QEMU this
 * state directory started, whatever the provider thinks.
 */
final class VmTestSupport {

  static final Path TARGET = Path.of("target").toAbsolutePath();
  static final Path STATE = TARGET.resolve("it-state");
  static final Path IMAGES = TARGET.resolve("it-images");

  private VmTestSupport() {}

  /**
   * Provider config for the tests; the kernel and initrd must exist (no skipping). No warm pool:
   * these tests are about cold boots and template restores (WarmPoolIT turns it on).
   */
  static QemuConfig config() {
    QemuConfig c = QemuConfig.fromEnvironment().withStateDir(STATE).withBootTimeout(Duration.ofSeconds(90))
        .withWarmPool(dev.peapod.provider.qemu.WarmPoolConfig.OFF);
    assertTrue(Files.isRegularFile(c.kernel()), "guest kernel missing: " + c.kernel() + " (run kernel/build.sh)");
    assertTrue(Files.isRegularFile(c.initrd()), "initrd missing: " + c.initrd() + " (run make -C guest-init)");
    return c;
  }

  /** Removes the pods and kills any QEMU left behind by this state directory. */
  static void cleanUp(Provider provider, String... pods) {
    if (provider == null) {
      killStrays(pods);
      return;
    }
    for (String pod : pods) {
      try {
        if (provider.inspect(pod).isPresent()) {
          provider.remove(pod, Duration.ZERO);
        }
      } catch (RuntimeException e) {
        System.err.println("clean-up of " + pod + ": " + e.getMessage());
      }
    }
    provider.close();
    killStrays(pods);
  }

  static void killStrays(String... pods) {
    ProcessHandle.allProcesses()
        .filter(p -> p.info().commandLine().map(cmd -> cmd.contains(STATE.toString())
            && java.util.Arrays.stream(pods).anyMatch(pod -> cmd.contains("peapod-" + pod + " "))).orElse(false))
        .forEach(ProcessHandle::destroyForcibly);
  }

  /** Output and exit code of a finished exec. */
  record Result(int exitCode, String stdout, String stderr) {}

  static Result exec(Provider provider, String pod, String container, String... command) {
    try (ExecSession s = provider.exec(pod, ExecSpec.of(container, command))) {
      s.stdin().close();
      CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(s.stderr()));
      String out = read(s.stdout());
      int code = s.waitFor(Duration.ofSeconds(60)).orElseThrow(() -> new AssertionError("exec timed out"));
      return new Result(code, out, err.join());
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  private static String read(java.io.InputStream in) {
    try {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  /** The host's first non-loopback IPv4 address that is up: what a guest reaches the host by (its loopback it cannot). */
  static java.net.InetAddress externalAddress() throws IOException {
    return java.util.Collections.list(java.net.NetworkInterface.getNetworkInterfaces()).stream()
        .filter(i -> {
          try {
            return !i.isLoopback() && i.isUp();
          } catch (java.net.SocketException e) {
            return false;
          }
        })
        .flatMap(i -> java.util.Collections.list(i.getInetAddresses()).stream())
        .filter(a -> a instanceof java.net.Inet4Address && !a.isLinkLocalAddress())
        .findFirst().orElseThrow(() -> new AssertionError("the host has no non-loopback IPv4 address"));
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** Polls inspect until the predicate holds. */
  static PodStatus awaitStatus(Provider provider, String pod, Predicate<PodStatus> done, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    PodStatus last = null;
    while (System.nanoTime() < deadline) {
      last = provider.inspect(pod).orElseThrow();
      if (done.test(last)) {
        return last;
      }
      Thread.sleep(200);
    }
    throw new AssertionError("pod " + pod + " did not reach the expected state; last: " + last);
  }

  static QemuProvider newProvider() {
    return new QemuProvider(config());
  }

  /** A provider of {@link #config()} with no QEMU nor pod of {@code pods} left from an earlier run. */
  static QemuProvider newProviderWithout(String... pods) {
    killStrays(pods);
    QemuProvider provider = newProvider();
    for (String pod : pods) {
      if (provider.inspect(pod).isPresent()) {
        provider.remove(pod, Duration.ZERO);
      }
    }
    return provider;
  }

  /**
   * A provider as root, so that QEMU runs as VM users, on {@code state} emptied first, with no QEMU
   * of {@code pods} left from an earlier run: the setup of the tests that attack a VM user's QEMU.
   */
  static QemuProvider freshProviderAsRoot(Path state, boolean templates, String... pods) throws IOException {
    org.junit.jupiter.api.Assertions.assertEquals("root", System.getProperty("user.name"),
        "VM users need Peapod to run as root");
    killStrays(pods);
    deleteTree(state);
    return new QemuProvider(config().withStateDir(state).withTemplates(templates));
  }

  /** Creates and starts {@code name}, one container sleeping in {@code image}; its vm.json as the start wrote it. */
  static dev.peapod.provider.qemu.runtime.VmRecord startSleeper(QemuProvider provider, Path state, String name,
      dev.peapod.provider.ImageRootfs image) {
    provider.create(dev.peapod.provider.PodSpec.of(name, java.util.List.of(dev.peapod.provider.ContainerSpec.of("web",
        image, java.util.List.of("sleep", "100000")))).withTerminationGracePeriod(Duration.ZERO));
    provider.start(name);
    try {
      return new dev.peapod.provider.qemu.runtime.StateDirectory(state).pod(name).readVm().orElseThrow();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  /** Deletes {@code dir} and everything under it, if it exists. */
  static void deleteTree(Path dir) throws IOException {
    if (Files.exists(dir)) {
      try (var walk = Files.walk(dir)) {
        for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }

  /**
   * What a VM's QEMU exports for the host directory {@code source}: {@code source} itself for a QEMU run
   * as root, else the mount point of the idmapped mount of it in QEMU's mount namespace (see
   * peapod-vm-mounts), with that mount's options.
   *
   * @return the path {@code -fsdev} names and the mount's options ("" for a QEMU run as root)
   */
  static Export exportOf(dev.peapod.provider.qemu.runtime.VmRecord vm, Path source) throws java.io.IOException {
    if (vm.vmUser() == null) {
      return new Export(source, "");
    }
    String root = source.toRealPath().toString();
    for (String line : java.nio.file.Files.readAllLines(Path.of("/proc", Long.toString(vm.pid()), "mountinfo"))) {
      String[] f = line.split(" ");
      // id parent major:minor root mount-point options [optional fields] - type source super-options
      if (f[3].equals(root) && f[4].startsWith(dev.peapod.provider.qemu.runtime.VmUsers.RUN_ROOT.toString())) {
        return new Export(Path.of(f[4]), f[5]);
      }
    }
    throw new AssertionError("no mount of " + root + " in QEMU " + vm.pid() + "'s mount namespace");
  }

  /** A hostPath tree as QEMU exports it: see {@link #exportOf}. */
  record Export(Path path, String options) {}
}
