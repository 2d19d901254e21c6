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
