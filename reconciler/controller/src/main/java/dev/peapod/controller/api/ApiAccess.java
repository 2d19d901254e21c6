package dev.peapod.controller.api;

import dev.peapod.controller.loop.PeapodController;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

/**
 * Who may call the API. Over the unix socket anyone who can open it (its mode and the state
 * directory's decide); over TCP every request needs {@code Authorization: Bearer <token>}, except
 * {@code /q/health/*} and {@code /q/metrics}, which kubelet probes and Prometheus scrapers call
 * without one, and the sources' webhooks, which carry an HMAC signature instead. A refused request is logged with its address and path, never with what it sent.
 *
 * <p>A Vert.x route ahead of all others, so it guards every path the server has (REST, OpenAPI,
 * server-sent events), not only the REST resources.
 */
@ApplicationScoped
public class ApiAccess {

  private static final Logger LOG = Logger.getLogger(ApiAccess.class);

  @Inject
  PeapodController controller;

  void install(@Observes Router router) {
    router.route().order(Integer.MIN_VALUE).handler(this::check);
  }

  private void check(RoutingContext rc) {
    HttpServerRequest request = rc.request();
    if (request.localAddress() == null || request.localAddress().isDomainSocket() || openPath(rc.normalizedPath())) {
      rc.next();
      return;
    }
    if (controller.apiToken().accepts(request.getHeader("Authorization"))) {
      rc.next();
      return;
    }
    LOG.warnf("refused %s %s from %s: %s", request.method(), request.path(), request.remoteAddress(),
        request.getHeader("Authorization") == null ? "no bearer token" : "wrong bearer token");
    rc.response().setStatusCode(401)
        .putHeader("Content-Type", "application/problem+json")
        .putHeader("WWW-Authenticate", "Bearer")
        .end("{\"type\":\"about:blank\",\"title\":\"Unauthorized\",\"status\":401,\"detail\":"
            + "\"requests over TCP need Authorization: Bearer <token>; the token is in $PEAPOD_HOME/api-token\"}");
  }

  /**
   * Health and metrics for probes and scrapers; a source's webhook, which a git server calls
   * without our token and which is authenticated by its HMAC signature instead.
   */
  static boolean openPath(String path) {
    return path.equals("/q/metrics") || path.equals("/q/health") || path.startsWith("/q/health/")
        || path.matches("/v1/sources/[a-z0-9-]+/webhook");
  }
}
