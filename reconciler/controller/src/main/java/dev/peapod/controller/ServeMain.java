package dev.peapod.controller;

import dev.peapod.provider.qemu.QemuConfig;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code peapod serve [--source [NAME=]dir:PATH|git:URL#REF//PATH|k8s:[NODE]]... [--listen HOST:PORT]
 * [--config FILE] [--workers N]}: the flags become the configuration properties a config file
 * could give ({@code peapod.sources.NAME.url}, ...), so both ways meet in one
 * {@link dev.peapod.controller.config.ControllerConfig}. A source without a name is named after
 * the last part of its path.
 */
@QuarkusMain
public final class ServeMain {
  private ServeMain() {}

  public static void main(String... args) {
    List<String> rest = new ArrayList<>();
    try {
      for (int i = 0; i < args.length; i++) {
        String arg = args[i];
        switch (arg) {
          case "serve" -> { }
          case "--source" -> source(value(args, ++i, arg));
          case "--listen" -> listen(value(args, ++i, arg));
          case "--config" -> System.setProperty("quarkus.config.locations", value(args, ++i, arg));
          case "--workers" -> System.setProperty("peapod.workers", value(args, ++i, arg));
          case "-h", "--help" -> {
            System.out.println(USAGE);
            return;
          }
          default -> rest.add(arg);
        }
      }
    } catch (IllegalArgumentException e) {
      System.err.println("peapod serve: " + e.getMessage());
      System.err.println(USAGE);
      System.exit(64);
      return;
    }
    if (!rest.isEmpty()) {
      System.err.println("peapod serve: unknown arguments " + rest);
      System.err.println(USAGE);
      System.exit(64);
      return;
    }
    socketInStateDirectory();
    Quarkus.run(rest.toArray(String[]::new));
  }

  /**
   * The API's socket goes into the state directory (made 0700 if new), which is only known from
   * the same settings the provider reads ({@code peapod.home}, {@code PEAPOD_HOME}, root or not).
   */
  private static void socketInStateDirectory() {
    if (System.getProperty("quarkus.http.domain-socket") != null) {
      return;
    }
    Path home = QemuConfig.fromEnvironment().stateDir();
    try {
      if (!Files.isDirectory(home)) {
        Files.createDirectories(home, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      }
      Files.deleteIfExists(home.resolve("peapod.sock")); // left by a controller that was killed
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare the state directory " + home, e);
    }
    System.setProperty("quarkus.http.domain-socket", home.resolve("peapod.sock").toString());
  }

  static final String USAGE = """
      Usage: peapod serve [--source [NAME=]dir:PATH|git:URL#REF//PATH|k8s:[NODE]]... [--listen HOST:PORT] [--config FILE] [--workers N]
        Keeps pods converged to directories and git repositories; API on $PEAPOD_HOME/peapod.sock
        (and on HOST:PORT with the bearer token in $PEAPOD_HOME/api-token).""";

  private static String value(String[] args, int i, String flag) {
    if (i >= args.length) {
      throw new IllegalArgumentException(flag + " needs a value");
    }
    return args[i];
  }

  private static void source(String spec) {
    String name;
    String url;
    int eq = spec.indexOf('=');
    int colon = spec.indexOf(':');
    if (eq > 0 && (colon < 0 || eq < colon)) {
      name = spec.substring(0, eq);
      url = spec.substring(eq + 1);
    } else {
      url = spec;
      name = defaultName(url);
    }
    if (!name.matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?")) {
      throw new IllegalArgumentException("source name \"" + name + "\" must be lower-case letters, digits and '-'"
          + " (name it: --source NAME=" + url + ")");
    }
    System.setProperty("peapod.sources." + name + ".url", url);
  }

  static String defaultName(String url) {
    String path = url.replaceAll("[#].*?(//|$)", "/").replaceAll("/+$", "");
    String last = path.substring(path.lastIndexOf('/') + 1).replaceAll("\\.git$", "");
    return last.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9-]", "-").replaceAll("^-+|-+$", "");
  }

  private static void listen(String hostPort) {
    int colon = hostPort.lastIndexOf(':');
    if (colon <= 0) {
      throw new IllegalArgumentException("--listen needs HOST:PORT, got \"" + hostPort + "\"");
    }
    System.setProperty("peapod.api.listen", hostPort);
    System.setProperty("quarkus.http.host", hostPort.substring(0, colon));
    System.setProperty("quarkus.http.port", hostPort.substring(colon + 1));
    System.setProperty("quarkus.http.host-enabled", "true");
  }
}
