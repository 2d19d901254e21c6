package dev.peapod.controller.api;

import dev.peapod.controller.loop.PeapodController;
import dev.peapod.controller.source.SourceStatus;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready once every source has been read once, well or not: before that the controller does not
 * know what its pods should be. A broken revision does not make it unready (its pods keep the
 * last good one), so a probe never restarts a controller for someone else's bad commit.
 */
@Readiness
@ApplicationScoped
public class SourcesReadiness implements HealthCheck {

  @Inject
  PeapodController controller;

  @Override
  public HealthCheckResponse call() {
    var builder = HealthCheckResponse.named("sources synced once").status(controller.everySourceSynced());
    for (SourceStatus source : controller.sourceStatuses()) {
      builder.withData(source.name(), source.condition("Ready").status());
    }
    return builder.build();
  }
}
