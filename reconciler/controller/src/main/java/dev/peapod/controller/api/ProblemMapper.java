package dev.peapod.controller.api;

import dev.peapod.engine.ManifestRejectedException;
import dev.peapod.engine.lock.PodLockedException;
import dev.peapod.images.ImageNotFoundException;
import dev.peapod.manifest.diag.Diagnostic;
import dev.peapod.provider.InvalidStateException;
import dev.peapod.provider.PodNotFoundException;
import dev.peapod.provider.RecreateRequiredException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;
import java.util.List;
import java.util.Map;
import org.jboss.logging.Logger;

/** Every error of the API as problem+json, with the status its kind deserves and the CLI's message. */
@Provider
public class ProblemMapper implements ExceptionMapper<Exception> {

  private static final Logger LOG = Logger.getLogger(ProblemMapper.class);

  @Override
  public Response toResponse(Exception e) {
    if (e instanceof WebApplicationException web && web.getResponse().getEntity() != null) {
      return web.getResponse();
    }
    if (e instanceof WebApplicationException web) {
      int status = web.getResponse().getStatus();
      return problem(status, web.getResponse().getStatusInfo().getReasonPhrase(), message(e), List.of());
    }
    if (e instanceof ManifestRejectedException rejected) {
      return problem(422, "Invalid manifest", "the manifests are invalid",
          rejected.diagnostics().stream().map(Diagnostic::toString).toList(), e);
    }
    if (e instanceof PodNotFoundException || e instanceof ImageNotFoundException) {
      return problem(404, "Not Found", message(e), List.of(), e);
    }
    if (e instanceof InvalidStateException || e instanceof PodLockedException || e instanceof RecreateRequiredException) {
      return problem(409, "Conflict", message(e), List.of(), e);
    }
    if (e instanceof IllegalArgumentException) {
      return problem(400, "Bad Request", message(e), List.of(), e);
    }
    LOG.warnf(e, "request failed");
    return problem(500, "Internal Server Error", message(e), List.of(), e);
  }

  private static Response problem(int status, String title, String detail, List<String> diagnostics) {
    return Response.status(status).type(Problem.MEDIA_TYPE).entity(Problem.body(status, title, detail, diagnostics))
        .build();
  }

  /**
   * With {@code exception}, the class of what failed: the CLI, when it hands a command to this
   * controller, turns it into the exit code and message it would have given had it done the work
   * itself; an {@link InvalidStateException} adds the pod's {@code state}.
   */
  private static Response problem(int status, String title, String detail, List<String> diagnostics, Exception e) {
    Map<String, Object> body = Problem.body(status, title, detail, diagnostics);
    body.put("exception", e.getClass().getName());
    if (e instanceof InvalidStateException invalid) {
      body.put("state", invalid.actual().name());
    }
    return Response.status(status).type(Problem.MEDIA_TYPE).entity(body).build();
  }

  private static String message(Throwable e) {
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }
}
