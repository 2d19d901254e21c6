package dev.peapod.provider.qemu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The builder process around a build: its lock, failures, its command line (TemplateRestoreIT makes real ones). */
class TemplateBuildsTest {

  @TempDir
  Path dir;

  private Path kernel;
  private Path initrd;
  private TemplateCatalogue templates;
  private TemplateBuilds builds;

  @BeforeEach
  void setUp() throws Exception {
    kernel = Files.writeString(dir.resolve("vmlinux"), "kernel");
    initrd = Files.writeString(dir.resolve("initramfs.cpio"), "initrd");
    templates = templates(4, OptionalLong.of(2596150), true);
    builds = new TemplateBuilds(templates, new QemuCommandLine("qemu-system-x86_64", 4, OptionalLong.of(2596150)),
        Duration.ofSeconds(5));
  }

  private TemplateCatalogue templates(int tbSize, OptionalLong tsc, boolean enabled) throws Exception {
    return new TemplateCatalogue(enabled, new QemuCommandLine("qemu-system-x86_64", tbSize, tsc),
        dir.resolve("templates"), new TemplateRam(dir.resolve("ramfs"), Files.createDirectories(dir.resolve("shm"))));
  }

  private VmShape shape(int vcpus, int memory, Accelerator accel) {
    return new VmShape(kernel, initrd, vcpus, memory, accel);
  }

  /**
   * A builder of a key whose lock another holds exits without touching anything: here this JVM
   * holds it (as a running builder would), and a real builder process is started for the key.
   */
  @Test
  void aSecondBuilderOfTheSameKeySkipsTheBuild() throws Exception {
    VmShape shape = shape(1, 128, Accelerator.TCG);
    String key = templates.key(shape);
    Path root = Files.createDirectories(dir.resolve("templates"));
    try (FileChannel channel = FileChannel.open(root.resolve(key + ".lock"), StandardOpenOption.CREATE,
        StandardOpenOption.WRITE); FileLock held = channel.lock()) {
      ProcessHandle second = ProcessHandle.of(TemplateBuilder.launch(request(key, shape), root.resolve(key + ".log")))
          .orElseThrow(() -> new AssertionError("the builder ended before its pid was known"));
      second.onExit().get(60, TimeUnit.SECONDS);
      String log = Files.readString(root.resolve(key + ".log"));
      assertTrue(log.contains("template VM " + key + " is being made by another builder"), log);
      assertFalse(Files.exists(root.resolve(key + ".new")), "no work directory: nothing was started");

      builds.prepareLater(shape); // sees the lock taken: starts no builder at all
      assertTrue(builds.awaitBuilds(Duration.ZERO), "no builder started");
      assertFalse(Files.exists(root.resolve(key + ".failed")));
    }
  }

  /**
   * A build that fails (here QEMU refuses the fake kernel) leaves {@code <key>.failed} and its
   * output in {@code <key>.log}, no template, and no new builder for that key during the back-off.
   */
  @Test
  void aFailedBuildIsNotRetriedAtOnce() throws Exception {
    VmShape shape = shape(1, 128, Accelerator.TCG);
    String key = templates.key(shape);
    Path root = dir.resolve("templates");
    builds.prepareLater(shape);
    assertTrue(builds.awaitBuilds(Duration.ofSeconds(60)), "the builder ends");
    String log = Files.readString(root.resolve(key + ".log"));
    assertTrue(Files.isRegularFile(root.resolve(key + ".failed")), log);
    assertTrue(log.contains("cannot make the template VM"), log);
    assertFalse(Files.exists(root.resolve(key)), "no template");
    assertFalse(Files.exists(root.resolve(key + ".new")), "the work directory is deleted");
    assertEquals(Optional.empty(), templates.find("web", shape, false));

    Files.writeString(root.resolve(key + ".log"), "");
    builds.prepareLater(shape);
    assertTrue(builds.awaitBuilds(Duration.ZERO), "no builder during the back-off");
    assertEquals("", Files.readString(root.resolve(key + ".log")), "nothing ran");
  }

  /** A claim naming a builder that runs (here: this very process, pid and start time) starts nothing more. */
  @Test
  void aClaimNamingARunningBuilderHolds() throws Exception {
    VmShape shape = shape(1, 128, Accelerator.TCG);
    String key = templates.key(shape);
    Path root = Files.createDirectories(dir.resolve("templates"));
    ProcessHandle self = ProcessHandle.current();
    Files.writeString(root.resolve("." + key + ".starting"),
        self.pid() + " " + self.info().startInstant().orElseThrow().toEpochMilli());
    builds.prepareLater(shape);
    assertTrue(builds.awaitBuilds(Duration.ZERO), "no builder started");
    assertFalse(Files.exists(root.resolve(key + ".log")), "nothing ran");
  }

