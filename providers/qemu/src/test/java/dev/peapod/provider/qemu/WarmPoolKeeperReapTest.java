package dev.peapod.provider.qemu;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A keeper killed with its process group mid-restore leaves a {@code .new} VM running: any keeper's
 * sweep reaps another shape's such VM when no keeper holds that shape, and leaves it to its own
 * keeper otherwise. A process that looks like a pool QEMU (python3 through a link named qemu-fake)
 * stands in for the VM.
 */
class WarmPoolKeeperReapTest {

  private static final String OTHER = "fedcba9876543210";

  @TempDir Path dir;
  private Process fake;

  @AfterEach
  void stop() throws Exception {
    if (fake != null) {
      fake.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  private WarmPool pool;

  /** A keeper of one shape, idle at once: its first sweep runs, then it ends. */
  private void sweepOnce() throws Exception {
    Path kernel = Files.writeString(dir.resolve("vmlinux"), "kernel");
    Path initrd = Files.writeString(dir.resolve("initramfs.cpio"), "initrd");
    QemuCommandLine qemu = new QemuCommandLine("qemu-system-x86_64", 4, OptionalLong.of(2596150));
    TemplateCatalogue templates = new TemplateCatalogue(true, qemu, dir.resolve("templates"),
        new TemplateRam(dir.resolve("ramfs"), Files.createDirectories(dir.resolve("shm"))));
    VmShape shape = new VmShape(kernel, initrd, 1, 128, Accelerator.TCG);
    new WarmPoolKeeper(pool, templates, null, null, shape, line -> { }).keep();
  }

  private Path halfRestored() throws Exception {
    pool = new WarmPool(dir.resolve("pool"), new WarmPoolConfig(1, 512, Duration.ofMillis(1)));
    Path work = Files.createDirectories(pool.shapeDir(OTHER).resolve(".00000007.new"));
    Path qemu = Files.createSymbolicLink(dir.resolve("qemu-fake"), Path.of("/usr/bin/python3"));
    fake = new ProcessBuilder(qemu.toString(), "-c", "import time; time.sleep(120)", "-name", "peapod-pool.00000007",
        "-pidfile", work.resolve("qemu.pid").toString()).start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline
        && !Files.readString(Path.of("/proc", Long.toString(fake.pid()), "cmdline")).contains("-pidfile")) {
      Thread.sleep(20);
    }
    return work;
  }

  @Test
  void anotherShapesHalfRestoredVmWithoutKeeperIsReaped() throws Exception {
    Path work = halfRestored();
    sweepOnce();
    assertTrue(fake.waitFor(10, TimeUnit.SECONDS), "the half-restored QEMU is killed");
    assertFalse(Files.exists(work), "and its directory deleted");
  }

  @Test
  void aHalfRestoredVmWhoseShapeHasAKeeperIsLeftToIt() throws Exception {
    Path work = halfRestored();
    Files.createDirectories(pool.root());
    try (FileChannel channel = FileChannel.open(pool.lockFile(OTHER), StandardOpenOption.CREATE,
        StandardOpenOption.WRITE); FileLock held = channel.lock()) {
      sweepOnce();
    }
    assertTrue(fake.isAlive(), "its keeper restores it");
    assertTrue(Files.exists(work));
  }
}
