package dev.peapod.provider.qemu;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.peapod.provider.PortForward;
import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Starts a background process of this module ({@link TemplateBuilder}, {@link WarmPoolKeeper})
 * that outlives whoever started it: the same java binary, the jars this module and its libraries
 * were loaded from (the code sources, so it works from Maven's test classpath and from the CLI's
 * jar alike), under util-linux {@code setsid}, so it is in a session of its own and a terminal's
 * SIGHUP or Ctrl-C (SIGINT to the foreground process group) does not reach it, and not as a child
 * of the launching JVM. stdin is /dev/null and stdout/stderr append to a log file: nothing ties it
 * to the launching process's pipes, so whoever waits for that process's output (a shell's command
 * substitution, a test harness) is not held up either.
 */
final class DetachedJvm {

  /**
   * JVM options: these processes mostly wait for QEMU, so C1 only with one compiler thread, a small
   * serial heap, a small code cache and no perf data file. A keeper lives as long as its pool: these
   * bring an idle one from ~58 to ~47 MiB resident (~40 to ~29 MiB PSS).
   */
  private static final List<String> JVM_OPTIONS = List.of("-XX:TieredStopAtLevel=1", "-XX:CICompilerCount=1",
      "-XX:+UseSerialGC", "-Xms4m", "-Xmx64m", "-Xss512k", "-XX:ReservedCodeCacheSize=8m",
      "-XX:MaxMetaspaceSize=48m", "-XX:-UsePerfData", "-Xshare:auto");
  /** Classes from each jar the processes need: this module, the SPI, Jackson (QMP, records). */
  private static final List<Class<?>> CLASSPATH_ANCHORS = List.of(DetachedJvm.class, PortForward.class,
      ObjectMapper.class, JsonFactory.class, JsonAutoDetect.class, Jdk8Module.class, JavaTimeModule.class,
      dev.peapod.files.AtomicFiles.class);

  /**
   * Runs {@code "$@"} in the background with stdin from /dev/null and output appended to {@code
   * $1}, and prints its pid. Without job control the background job stays in the shell's process
   * group, so {@code setsid} need not fork and the pid printed is the process's.
   */
  private static final String DETACH = "log=$1; shift; \"$@\" </dev/null >>\"$log\" 2>&1 & echo $!";

  private DetachedJvm() {}

  /**
   * Starts {@code main}'s {@code main(args)} detached and returns its pid without waiting for it.
   *
   * <p>A shell starts it in the background and exits at once, so the process is not a child of
   * this JVM: a child would keep a JVM thread blocked in {@code waitpid}, a native call, and a
   * JVM exiting waits up to 300 ms for its threads in native code to return (HotSpot's {@code
   * VM_Exit::wait_for_threads_in_native_to_block}), measured as ~330 ms more from the CLI's last
   * line to its exit. The arguments reach the shell as positional parameters, never as text
   * it parses.
   *
   * @param workDir its working directory (no hold on the launcher's)
   */
  static long launch(Class<?> main, List<String> args, Path workDir, Path log) throws IOException {
    List<String> command = new ArrayList<>(List.of("sh", "-c", DETACH, "sh", log.toString(), "setsid",
        javaBinary().toString()));
    command.addAll(JVM_OPTIONS);
    command.addAll(List.of("-cp", classpath(), main.getName()));
    command.addAll(args);
    Process shell = new ProcessBuilder(command)
        .directory(workDir.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
        .redirectErrorStream(true)
        .start();
    String out = new String(shell.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    try {
      if (!shell.waitFor(10, TimeUnit.SECONDS) || shell.exitValue() != 0 || !out.matches("[0-9]+")) {
        shell.destroyForcibly();
        throw new IOException("cannot start " + main.getSimpleName() + ": sh said \"" + out + "\"");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while starting " + main.getSimpleName(), e);
    }
    return Long.parseLong(out);
  }

  private static Path javaBinary() {
    return Path.of(System.getProperty("java.home"), "bin", "java");
  }

  /** The jars or class directories the processes' classes come from. */
  static String classpath() {
    Set<String> entries = new LinkedHashSet<>();
    for (Class<?> anchor : CLASSPATH_ANCHORS) {
      CodeSource source = anchor.getProtectionDomain().getCodeSource();
      if (source == null || source.getLocation() == null) {
        throw new IllegalStateException("cannot tell which jar " + anchor.getName() + " was loaded from");
      }
      try {
        entries.add(Path.of(source.getLocation().toURI()).toString());
      } catch (URISyntaxException | IllegalArgumentException e) {
        throw new IllegalStateException("cannot tell which jar " + anchor.getName() + " was loaded from: "
            + source.getLocation(), e);
      }
    }
    return String.join(File.pathSeparator, entries);
  }
}
