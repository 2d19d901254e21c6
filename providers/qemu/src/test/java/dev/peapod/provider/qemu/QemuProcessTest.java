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
    assertTrue(e.getMessage().startsWith("cannot run /nonexistent/qemu"), e.getMessage());
  }

  @Test
  void aDaemonIsFoundByItsPidFileAndCanBeKilled() throws Exception {
    VmFiles files = new VmFiles(tmp.resolve("run"));
    // Like -daemonize: the daemon writes its own pid file, and the foreground
    // process exits 0 once it exists. Both command lines contain "sleep 60".
    Path pid = files.pidFile();
    Path qemu = script("setsid sh -c 'echo $$ > " + pid + "; exec sleep 60' </dev/null >/dev/null 2>&1 &\n"
        + "while [ ! -s " + pid + " ]; do sleep 0.01; done");
    QemuProcess p = QemuProcess.launch(List.of(qemu.toString()), files);
    String marker = "sleep 60";
    assertTrue(p.isAlive(marker));
    p.kill(marker, Duration.ofSeconds(5));
    assertTrue(!p.isAlive(marker));
  }
}
