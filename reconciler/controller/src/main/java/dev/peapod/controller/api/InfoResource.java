package dev.peapod.controller.api;

import dev.peapod.controller.loop.ControllerEvent;
import dev.peapod.controller.loop.PeapodController;
import dev.peapod.images.StoredImage;
import io.smallrye.mutiny.Multi;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jboss.resteasy.reactive.RestStreamElementType;

/** Version, images and the event stream. */
@Path("/v1")
public class InfoResource {

  @Inject
  PeapodController controller;

  @GET
  @Path("version")
  @Produces(MediaType.APPLICATION_JSON)
  public Map<String, Object> version() {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("peapod", InfoResource.class.getPackage().getImplementationVersion() == null ? "dev"
        : InfoResource.class.getPackage().getImplementationVersion());
    out.put("api", "v1");
    out.put("java", System.getProperty("java.version"));
    out.put("home", controller.home().toString());
    out.put("kernel", controller.qemuConfig().kernel().toString());
    return out;
  }

  @GET
  @Path("images")
  @Produces(MediaType.APPLICATION_JSON)
  public List<Map<String, Object>> images() {
    return controller.images().list().stream().map(InfoResource::image).toList();
  }

  private static Map<String, Object> image(StoredImage image) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("id", image.id().toString());
    out.put("references", image.references());
    out.put("rootfs", image.rootfs().toString());
    return out;
  }

  /** Every event from now on, as server-sent events (the last 20 first, so a client sees context). */
  @GET
  @Path("events")
  @Produces(MediaType.SERVER_SENT_EVENTS)
  @RestStreamElementType(MediaType.APPLICATION_JSON)
  public Multi<ControllerEvent> events() {
    return Multi.createFrom().emitter(emitter -> {
      controller.events().recent(null, null, 20).forEach(emitter::emit);
      Runnable unsubscribe = controller.events().subscribe(emitter::emit);
      emitter.onTermination(unsubscribe);
    });
  }
}
