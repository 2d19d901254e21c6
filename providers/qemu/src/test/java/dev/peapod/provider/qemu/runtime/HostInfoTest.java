package dev.peapod.provider.qemu.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class HostInfoTest {

  @Test
  void tscKhzComesFromTheFirstCpuMhzLine() {
    assertEquals(OptionalLong.of(2596150), HostInfo.tscKhz("processor\t: 0\ncpu MHz\t\t: 2596.150\ncpu MHz : 1.0\n"));
    assertEquals(OptionalLong.empty(), HostInfo.tscKhz("processor : 0\n"));
  }

  @Test
  void bootIdIsAUuid() {
    assertTrue(HostInfo.bootId().matches("[0-9a-f-]{36}"), HostInfo.bootId());
  }

  @Test
  void recognisesAProcessByPidStartTimeAndCommandLine() throws Exception {
    Process sleeper = new ProcessBuilder("sleep", "30").start();
    try {
      long pid = sleeper.pid();
      long start = HostProcess.startTime(pid).orElseThrow();
      assertTrue(HostProcess.isAlive(pid));
      assertTrue(HostProcess.matches(pid, start, "sleep 30"));
      assertFalse(HostProcess.matches(pid, start + 1, "sleep 30"), "a recycled pid has another start time");
      assertFalse(HostProcess.matches(pid, start, "peapod-web "));
    } finally {
      sleeper.destroyForcibly().waitFor();
    }
    assertFalse(HostProcess.isAlive(sleeper.pid()));
  }
}
