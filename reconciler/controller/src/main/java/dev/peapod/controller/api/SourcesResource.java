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
    return controller.sources().stream().map(SourceRunner::status).toList();
  }

  @GET
  @Path("{name}")
  public SourceStatus get(@PathParam("name") String name) {
    return source(name).status();
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
    return controller.source(name).orElseThrow(() -> Problem.notFound("no source named \"" + name + "\""));
  }
}
