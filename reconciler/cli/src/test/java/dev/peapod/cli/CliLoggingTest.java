package dev.peapod.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

class CliLoggingTest {
  @Test
  void warningsOnlyUnlessPeapodLogLevelSaysMore() {
    CliLogging.configure(Map.of());
    Logger provider = Logger.getLogger("dev.peapod.provider.qemu.PodVm");
    assertTrue(provider.isLoggable(Level.WARNING));
    assertFalse(provider.isLoggable(Level.INFO));
    assertFalse(Logger.getLogger("org.example").isLoggable(Level.INFO));
    assertEquals(1, Logger.getLogger("").getHandlers().length, "one handler: stderr");

    CliLogging.configure(Map.of("PEAPOD_LOG_LEVEL", "debug"));
    assertTrue(Logger.getLogger("dev.peapod.provider.qemu.PodVm").isLoggable(Level.FINE));
    assertFalse(Logger.getLogger("org.example").isLoggable(Level.INFO), "only Peapod's own loggers say more");
    assertEquals(1, Logger.getLogger("").getHandlers().length, "configuring again replaces the handler");
    CliLogging.configure(Map.of());
  }

  @Test
  void levelNamesAreSystemLoggerNames() {
    assertEquals(Level.WARNING, CliLogging.peapodLevel(null));
    assertEquals(Level.FINE, CliLogging.peapodLevel("DEBUG"));
    assertEquals(Level.FINER, CliLogging.peapodLevel("trace"));
    assertEquals(Level.INFO, CliLogging.peapodLevel("INFO"));
    assertEquals(Level.WARNING, CliLogging.peapodLevel("loud"));
  }
}
