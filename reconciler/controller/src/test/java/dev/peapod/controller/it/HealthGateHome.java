package dev.peapod.controller.it;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.HashMap;
import java.util.Map;

/** {@link ControllerHome} whose source gates every change: 3 s running within 20 s, or it is rolled back. */
public final class HealthGateHome implements QuarkusTestResourceLifecycleManager {

  private final ControllerHome home = new ControllerHome();

  @Override
  public Map<String, String> start() {
    Map<String, String> config = new HashMap<>(home.start());
    config.put("peapod.sources.pods.min-ready", "3s");
    config.put("peapod.sources.pods.progress-deadline", "20s");
    return config;
  }

  @Override
  public void stop() {
    home.stop();
  }
}
