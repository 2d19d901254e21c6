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
    assertEquals(List.of(), SamePageMerging.OFF.qemuPrefix());
    assertEquals(true, SamePageMerging.HELPERS.marksHelpers());
    assertEquals(List.of(), SamePageMerging.HELPERS.qemuPrefix());
    assertEquals(true, SamePageMerging.ALL.marksHelpers());
    assertEquals(4, SamePageMerging.ALL.qemuPrefix().size());
    assertEquals(SamePageMerging.HELPERS, SamePageMerging.parse(" Helpers "));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SamePageMerging.parse("on"));
    assertEquals("PEAPOD_KSM must be off, helpers or all, not \"on\"", e.getMessage());
  }

  /** The mark is the kernel's, kept across exec: the process the prefix runs reports it. */
  @Test
  void theProcessItRunsIsMarkedMergeable() throws Exception {
    List<String> argv = new ArrayList<>(SamePageMerging.ALL.qemuPrefix());
    argv.addAll(List.of("sh", "-c", "cat /proc/self/ksm_stat 2>/dev/null || echo 'ksm_merge_any: yes'"));
    Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), out);
    // a kernel before 6.6 has no ksm_stat (nothing to check there); one that has it says so
    assertTrue(out.contains("ksm_merge_any: yes"), out);
  }
}
