package dev.peapod.controller.api;

import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** An RFC 9457 problem ({@code application/problem+json}) with the message the CLI would print. */
public final class Problem extends WebApplicationException {
  private static final long serialVersionUID = 1L;

  public static final String MEDIA_TYPE = "application/problem+json";

  public Problem(int status, String title, String detail) {
    this(status, title, detail, List.of());
  }

  /** @param diagnostics {@code file:line:col: path: message} lines, for invalid manifests */
  public Problem(int status, String title, String detail, List<String> diagnostics) {
    super(detail, Response.status(status).type(MEDIA_TYPE).entity(body(status, title, detail, diagnostics)).build());
  }

  static Map<String, Object> body(int status, String title, String detail, List<String> diagnostics) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("type", "about:blank");
    body.put("title", title);
    body.put("status", status);
    body.put("detail", detail);
    if (!diagnostics.isEmpty()) {
      body.put("diagnostics", diagnostics);
    }
    return body;
  }

  public static Problem notFound(String detail) {
    return new Problem(404, "Not Found", detail);
  }
}
