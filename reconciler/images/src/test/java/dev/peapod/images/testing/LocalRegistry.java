package dev.peapod.images.testing;

import at.favre.lib.crypto.bcrypt.BCrypt;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real Distribution registry (Debian's docker-registry) on 127.0.0.1 with a free
 * port, its own storage and config, optionally behind basic auth; seeded with skopeo.
 */
public final class LocalRegistry implements AutoCloseable {
  public static final String BINARY = "/usr/bin/docker-registry";

  private final Process process;
  private final int port;
  private final String username;
  private final String password;
  private final Path log;

  private LocalRegistry(Path dir, String username, String password) throws IOException {
    this.username = username;
    this.password = password;
    this.port = freePort();
    Files.createDirectories(dir.resolve("storage"));
    StringBuilder config = new StringBuilder()
        .append("version: 0.1\n")
        .append("log:\n  level: warn\n")
        .append("storage:\n  filesystem:\n    rootdirectory: ").append(dir.resolve("storage")).append('\n')
        .append("  delete:\n    enabled: true\n")
        .append("http:\n  addr: 127.0.0.1:").append(port).append('\n');
    if (username != null) {
      String hash = BCrypt.with(BCrypt.Version.VERSION_2Y).hashToString(5, password.toCharArray());
      Files.writeString(dir.resolve("htpasswd"), username + ":" + hash + "\n");
      config.append("auth:\n  htpasswd:\n    realm: peapod-test\n    path: ").append(dir.resolve("htpasswd")).append('\n');
    }
    Path configFile = dir.resolve("config.yml");
    Files.writeString(configFile, config.toString());
    log = dir.resolve("registry.log");
    process = new ProcessBuilder(BINARY, "serve", configFile.toString())
        .redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .start();
    awaitReady();
  }

  public static LocalRegistry start(Path dir) throws IOException {
    return new LocalRegistry(dir, null, null);
  }

  public static LocalRegistry startWithBasicAuth(Path dir, String username, String password) throws IOException {
    return new LocalRegistry(dir, username, password);
  }

  /** host:port, as it appears in references. */
  public String host() {
    return "127.0.0.1:" + port;
  }

  /** Copies {@code oci:LAYOUT:tag} to {@code HOST/name:tag}; {@code all} copies every platform of an index. */
  public void push(Path layout, String tag, String name, boolean all) {
    List<String> command = new ArrayList<>(List.of("skopeo", "--insecure-policy", "copy", "--quiet",
        "--dest-tls-verify=false"));
    if (all) {
      command.add("--all");
    }
    if (username != null) {
      command.add("--dest-creds=" + username + ":" + password);
    }
    command.add("oci:" + layout + ":" + tag);
    command.add("docker://" + host() + "/" + name);
    run(command);
  }

  public static void run(List<String> command) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(300, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException(String.join(" ", command) + " failed: " + out);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private void awaitReady() throws IOException {
    Instant deadline = Instant.now().plus(Duration.ofSeconds(20));
    while (Instant.now().isBefore(deadline)) {
      if (!process.isAlive()) {
        throw new IOException("docker-registry exited: " + Files.readString(log));
      }
      try {
        HttpURLConnection c = (HttpURLConnection) URI.create("http://" + host() + "/v2/").toURL().openConnection();
        c.setConnectTimeout(200);
        int status = c.getResponseCode();
        c.disconnect();
        if (status == 200 || status == 401) {
          return;
        }
      } catch (IOException notYet) {
        // keep polling
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException(e);
      }
    }
    throw new IOException("docker-registry did not answer on " + host());
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
