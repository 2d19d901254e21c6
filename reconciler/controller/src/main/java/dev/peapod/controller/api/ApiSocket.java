package dev.peapod.controller.api;

import io.quarkus.vertx.http.DomainSocketServerStart;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.ObservesAsync;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * The API's unix socket, {@code $PEAPOD_HOME/peapod.sock}: once Vert.x has made it, its mode is
 * set to 0660 (owner and group of the state directory may connect, nobody else), whatever the
 * umask made it. The state directory itself is 0700, so this is a second fence, not the only one.
 */
@ApplicationScoped
public class ApiSocket {

  private static final Logger LOG = Logger.getLogger(ApiSocket.class);

  @ConfigProperty(name = "quarkus.http.domain-socket")
  String socket;

  void started(@ObservesAsync DomainSocketServerStart event) {
    Path path = Path.of(socket);
    try {
      Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-rw----"));
      LOG.infof("API on unix socket %s", path);
    } catch (IOException e) {
      LOG.warnf("cannot set the mode of the API socket %s: %s", path, e.getMessage());
    }
  }
}
