package dev.peapod.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.peapod.cli.testing.Peapod;
import dev.peapod.cli.testing.Peapod.Result;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The example pods under {@code examples/} as {@code scripts/setup} brings them up: their images
 * built by {@code examples/images/build.sh} and loaded into a temporary PEAPOD_HOME, then each
 * file run with the real {@code ./peapod}, and what each example shows checked the way its
 * setup line tells people to look. Host ports are moved to free ones so that a developer's own
 * example pods on the same machine do not collide.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class ExamplesIT {
  private static final Path EXAMPLES = Peapod.REPO.resolve("examples");

  @TempDir
  static Path home;

  private Peapod peapod;

  @BeforeAll
  void buildExampleImages() throws Exception {
    peapod = new Peapod(home);
    Result build = peapod.exec("", List.of(EXAMPLES.resolve("images/build.sh").toString()),
        Map.of("PEAPOD_HOME", home.toString()));
    assertEquals(0, build.exitCode(), build::toString);
  }

  @AfterAll
  void killVms() {
    peapod.killAllVms();
  }

  @Test
  void webServesItsPageAndTheSidecarFetchesIt() throws Exception {
    int port = freePort();
    Result run = peapod.run("run", "-f", withHostPort("web/web.yaml", 8080, port).toString());
    assertEquals(0, run.exitCode(), run::toString);

    assertTrue(httpGet(port).contains("hello"), "the page");
    String fetched = "";
    for (int i = 0; i < 100 && fetched.isEmpty(); i++) {
      fetched = peapod.run("exec", "web", "-c", "fetcher", "--", "sh", "-c", "cat /var/log/web/fetch.log 2>/dev/null").out();
      Thread.sleep(200);
    }
    assertTrue(fetched.contains("<h1>"), "the sidecar fetched the page over localhost: " + fetched);
    assertEquals(0, peapod.run("rm", "--force", "web").exitCode());
  }

  @Test
  void initContainersPrepareWhatTheAppServesAndStateCreatedIsNotStarted() throws Exception {
    int port = freePort();
    Result run = peapod.run("run", "-f", withHostPort("init-containers/migrate.yaml", 8081, port).toString());
    assertEquals(0, run.exitCode(), run::toString);
    assertTrue(run.out().matches("(?s)Created app-with-init\nStarted app-with-init in .+\n"
        + "Created batch \\(not started: its spec\\.state is Created\\)\n"), run::toString);

    assertTrue(httpGet(port).startsWith("<h1>v2, prepared by the init container at "), "served from the emptyDir");
    Result migrate = peapod.run("logs", "app-with-init", "-c", "migrate");
    assertEquals("migrating the site to v2\ndone\n", migrate.out(), migrate::toString);
    JsonNode pod = peapod.inspect("app-with-init");
    assertEquals("RUNNING", pod.get("state").asText());
    assertEquals("init EXITED 0", describe(pod.get("containers").get(0)));
    assertEquals("sidecar RUNNING null", describe(pod.get("containers").get(1)));
    assertEquals("app RUNNING null", describe(pod.get("containers").get(2)));
    String shipped = "";
    for (int i = 0; i < 50 && !shipped.contains("response:200"); i++) {
      shipped = peapod.run("logs", "app-with-init", "-c", "log-shipper").out();
      Thread.sleep(200);
    }
    assertTrue(shipped.contains("response:200"), "the sidecar follows the app's access log: " + shipped);
    assertEquals("CREATED", peapod.inspect("batch").get("state").asText());
    Result ps = peapod.run("ps");
    assertTrue(ps.out().matches("(?s).*app-with-init +Running +2/2 .*"), ps::toString);
    assertEquals(0, peapod.run("rm", "--force", "app-with-init").exitCode());
    assertEquals(0, peapod.run("rm", "batch").exitCode());
  }

  @Test
  void sharedPidNamespaceLetsTheWatcherSeeTheServer() throws Exception {
    Result run = peapod.run("run", "-f", EXAMPLES.resolve("shared-pid/shared-pid.yaml").toString());
    assertEquals(0, run.exitCode(), run::toString);

    Result ps = peapod.run("exec", "shared-pid", "-c", "watcher", "--", "ps");
    assertEquals(0, ps.exitCode(), ps::toString);
    assertTrue(ps.out().contains("httpd"), "the server's process, seen from the watcher: " + ps.out());
    Result hostname = peapod.run("exec", "shared-pid", "-c", "server", "--", "hostname");
    assertEquals("pidns\n", hostname.out());
    assertEquals(0, peapod.run("rm", "--force", "shared-pid").exitCode());
  }

  private static String describe(JsonNode container) {
    return container.get("kind").asText() + " " + container.get("state").asText() + " " + container.get("exitCode");
  }

  /** A copy of the example with its host port moved. */
  private Path withHostPort(String example, int from, int to) throws IOException {
    String text = Files.readString(EXAMPLES.resolve(example));
    assertTrue(text.contains("hostPort: " + from), example + " forwards " + from);
    Path copy = home.resolve(Path.of(example).getFileName());
    Files.writeString(copy, text.replace("hostPort: " + from, "hostPort: " + to));
    return copy;
  }

  /** The body of the first 200 from 127.0.0.1:port; the server may need a moment after its process started. */
  private static String httpGet(int port) throws Exception {
    Exception last = null;
    for (int i = 0; i < 100; i++) {
      try {
        HttpURLConnection c = (HttpURLConnection) URI.create("http://127.0.0.1:" + port + "/").toURL().openConnection();
        c.setConnectTimeout(2000);
        c.setReadTimeout(2000);
        if (c.getResponseCode() == 200) {
          return new String(c.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
      } catch (IOException e) {
        last = e;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("no 200 from 127.0.0.1:" + port, last);
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
