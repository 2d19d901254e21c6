package dev.peapod.controller.api;

import dev.peapod.controller.loop.PeapodController;
import dev.peapod.controller.source.SourceRunner;
import dev.peapod.git.WebhookSignature;
import jakarta.inject.Inject;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Map;
import java.util.TreeMap;

/**
 * A git server's push notification: fetch now. Only requests signed with the source's webhook
 * secret (HMAC-SHA256 of the body, as GitHub, Gitea and Gogs sign them) are taken; the body is
 * read for nothing else, since the fetch finds what changed.
 */
@Path("/v1/sources/{name}/webhook")
public class WebhookResource {

  @Inject
  PeapodController controller;

  @POST
  @Produces(MediaType.APPLICATION_JSON)
  public Map<String, Object> push(@PathParam("name") String name, HttpHeaders headers, byte[] body) {
    SourceRunner source = controller.source(name)
        .orElseThrow(() -> Problem.notFound("no source named \"" + name + "\""));
    if (source.config().webhookSecretFile().isEmpty()) {
      throw Problem.notFound("source " + name + " has no webhook (set webhook-secret-file)");
    }
    byte[] secret;
    try {
      secret = Files.readString(java.nio.file.Path.of(source.config().webhookSecretFile().get())).trim()
          .getBytes(StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new Problem(500, "Internal Server Error", "cannot read the webhook secret of source " + name);
    }
    Map<String, String> flat = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    headers.getRequestHeaders().forEach((k, v) -> flat.put(k, v.isEmpty() ? "" : v.get(0)));
    if (!WebhookSignature.verify(secret, body == null ? new byte[0] : body, flat)) {
      throw new Problem(401, "Unauthorized", "the request is not signed with source " + name + "'s webhook secret");
    }
    controller.requestSync(name);
    return Map.of("source", name, "sync", "requested");
  }
}
