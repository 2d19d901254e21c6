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
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The template builder process: {@code main} makes one template VM (see {@link
 * TemplateMaker#build}) and exits, so that the process whose cold boot asked for the
 * template (the CLI, typically) can exit at once instead of waiting 4-7 s for it.
 *
 * <p>{@link #launch} starts it detached: the same java binary, the jars this class and its
 * libraries were loaded from (the code sources, so it works from Maven's test classpath
 * and from the CLI's jar alike),
 * under util-linux {@code setsid}, so it is in a session of its own and a terminal's
 * SIGHUP or Ctrl-C (SIGINT to the foreground process group) does not reach it, and not as a
 * child of the launching JVM (see {@link #launch}). stdin is /dev/null and stdout/stderr
 * append to {@code <templates>/<key>.log}: nothing ties it to the launching process's pipes,
 * so whoever waits for that process's output (a shell's command substitution, a test
 * harness) is not held up either.
 *
 * <p>Everything that shapes the template comes on the command line, never from the
 * environment or from /proc again (the TSC frequency read from /proc/cpuinfo can differ
 * between two reads), and the builder refuses to build when its inputs give another key
 * than the one its launcher computed.
 */
final class TemplateBuilder {

  /** JVM options of the builder: it mostly waits for QEMU, so C1 only and a small serial heap. */
  private static final List<String> JVM_OPTIONS = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
      "-Xmx64m", "-Xshare:auto");
  /** Classes from each jar the builder needs: this module, the SPI, Jackson (QMP). */
  private static final List<Class<?>> CLASSPATH_ANCHORS = List.of(TemplateBuilder.class, PortForward.class,
      ObjectMapper.class, JsonFactory.class, JsonAutoDetect.class, Jdk8Module.class, JavaTimeModule.class);

  /**
   * Runs {@code "$@"} in the background with stdin from /dev/null and output appended to {@code
   * $1}, and prints its pid. Without job control the background job stays in the shell's process
   * group, so {@code setsid} need not fork and the pid printed is the builder's.
   */
  private static final String DETACH = "log=$1; shift; \"$@\" </dev/null >>\"$log\" 2>&1 & echo $!";

  private TemplateBuilder() {}

  /**
   * What to build.
   *
   * @param root the templates directory
   * @param key the template key the launcher computed for these inputs
   * @param qemuBinary the qemu-system-x86_64 to run
   * @param tbSizeMiB TCG translation buffer size (see {@link QemuCommandLine})
   * @param tscKhz the host TSC frequency the launcher's VMs use, if known
   * @param bootTimeout how long the template guest may take to answer
   * @param shape the VM shape
   */
  record Request(Path root, String key, String qemuBinary, int tbSizeMiB, OptionalLong tscKhz,
      Duration bootTimeout, VmShape shape) {

    /** The arguments of {@link #main}: {@code name=value}, readable in {@code ps}. */
    List<String> toArgs() {
      Map<String, String> args = new LinkedHashMap<>();
      args.put("root", root.toString());
      args.put("key", key);
      args.put("qemu", qemuBinary);
      args.put("tb-size-mib", Integer.toString(tbSizeMiB));
      args.put("tsc-khz", tscKhz.isPresent() ? Long.toString(tscKhz.getAsLong()) : "unknown");
      args.put("boot-timeout-ms", Long.toString(bootTimeout.toMillis()));
      args.put("kernel", shape.kernel().toString());
      args.put("initrd", shape.initrd().toString());
      args.put("vcpus", Integer.toString(shape.vcpus()));
      args.put("memory-mib", Integer.toString(shape.memoryMiB()));
      args.put("accelerator", shape.accelerator().id());
      return args.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList();
    }

    /** Parses {@link #toArgs()}; a missing or malformed argument is an IllegalArgumentException naming it. */
    static Request parse(String[] argv) {
      Map<String, String> args = new LinkedHashMap<>();
      for (String arg : argv) {
        int eq = arg.indexOf('=');
        if (eq <= 0) {
          throw new IllegalArgumentException("argument \"" + arg + "\" is not name=value");
        }
        args.put(arg.substring(0, eq), arg.substring(eq + 1));
      }
      Path root = Path.of(required(args, "root"));
      String key = required(args, "key");
      String qemu = required(args, "qemu");
      int tbSize = number(args, "tb-size-mib");
      OptionalLong tsc = required(args, "tsc-khz").equals("unknown") ? OptionalLong.empty()
          : OptionalLong.of(number(args, "tsc-khz"));
      return new Request(root, key, qemu, tbSize, tsc, Duration.ofMillis(number(args, "boot-timeout-ms")),
          new VmShape(Path.of(required(args, "kernel")), Path.of(required(args, "initrd")),
              number(args, "vcpus"), number(args, "memory-mib"), Accelerator.parse(required(args, "accelerator"))));
    }

    private static String required(Map<String, String> args, String name) {
      String value = args.get(name);
      if (value == null || value.isEmpty()) {
        throw new IllegalArgumentException("missing argument " + name + "=");
      }
      return value;
    }

    private static int number(Map<String, String> args, String name) {
      try {
        return Math.toIntExact(Long.parseLong(required(args, name)));
      } catch (NumberFormatException | ArithmeticException e) {
        throw new IllegalArgumentException("argument " + name + "=" + args.get(name) + " is not a number");
      }
    }
  }

  /**
   * Makes the template {@code args} describe (see {@link Request#toArgs()}). Exit status 0 when
   * it was made, or exists, or another builder holds its lock; 1 when making it failed; 2 for
   * arguments that do not describe a template.
   */
  public static void main(String[] args) {
    int status;
    try {
      Request request = Request.parse(args);
      // The builder restores nothing, so the RAM that restores share is never touched here.
      QemuCommandLine commandLine = new QemuCommandLine(request.qemuBinary(), request.tbSizeMiB(), request.tscKhz());
      TemplateCatalogue templates = new TemplateCatalogue(true, commandLine, request.root(),
          new TemplateRam(QemuProvider.TEMPLATE_RAMFS, Path.of("/dev/shm")));
      String key = templates.key(request.shape());
      if (!key.equals(request.key())) {
        throw new IllegalArgumentException("these inputs give template key " + key + ", not " + request.key()
            + " (kernel or initrd changed since the build was asked for?)");
      }
      new TemplateMaker(templates, commandLine, request.bootTimeout()).build(request.shape(), TemplateBuilder::say);
      status = 0;
    } catch (IllegalArgumentException e) {
      say("template builder: " + e.getMessage());
      status = 2;
    } catch (IOException | RuntimeException e) {
      say("cannot make the template VM (pods keep booting cold): " + e);
      e.printStackTrace();
      status = 1;
    }
    // QMP and guest connections may leave threads behind; the build is over either way.
    System.exit(status);
  }

  /** One line of the builder's log: stderr, which {@link #launch} appends to the log file. */
  private static void say(String line) {
    System.err.println(LocalDateTime.now().truncatedTo(ChronoUnit.MILLIS) + " " + line);
  }

  /**
   * Starts a builder for {@code request}, detached (see the class comment), and returns its pid
   * without waiting for it.
   *
   * <p>A shell starts it in the background and exits at once, so the builder is not a child of
   * this JVM: a child would keep a JVM thread blocked in {@code waitpid}, a native call, and a
   * JVM exiting waits up to 300 ms for its threads in native code to return (HotSpot's {@code
   * VM_Exit::wait_for_threads_in_native_to_block}), measured as ~330 ms more from the CLI's last
   * line to its exit. The arguments reach the shell as positional parameters, never as text
   * it parses.
   */
  static long launch(Request request, Path log) throws IOException {
    List<String> command = new ArrayList<>(List.of("sh", "-c", DETACH, "sh", log.toString(), "setsid",
        javaBinary().toString()));
    command.addAll(JVM_OPTIONS);
    command.addAll(List.of("-cp", classpath(), TemplateBuilder.class.getName()));
    command.addAll(request.toArgs());
    Process shell = new ProcessBuilder(command)
        .directory(request.root().toFile()) // no hold on the launcher's working directory
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
        .redirectErrorStream(true)
        .start();
    String out = new String(shell.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    try {
      if (!shell.waitFor(10, TimeUnit.SECONDS) || shell.exitValue() != 0 || !out.matches("[0-9]+")) {
        shell.destroyForcibly();
        throw new IOException("cannot start a template builder: sh said \"" + out + "\"");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while starting a template builder", e);
    }
    return Long.parseLong(out);
  }

  private static Path javaBinary() {
    return Path.of(System.getProperty("java.home"), "bin", "java");
  }

  /** The jars or class directories the builder's classes come from. */
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
