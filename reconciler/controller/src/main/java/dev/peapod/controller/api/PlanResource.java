package dev.peapod.controller.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.peapod.controller.loop.PeapodController;
import dev.peapod.engine.Engine;
import dev.peapod.engine.ManifestRejectedException;
import dev.peapod.engine.source.DesiredSnapshot;
import dev.peapod.engine.spec.ManifestToPodSpec;
import dev.peapod.manifest.ManifestParser;
import dev.peapod.manifest.ParseResult;
import dev.peapod.manifest.diag.Diagnostic;
import dev.peapod.plan.DesiredPod;
import dev.peapod.plan.PlanJson;
import dev.peapod.plan.PlanOptions;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * {@code POST /v1/plan}: what would change if these manifests were applied, as {@code peapod plan
 * --json} prints it (same schema). Planned for a source when {@code ?source=NAME} names one (its
 * owner and prune guards), otherwise for an owner nobody has, so nothing is pruned.
 */
@Path("/v1/plan")
public class PlanResource {

  static final String NOBODY = "api:plan";

  @Inject
  PeapodController controller;

  @POST
  @Consumes({"application/yaml", "text/yaml", MediaType.APPLICATION_JSON, MediaType.TEXT_PLAIN})
  @Produces(MediaType.APPLICATION_JSON)
  public JsonNode plan(String manifests, @QueryParam("source") String source) {
    ParseResult parsed = ManifestParser.parse("request", manifests);
    List<Diagnostic> problems = new ArrayList<>(parsed.diagnostics().errors());
    parsed.manifests().forEach(m -> problems.addAll(ManifestToPodSpec.unsupported(m)));
    if (!problems.isEmpty()) {
      throw new ManifestRejectedException(problems);
    }
    PlanOptions options = source == null
        ? new PlanOptions(Set.of(), false, PlanOptions.DEFAULT_MAX_REMOVALS, NOBODY, false)
        : controller.source(source).orElseThrow(() -> Problem.notFound("no source named \"" + source + "\""))
            .planOptions();
    List<DesiredPod> pods = parsed.manifests().stream().map(DesiredPod::of).toList();
    try (Engine engine = controller.openEngine("peapod serve (API)")) {
      return PlanJson.toJson(engine.plan(new DesiredSnapshot("request", pods, List.of()), options));
    }
  }
}
