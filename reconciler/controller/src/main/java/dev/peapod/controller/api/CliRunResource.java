package dev.peapod.controller.api;

import dev.peapod.controller.loop.PeapodController;
import dev.peapod.engine.handoff.HandedRuns;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.Map;

/**
 * {@code peapod run -f FILE} done for the CLI, whole, in the controller's warm JVM (which also
 * keeps the warm VMs): what is done, given back and answered is {@link HandedRuns}'s, shared with
 * the CLI's run server for a home no controller serves. Read as a JSON object, not bound to {@link
 * HandedRuns.Request}: a field this version does not know (a newer command's) gives the run back
 * instead of being ignored, and the command runs it itself.
 */
@Path("/v1/cli/run")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class CliRunResource {

  @Inject
  PeapodController controller;

  @POST
  public Map<String, Object> run(Map<String, Object> request) {
    if (request == null) {
      throw new Problem(400, "Bad Request", "a run needs file, content and command");
    }
    try {
      return HandedRuns.run(controller.home(), controller::openEngine, request);
    } catch (IllegalArgumentException e) {
      throw new Problem(400, "Bad Request", e.getMessage());
    }
  }
}
