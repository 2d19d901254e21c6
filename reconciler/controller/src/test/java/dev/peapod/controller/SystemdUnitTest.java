package dev.peapod.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shipped unit passes {@code systemd-analyze verify} and keeps VMs alive across a controller restart. */
class SystemdUnitTest {

  private static final Path UNIT = Path.of("src/main/systemd/peapod.service");

  @Test
  void theUnitVerifies(@TempDir Path dir) throws Exception {
    // verify checks that ExecStart's binary exists: point it at this checkout's launcher.
    Path launcher = Path.of("../../peapod").toAbsolutePath().normalize();
    String text = Files.readString(UNIT).replace("/opt/peapod/peapod", launcher.toString());
    Path unit = dir.resolve("peapod.service");
    Files.writeString(unit, text);
    Process verify = new ProcessBuilder("systemd-analyze", "verify", unit.toString()).redirectErrorStream(true).start();
    String out = new String(verify.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, verify.waitFor(), out);
    assertTrue(out.lines().noneMatch(l -> l.contains("peapod.service")), "no complaint about the unit: " + out);
  }

  @Test
  void stoppingTheControllerLeavesTheVmsRunning() throws Exception {
    assertTrue(Files.readString(UNIT).lines().anyMatch(l -> l.equals("KillMode=process")));
  }
}
