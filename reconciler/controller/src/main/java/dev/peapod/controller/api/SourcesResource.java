package dev.peapod.controller.api;

import dev.peapod.controller.loop.PeapodController;
import dev.peapod.controller.source.SourceRunner;
import dev.peapod.controller.source.SourceStatus;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import java.util.Map;

/** The sources of desired state: their status, and the knobs {@code peapod sync|suspend|resume} turn. */
@Path("/v1/sources")
@Produces(MediaType.APPLICATION_JSON)
public class SourcesResource {

  @Inject
  PeapodController controller;

  @GET
  public List<SourceStatus> list() {
    return controller.sourceStatuses();
  }

  @GET
  @Path("{name}")
  public SourceStatus get(@PathParam("name") String name) {
    return controller.sourceStatus(name).orElseThrow(() -> Problem.notFound("no source named \"" + name + "\""));
  }

  /** Reads the source now; the answer comes at once, the read and its changes follow. */
  @POST
  @Path("{name}/sync")
  public Map<String, Object> sync(@PathParam("name") String name) {
    source(name);
    controller.requestSync(name);
    return Map.of("source", name, "sync", "requested");
  }

  @POST
  @Path("{name}/suspend")
  public SourceStatus suspend(@PathParam("name") String name) {
    source(name);
    controller.setSuspended(name, true);
    return source(name).status();
  }

  @POST
  @Path("{name}/resume")
  public SourceStatus resume(@PathParam("name") String name) {
    source(name);
    controller.setSuspended(name, false);
    return source(name).status();
  }

  private SourceRunner source(String name) {
    if (controller.isNodeAgent(name)) {
      throw new Problem(409, "Conflict", "source " + name + " is a node agent: it follows the API server's watch of"
          + " the PeaPods bound to its node, so there is no revision to read, suspend or resume; annotate or edit the"
          + " PeaPods instead");
    }
    return controller.source(name).orElseThrow(() -> Problem.notFound("no source named \"" + name + "\""));
  }
}
