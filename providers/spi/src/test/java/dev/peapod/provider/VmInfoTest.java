package dev.peapod.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class VmInfoTest {

  private static VmInfo vm(String boot) {
    return new VmInfo("b", 1, "tcg", Instant.EPOCH, Duration.ofMillis(80), boot);
  }

  @Test
  void theBootKindIsOneWordForPs() {
    assertEquals("cold", vm(null).kind());
    assertEquals("cold", vm(VmInfo.COLD_BOOT).kind());
    assertEquals("template", vm(VmInfo.RESTORED + " 0123456789abcdef").kind());
    assertEquals("warm", vm(VmInfo.WARM + " 0123456789abcdef").kind());
  }
}
