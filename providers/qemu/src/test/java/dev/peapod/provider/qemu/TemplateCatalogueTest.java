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

/** The template key, who may use a template, pruning; making and restoring a real one is in TemplateRestoreIT. */
class TemplateCatalogueTest {

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

  @Test
  void theSameInputsGiveTheSameKey() throws Exception {
    String key = templates.key(shape(1, 128, Accelerator.TCG));
    assertEquals(key, templates.key(shape(1, 128, Accelerator.TCG)));
    assertEquals(key, templates(4, OptionalLong.of(2596150), true).key(shape(1, 128, Accelerator.TCG)));
    assertTrue(key.matches("[0-9a-f]{16}"), key);
  }

  @Test
  void everyInputChangesTheKey() throws Exception {
    String key = templates.key(shape(1, 128, Accelerator.TCG));
    assertNotEquals(key, templates.key(shape(2, 128, Accelerator.TCG)), "vcpus");
    assertNotEquals(key, templates.key(shape(1, 256, Accelerator.TCG)), "memory");
    assertNotEquals(key, templates.key(shape(1, 128, Accelerator.KVM)), "accelerator: KVM state is not TCG state");
    assertNotEquals(key, templates(8, OptionalLong.of(2596150), true).key(shape(1, 128, Accelerator.TCG)),
        "TCG buffer (command line)");
    assertNotEquals(key, templates(4, OptionalLong.of(3000000), true).key(shape(1, 128, Accelerator.TCG)),
        "kernel command line");

    Files.setLastModifiedTime(kernel, FileTime.fromMillis(1_000_000));
    String rebuiltKernel = templates.key(shape(1, 128, Accelerator.TCG));
    assertNotEquals(key, rebuiltKernel, "kernel rebuilt");
    Files.writeString(initrd, "another guest-init");
    assertNotEquals(rebuiltKernel, templates.key(shape(1, 128, Accelerator.TCG)), "initramfs rebuilt");
  }

  @Test
  void noTemplateYetHostPathsOrTemplatesOffMeanAColdBoot() throws Exception {
    assertEquals(Optional.empty(), templates.find("web", shape(1, 128, Accelerator.TCG), false), "none made yet");
    assertEquals(Optional.of("hostPath volumes add 9p devices a template does not have"),
        templates.ineligible(true));
    assertEquals(Optional.of("templates are off (PEAPOD_TEMPLATES=off)"),
        templates(4, OptionalLong.empty(), false).ineligible(false));
    assertEquals(Optional.empty(), templates.ineligible(false));
  }

  @Test
  void makingATemplateKeepsOnlyTheNewestFewOthers() throws Exception {
    Path root = Files.createDirectories(dir.resolve("pruned"));
    for (int i = 0; i < 6; i++) {
      Path t = Files.createDirectories(root.resolve("key" + i));
      Files.setLastModifiedTime(Files.writeString(t.resolve("state"), "QEVM"), FileTime.fromMillis(1_000_000L * i));
      Files.writeString(root.resolve("key" + i + ".lock"), "");
    }
    Files.writeString(root.resolve("key0.log"), "made template VM key0");
    Files.writeString(root.resolve("key1.failed"), "a build failed once");
    Files.createDirectories(root.resolve("key9.new")); // a build in progress
    Files.writeString(root.resolve("key9.log"), "");
    List<String> said = new ArrayList<>();
    TemplateCatalogue.prune(root, 4, said::add);
    assertEquals(List.of("deleting old template VM key1", "deleting old template VM key0"), said);
    try (var left = Files.list(root)) {
      assertEquals(List.of("key2", "key2.lock", "key3", "key3.lock", "key4", "key4.lock", "key5",
          "key5.lock", "key9.log", "key9.new"), left.map(p -> p.getFileName().toString()).sorted().toList());
    }
  }

  @Test
  void aCompleteTemplateDirectoryIsFound() throws Exception {
    VmShape shape = shape(1, 128, Accelerator.TCG);
    Path t = Files.createDirectories(dir.resolve("templates").resolve(templates.key(shape)));
    Files.writeString(t.resolve("state"), "QEVM");
    assertEquals(Optional.empty(), templates.find("web", shape, false), "no ram file: not complete");
    Files.writeString(t.resolve("ram"), "");
    assertEquals(t, templates.find("web", shape, false).orElseThrow().dir());
    assertEquals(Optional.empty(), templates.find("web", shape, true), "a pod with hostPaths boots cold");
  }

  /**
   * A restore that failed for what may be the moment's reasons (a timeout under load, QEMU killed by
   * a signal) keeps the template; a second failure in a row discards it, a restore that went well in
   * between clears the doubt; QEMU refusing the state or exiting by itself discards it at once.
   */
  @Test
  void aTemplateIsDiscardedForCertainOrAfterTwoDoubtfulFailuresInARow() throws Exception {
    VmShape shape = shape(1, 128, Accelerator.TCG);
    Path t = Files.createDirectories(dir.resolve("templates").resolve(templates.key(shape)));
    Files.writeString(t.resolve("state"), "QEVM");
    Files.writeString(t.resolve("ram"), "");
    Template template = templates.find("web", shape, false).orElseThrow();

    templates.suspect(template, "no reply within 60000 ms");
    assertTrue(templates.find("web", shape, false).isPresent(), "kept after one doubtful failure");
    templates.restoredWell(template);
    templates.suspect(template, "no reply within 60000 ms");
    assertTrue(templates.find("web", shape, false).isPresent(), "a good restore in between cleared the doubt");
    templates.suspect(template, "QEMU was killed by signal 11");
    assertEquals(Optional.empty(), templates.find("web", shape, false), "discarded after two in a row");

    assertFalse(PodVm.restoredGuestBroken(new dev.peapod.provider.qemu.guest.GuestException("no reply to RESTORED"),
        Optional.empty()), "a guest that is slow while QEMU runs");
    assertFalse(PodVm.restoredGuestBroken(new RuntimeException("reset"), Optional.of("was killed by signal 9")));
    assertTrue(PodVm.restoredGuestBroken(new RuntimeException("Connection reset"), Optional.of("exited with status 0")),
        "the guest crashed and QEMU ended");
    assertTrue(TemplateRestore.refused(new dev.peapod.provider.qemu.qmp.QmpException("migration failed: load"),
        Optional.empty()));
    assertTrue(TemplateRestore.refused(new RuntimeException("QEMU closed the QMP connection"),
        Optional.of("exited with status 1")), "QEMU refused the state");
    assertFalse(TemplateRestore.refused(new RuntimeException("QEMU closed the QMP connection"),
        Optional.of("was killed by signal 11")), "QEMU crashed: maybe the moment's");
    assertFalse(TemplateRestore.refused(new dev.peapod.provider.qemu.qmp.QmpException(
        "migration not completed within 120 s: active"), Optional.empty()));
  }
}
