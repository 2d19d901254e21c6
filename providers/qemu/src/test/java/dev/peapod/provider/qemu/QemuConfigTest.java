package dev.peapod.provider.qemu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class QemuConfigTest {

  @Test
  void defaultsDependOnWhoRuns() {
    Properties none = new Properties();
    assertEquals(Path.of("/var/lib/peapod"), QemuConfig.fromEnvironment(none, Map.of(), true).stateDir());
    assertEquals(Path.of("/home/u/.local/share/peapod"),
        QemuConfig.fromEnvironment(none, Map.of("HOME", "/home/u"), false).stateDir());
    QemuConfig c = QemuConfig.fromEnvironment(none, Map.of(), true);
    assertEquals(QemuConfig.DEFAULT_KERNEL, c.kernel());
    assertEquals(Optional.empty(), c.accelerator());
    assertEquals(32, c.tbSizeMiB());
    assertEquals(WarmPoolConfig.DEFAULT, c.warmPool());
    assertEquals(1, c.warmPool().perShape(), "an idle machine pays for one VM per shape");
  }

  @Test
  void theWarmPoolIsSizedOrTurnedOff() {
    QemuConfig c = QemuConfig.fromEnvironment(new Properties(), Map.of("PEAPOD_WARM_POOL", "3",
        "PEAPOD_WARM_POOL_MEMORY", "512", "PEAPOD_WARM_POOL_IDLE", "60"), false);
    assertEquals(new WarmPoolConfig(3, 512, java.time.Duration.ofSeconds(60)), c.warmPool());
    Properties off = new Properties();
    off.setProperty("peapod.warmPool", "0");
    assertEquals(false, QemuConfig.fromEnvironment(off, Map.of("PEAPOD_WARM_POOL", "3"), false).warmPool().enabled());
    IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> QemuConfig.fromEnvironment(new Properties(), Map.of("PEAPOD_WARM_POOL", "two"), false));
    assertEquals("PEAPOD_WARM_POOL must be a whole number, got \"two\"", e.getMessage());
  }

  @Test
  void environmentAndPropertiesOverrideWithPropertiesFirst() {
    Properties props = new Properties();
    props.setProperty("peapod.kernel", "/p/bzImage");
    Map<String, String> env = Map.of("PEAPOD_KERNEL", "/e/bzImage", "PEAPOD_INITRD", "/e/init.cpio",
        "PEAPOD_HOME", "/state", "PEAPOD_ACCEL", "tcg", "PEAPOD_QEMU", "/opt/qemu");
    QemuConfig c = QemuConfig.fromEnvironment(props, env, false);
    assertEquals(Path.of("/p/bzImage"), c.kernel());
    assertEquals(Path.of("/e/init.cpio"), c.initrd());
    assertEquals(Path.of("/state"), c.stateDir());
    assertEquals(Optional.of(Accelerator.TCG), c.accelerator());
    assertEquals("/opt/qemu", c.qemuBinary());
  }
}
