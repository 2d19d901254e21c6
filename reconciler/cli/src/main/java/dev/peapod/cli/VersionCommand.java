package dev.peapod.cli;

import dev.peapod.cli.output.Output;
import dev.peapod.cli.output.Table;
import dev.peapod.provider.qemu.QemuConfig;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code peapod version}: what would run a pod here — Peapod, the JVM, the QEMU binary found,
 * and the guest kernel and initrd in use — so a bug report can start from one paste.
 */
@Command(name = "version", description = "Show the versions and paths Peapod uses.")
public final class VersionCommand implements Runnable {

  @Spec
  CommandSpec spec;

  @Override
  public void run() {
    PeapodCommand root = PeapodCommand.of(spec);
    CliEnvironment environment = root.environment();
    QemuConfig qemu = environment.qemuConfig();
    Optional<Path> qemuBinary = findExecutable(qemu.qemuBinary(), environment.env().get("PATH"));
    String qemuVersion = qemuBinary.map(VersionCommand::qemuVersion).orElse(null);
    String java = System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ", "
        + System.getProperty("java.vendor") + ")";

    Output output = root.output(spec);
    if (output.structured()) {
      Map<String, Object> data = new LinkedHashMap<>();
      data.put("peapod", PeapodVersion.get());
      data.put("java", java);
      Map<String, Object> qemuData = new LinkedHashMap<>();
      qemuData.put("binary", qemuBinary.map(Path::toString).orElse(qemu.qemuBinary()));
      qemuData.put("found", qemuBinary.isPresent());
      qemuData.put("version", qemuVersion);
      data.put("qemu", qemuData);
      data.put("kernel", fileData(qemu.kernel()));
      data.put("initrd", fileData(qemu.initrd()));
      data.put("home", environment.home().toString());
      output.data(data);
      return;
    }
    String qemuText = qemuBinary
        .map(path -> (qemuVersion == null ? "unknown version" : qemuVersion) + " (" + path + ")")
        .orElse("not found (" + qemu.qemuBinary() + "; set PEAPOD_QEMU)");
    Table table = new Table("COMPONENT", "VERSION OR PATH")
        .row("peapod", PeapodVersion.get())
        .row("java", java)
        .row("qemu", qemuText)
        .row("kernel", fileText(qemu.kernel(), "PEAPOD_KERNEL"))
        .row("initrd", fileText(qemu.initrd(), "PEAPOD_INITRD"))
        .row("home", environment.home().toString());
    output.table(table);
  }

  private static Map<String, Object> fileData(Path file) {
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("path", file.toString());
    data.put("exists", Files.isRegularFile(file));
    return data;
  }

  private static String fileText(Path file, String variable) {
    return Files.isRegularFile(file) ? file.toString() : file + " (missing; set " + variable + ")";
  }

  /** The binary as given if it holds a slash, else the first match on PATH — as the shell finds it. */
  static Optional<Path> findExecutable(String name, String path) {
    if (name.contains("/")) {
      Path file = Path.of(name);
      return Files.isExecutable(file) ? Optional.of(file) : Optional.empty();
    }
    for (String dir : (path == null ? "/usr/local/bin:/usr/bin:/bin" : path).split(":")) {
      Path file = Path.of(dir.isEmpty() ? "." : dir, name);
      if (Files.isRegularFile(file) && Files.isExecutable(file)) {
        return Optional.of(file);
      }
    }
    return Optional.empty();
  }

  /** "7.2.15" from "QEMU emulator version 7.2.15 (Debian 1:7.2+dfsg-7+deb12u13)"; null if it will not say. */
  private static String qemuVersion(Path binary) {
    try {
      Process process = new ProcessBuilder(binary.toString(), "--version").redirectErrorStream(true).start();
      String first;
      try (BufferedReader reader = new BufferedReader(
          new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        first = reader.readLine();
      }
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        return null;
      }
      if (first == null) {
        return null;
      }
      int at = first.indexOf("version ");
      return at < 0 ? first.strip() : first.substring(at + "version ".length()).strip();
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }
}