  /**
   * Claims that hold nothing: its pid now another process's (same pid, another start time), one
   * whose claimer died before naming its builder (empty), garbage, a FIFO (reading it must not hang)
   * and a symlink (root must not follow it and write through it): each is taken over at once, a
   * builder starts (it fails on the fake kernel, which ends it quickly) and the claim names it.
   */
  @Test
  void aStaleOrForeignClaimIsTakenOverAndNoLinkIsFollowed() throws Exception {
    VmShape shape = shape(1, 128, Accelerator.TCG);
    String key = templates.key(shape);
    Path root = Files.createDirectories(dir.resolve("templates"));
    Path claim = root.resolve("." + key + ".starting");
    Path victim = Files.writeString(dir.resolve("victim"), "keep me");
    ProcessHandle self = ProcessHandle.current();
    long reused = self.info().startInstant().orElseThrow().toEpochMilli() - 1000;
    List<ThrowingSetup> claims = List.of(
        () -> Files.writeString(claim, self.pid() + " " + reused),
        () -> Files.writeString(claim, ""),
        () -> Files.write(claim, new byte[] {(byte) 0xff, '1', 0, '\n'}),
        () -> Files.writeString(claim, "1".repeat(4096)),
        () -> new ProcessBuilder("mkfifo", claim.toString()).start().waitFor(),
        () -> Files.createSymbolicLink(claim, victim));
    for (ThrowingSetup setup : claims) {
      Files.deleteIfExists(claim);
      Files.deleteIfExists(root.resolve(key + ".failed"));
      setup.run();
      TemplateBuilds fresh = new TemplateBuilds(templates, new QemuCommandLine("qemu-system-x86_64", 4,
          OptionalLong.of(2596150)), Duration.ofSeconds(5));
      fresh.prepareLater(shape);
      assertEquals(1, fresh.startedCount(), "a builder was started");
      assertTrue(Files.isRegularFile(claim, java.nio.file.LinkOption.NOFOLLOW_LINKS), "the claim is a file again");
      assertTrue(Files.readString(claim).matches("[0-9]+ [0-9]+"), Files.readString(claim));
      assertTrue(fresh.awaitBuilds(Duration.ofSeconds(60)), "the builder ends");
    }
    assertEquals("keep me", Files.readString(victim), "nothing was written through the link");
  }

  /** Two processes' worth of callers at once over a stale claim start one builder between them. */
  @Test
  void callersRacingOverAStaleClaimStartOneBuilder() throws Exception {
    VmShape shape = shape(1, 128, Accelerator.TCG);
    String key = templates.key(shape);
    Path root = Files.createDirectories(dir.resolve("templates"));
    Files.writeString(root.resolve("." + key + ".starting"), "999999999 1");
    List<TemplateBuilds> callers = new ArrayList<>();
    List<Thread> threads = new ArrayList<>();
    java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
    for (int i = 0; i < 4; i++) {
      TemplateBuilds caller = new TemplateBuilds(templates, new QemuCommandLine("qemu-system-x86_64", 4,
          OptionalLong.of(2596150)), Duration.ofSeconds(5));
      callers.add(caller);
    }
    for (TemplateBuilds caller : callers) {
      Thread t = new Thread(() -> {
        try {
          go.await();
        } catch (InterruptedException e) {
          return;
        }
        caller.prepareLater(shape);
      });
      t.start();
      threads.add(t);
    }
    go.countDown();
    for (Thread t : threads) {
      t.join(30_000);
    }
    long started = callers.stream().filter(c -> c.startedCount() > 0).count();
    assertEquals(1, started, "one builder between them");
    for (TemplateBuilds caller : callers) {
      assertTrue(caller.awaitBuilds(Duration.ofSeconds(60)), "the builder ends");
    }
  }

  @FunctionalInterface
  private interface ThrowingSetup {
    void run() throws Exception;
  }

  @Test
  void aBuilderRefusesInputsThatGiveAnotherKey() throws Exception {
    VmShape shape = shape(1, 128, Accelerator.TCG);
    Path root = Files.createDirectories(dir.resolve("templates"));
    long builder = TemplateBuilder.launch(request("0123456789abcdef", shape), root.resolve("mismatch.log"));
    ProcessHandle.of(builder).ifPresent(p -> p.onExit().join());
    String log = Files.readString(root.resolve("mismatch.log"));
    assertTrue(log.contains("these inputs give template key " + templates.key(shape) + ", not 0123456789abcdef"), log);
  }

  @Test
  void aBuildRequestSurvivesItsCommandLine() {
    TemplateBuilder.Request request = request("0123456789abcdef", shape(2, 256, Accelerator.KVM));
    assertEquals(request, TemplateBuilder.Request.parse(request.toArgs().toArray(String[]::new)));
    TemplateBuilder.Request noTsc = new TemplateBuilder.Request(dir, "k", "qemu", 8, OptionalLong.empty(),
        Duration.ofSeconds(1), shape(1, 64, Accelerator.TCG));
    assertEquals(noTsc, TemplateBuilder.Request.parse(noTsc.toArgs().toArray(String[]::new)));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> TemplateBuilder.Request.parse(new String[] {"root=/x", "vcpus=two"}));
    assertEquals("missing argument key=", e.getMessage());
    String[] args = request.toArgs().stream().map(a -> a.startsWith("vcpus=") ? "vcpus=two" : a)
        .toArray(String[]::new);
    assertEquals("argument vcpus=two is not a number",
        assertThrows(IllegalArgumentException.class, () -> TemplateBuilder.Request.parse(args)).getMessage());
  }

  private TemplateBuilder.Request request(String key, VmShape shape) {
    return new TemplateBuilder.Request(dir.resolve("templates"), key, "qemu-system-x86_64", 4,
        OptionalLong.of(2596150), Duration.ofSeconds(5), shape);
  }
}
