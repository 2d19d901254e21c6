package dev.peapod.provider.qemu;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * The template builder process: {@code main} makes one template VM (see {@link
 * TemplateMaker#build}) and exits, so that the process whose cold boot asked for the
 * template (the CLI, typically) can exit at once instead of waiting 4-7 s for it.
 *
 * <p>{@link #launch} starts it detached ({@link DetachedJvm}), its output appended to {@code
 * <templates>/<key>.log}.
 *
 * <p>Everything that shapes the template comes on the command line, never from the
 * environment or from /proc again (the TSC frequency read from /proc/cpuinfo can differ
 * between two reads), and the builder refuses to build when its inputs give another key
 * than the one its launcher computed.
 */
final class TemplateBuilder {

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
      new TemplateMaker(templates, commandLine, request.bootTimeout(),
          dev.peapod.provider.qemu.runtime.VmUsers.fromEnvironment()).build(request.shape(), TemplateBuilder::say);
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

  /** Starts a builder for {@code request}, detached (see {@link DetachedJvm}), and returns its pid without waiting. */
  static long launch(Request request, Path log) throws IOException {
    return DetachedJvm.launch(TemplateBuilder.class, request.toArgs(), request.root(), log);
  }
}
