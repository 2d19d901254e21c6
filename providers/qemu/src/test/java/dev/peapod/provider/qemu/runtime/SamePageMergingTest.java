package dev.peapod.provider.qemu.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SamePageMergingTest {

  @Test
  void helpersMergeByDefaultAndQemuOnlyWithAll() {
    assertEquals(false, SamePageMerging.OFF.marksHelpers());
    assertEquals(List.of(), SamePageMerging.OFF.qemuPrefix(false));
    assertEquals(true, SamePageMerging.HELPERS.marksHelpers());
    assertEquals(List.of(), SamePageMerging.HELPERS.qemuPrefix(false));
    assertEquals(true, SamePageMerging.ALL.marksHelpers());
    assertEquals(4, SamePageMerging.ALL.qemuPrefix(false).size());
    assertEquals(SamePageMerging.HELPERS, SamePageMerging.parse(" Helpers "));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SamePageMerging.parse("on"));
    assertEquals("PEAPOD_KSM must be off, helpers or all, not \"on\"", e.getMessage());
  }

  /** A Peapod that runs marked (systemd's MemoryKSM=) starts a QEMU the setting leaves unmarked with the mark cleared. */
  @Test
  void anInheritedMarkIsClearedForAQemuTheSettingLeavesUnmarked() throws Exception {
    List<String> clear = SamePageMerging.prefix(System.getProperty("os.arch"), false);
    assertEquals(clear, SamePageMerging.HELPERS.qemuPrefix(true));
    assertEquals(clear, SamePageMerging.OFF.qemuPrefix(true));
    assertEquals(SamePageMerging.prefix(System.getProperty("os.arch"), true), SamePageMerging.ALL.qemuPrefix(true));
    assertTrue(clear.get(2).contains("syscall(157, 67, 0,"), clear.toString());

    // Marked as systemd would mark Peapod, then the QEMU prefix of the default setting: the process runs unmarked.
    List<String> argv = new ArrayList<>(SamePageMerging.ALL.qemuPrefix(false));
    argv.addAll(SamePageMerging.HELPERS.qemuPrefix(true));
    argv.addAll(List.of("sh", "-c", "cat /proc/self/ksm_stat 2>/dev/null || echo 'ksm_merge_any: no'"));
    Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), out);
    assertTrue(out.contains("ksm_merge_any: no"), out);
  }

  @Test
  void theMarkIsReadFromKsmStat(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    java.nio.file.Path stat = dir.resolve("ksm_stat");
    assertEquals(false, SamePageMerging.inherited(stat), "no ksm_stat: a kernel without the prctl");
    java.nio.file.Files.writeString(stat, "ksm_rmap_items 0\nksm_merge_any: yes\nksm_mergeable: yes\n");
    assertEquals(true, SamePageMerging.inherited(stat));
    java.nio.file.Files.writeString(stat, "ksm_rmap_items 0\nksm_merge_any: no\n");
    assertEquals(false, SamePageMerging.inherited(stat));
    java.nio.file.Files.writeString(stat, "ksm_rmap_items 0\n");
    assertEquals(true, SamePageMerging.inherited(stat), "a kernel that does not say: cleared to be sure");
  }

  /** An architecture whose prctl number Peapod does not know: nothing set or cleared, never another call's number. */
  @Test
  void anUnknownArchitectureRunsQemuAsItIs() {
    assertEquals(List.of(), SamePageMerging.prefix("sparcv9", true));
    assertEquals(List.of(), SamePageMerging.prefix("s390x", false));
    assertEquals(java.util.OptionalInt.of(167), SamePageMerging.prctlNumber("aarch64"));
    assertEquals(java.util.OptionalInt.of(157), SamePageMerging.prctlNumber("amd64"));
  }

  /** The mark is the kernel's, kept across exec: the process the prefix runs reports it. */
  @Test
  void theProcessItRunsIsMarkedMergeable() throws Exception {
    List<String> argv = new ArrayList<>(SamePageMerging.ALL.qemuPrefix(false));
    argv.addAll(List.of("sh", "-c", "cat /proc/self/ksm_stat 2>/dev/null || echo 'ksm_merge_any: yes'"));
    Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), out);
    // a kernel before 6.6 has no ksm_stat (nothing to check there); one that has it says so
    assertTrue(out.contains("ksm_merge_any: yes"), out);
  }
}
