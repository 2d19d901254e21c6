package dev.peapod.provider.qemu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peapod.provider.qemu.runtime.VmFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Launch handling, with shell scripts standing in for QEMU. */
class QemuProcessTest {

  @TempDir Path tmp;

  private Path script(String body) throws Exception {
    Path s = tmp.resolve("fake-qemu");
    Files.writeString(s, "#!/bin/sh\n" + body + "\n");
    Files.setPosixFilePermissions(s, PosixFilePermissions.fromString("rwx------"));
    return s;
  }

  @Test
  void qemuErrorsEndUpInTheException() throws Exception {
    Path qemu = script("echo 'qemu-system-x86_64: -drive id=img0: Could not open img.erofs' >&2; exit 1");
    VmLaunchException e = assertThrows(VmLaunchException.class,
        () -> QemuProcess.launch(List.of(qemu.toString()), new VmFiles(tmp.resolve("run"))));
    assertEquals("QEMU exited with status 1: qemu-system-x86_64: -drive id=img0: Could not open img.erofs",
        e.getMessage());
  }

  @Test
  void aMissingBinaryIsNamed() {
    VmLaunchException e = assertThrows(VmLaunchException.class,
        () -> QemuProcess.launch(List.of("/nonexistent/qemu"), new VmFiles(tmp.resolve("run"))));
    assertTrue(e.getMessage().contains("/nonexistent/qemu: No such file or directory"), e.getMessage());
  }

  @Test
  void aQemuIsSetUpWhenItsMonitorGreetsAndIsFoundByItsPidFile() throws Exception {
    VmFiles files = new VmFiles(tmp.resolve("run"));
    // Like QEMU: it writes its own pid file and, once set up, greets on its QMP socket.
    Path monitor = tmp.resolve("fake-monitor");
    Files.writeString(monitor, "#!/bin/sh\nprintf '{\"QMP\": {\"version\": {}, \"capabilities\": []}}\\n'\n"
        + "read line\nprintf '{\"return\": {}}\\n'\ncat >/dev/null\n");
    Files.setPosixFilePermissions(monitor, PosixFilePermissions.fromString("rwx------"));
    Path qemu = script("echo $$ > " + files.pidFile() + "; sleep 0.3; exec socat UNIX-LISTEN:" + files.qmpSocket()
        + ",fork EXEC:" + monitor);
    QemuProcess p = QemuProcess.launch(List.of(qemu.toString()), files);
    String marker = "UNIX-LISTEN:";
    assertTrue(p.isAlive(marker));
    p.kill(marker, Duration.ofSeconds(5));
    assertTrue(!p.isAlive(marker));
  }
}
