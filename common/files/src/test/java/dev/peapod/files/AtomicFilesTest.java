package dev.peapod.files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {
  @TempDir Path tmp;

  @Test
  void replacesTheFileWholeAndLeavesNoTemporaryFile() throws IOException {
    Path file = tmp.resolve("record.json");
    AtomicFiles.write(file, "old".getBytes(StandardCharsets.UTF_8));
    AtomicFiles.write(file, "new".getBytes(StandardCharsets.UTF_8));
    assertEquals("new", Files.readString(file));
    assertEquals(0600, (Integer) Files.getAttribute(file, "unix:mode") & 0777, "private whatever the umask");
    try (Stream<Path> files = Files.list(tmp)) {
      assertEquals(List.of(file), files.toList());
    }
  }

  /**
   * The system calls, as strace sees them from a separate JVM: the temporary file is fsynced,
   * then renamed over the record, then the directory is fsynced.
   */
  @Test
  void fsyncsTheFileBeforeTheRenameAndTheDirectoryAfter() throws Exception {
    Path dir = Files.createDirectory(tmp.resolve("records"));
    Path file = dir.resolve("web.json");
    Path trace = tmp.resolve("strace.out");
    String classpath = location(AtomicFiles.class) + ":" + location(AtomicWriteProbe.class);
    Process process = new ProcessBuilder("strace", "-f", "-qq", "-y", "-o", trace.toString(),
        "-e", "trace=fsync,fdatasync,rename,renameat,renameat2",
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp", classpath,
        AtomicWriteProbe.class.getName(), file.toString(), "{}")
        .redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(process.waitFor(60, TimeUnit.SECONDS) && process.exitValue() == 0, output);
    assertEquals("{}", Files.readString(file));

    List<String> calls = new ArrayList<>();
    for (String line : Files.readAllLines(trace)) {
      if (line.contains(dir.toString())) {
        calls.add(line.replaceFirst("^\\d+\\s+", "").replace(dir.toString(), "DIR").replaceAll("web\\.json\\d+\\.tmp", "web.json.tmp"));
      }
    }
    assertEquals(3, calls.size(), String.join("\n", calls));
    assertTrue(calls.get(0).matches("f(data)?sync\\(\\d+<DIR/\\.web\\.json\\.tmp>\\) = 0"), calls.get(0));
    assertTrue(calls.get(1).matches("rename(at2?)?\\(.*\"DIR/\\.web\\.json\\.tmp\".*\"DIR/web\\.json\".*\\) = 0"), calls.get(1));
    assertTrue(calls.get(2).matches("f(data)?sync\\(\\d+<DIR>\\) = 0"), calls.get(2));
  }

  private static String location(Class<?> type) throws Exception {
    return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
  }
}
