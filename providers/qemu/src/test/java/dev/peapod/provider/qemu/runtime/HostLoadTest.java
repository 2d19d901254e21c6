package dev.peapod.provider.qemu.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class HostLoadTest {

  @Test
  void aWaitGrowsWithTheLoadPerCoreUpToFourTimes() {
    Duration base = Duration.ofSeconds(15);
    assertEquals(base, HostLoad.scale(base, 0.2), "a quiet host waits as long as ever");
    assertEquals(Duration.ofSeconds(30), HostLoad.scale(base, 2));
    assertEquals(Duration.ofSeconds(60), HostLoad.scale(base, 6.5), "load 13 on 2 cores: at most 4 times");
  }

  @Test
  void theLoadOfThisHostIsRead() {
    assertTrue(HostLoad.loadPerCore() >= 0);
    assertTrue(HostLoad.scale(Duration.ofSeconds(1)).compareTo(Duration.ofSeconds(1)) >= 0);
  }
}
