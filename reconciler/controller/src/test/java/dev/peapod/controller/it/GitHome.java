package dev.peapod.controller.it;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * {@link ControllerHome} with a git source instead of a directory: a repository on git daemon
 * whose {@code prod/} directory is the source ({@code git:URL#main//prod}), a webhook secret, and
 * a long interval, so that only the webhook makes the controller fetch in time.
 */
public final class GitHome implements QuarkusTestResourceLifecycleManager {

  static GitServer git;
  static final String SECRET = "it-webhook-secret";
  private final ControllerHome home = new ControllerHome();

  @Override
  public Map<String, String> start() {
    Map<String, String> config = new HashMap<>(home.start());
    try {
      git = new GitServer(Files.createDirectories(ControllerHome.home.resolve("git")));
      Files.createDirectories(git.work().resolve("prod"));
      Files.writeString(git.work().resolve("prod/.keep"), ""); // git keeps no empty directory
      Files.writeString(git.work().resolve("README"), "pods\n");
      git.commitAndPush("first");
      Path secret = ControllerHome.home.resolve("webhook-secret");
      Files.writeString(secret, SECRET + "\n");
      config.remove("peapod.sources.pods.url");
      config.remove("peapod.sources.pods.interval");
      config.put("peapod.sources.prod.url", "git:" + git.url() + "#main//prod");
      config.put("peapod.sources.prod.interval", "10m");
      config.put("peapod.sources.prod.webhook-secret-file", secret.toString());
      return config;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void stop() {
    if (git != null) {
      git.close();
    }
    home.stop();
  }
}
