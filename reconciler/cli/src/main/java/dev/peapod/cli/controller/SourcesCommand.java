package dev.peapod.cli.controller;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peapod.cli.ExitCodes;
import dev.peapod.cli.PeapodCommand;
import dev.peapod.cli.output.Output;
import dev.peapod.cli.output.Table;
import java.io.IOException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code peapod sources [NAME]}: the running controller's sources with their status, as Flux's
 * {@code flux get sources} shows them; with a name, that source's conditions and every
 * diagnostic of its last read.
 */
@Command(name = "sources", description = "The running controller's sources: revision, readiness, diagnostics.")
public final class SourcesCommand implements Callable<Integer> {

  private static final ObjectMapper JSON = new ObjectMapper();

  @Spec
  CommandSpec spec;

  @Parameters(arity = "0..1", paramLabel = "NAME", description = "One source, in detail.")
  String name;

  @Override
  public Integer call() throws IOException {
    PeapodCommand root = PeapodCommand.of(spec);
    Output output = root.output(spec);
    ControllerClient client = new ControllerClient(root.environment().home());
    ControllerClient.Response response = client.get(name == null ? "/v1/sources" : "/v1/sources/" + name);
    JsonNode body = ControllerCommands.check(response);
    if (output.structured()) {
      output.data(JSON.convertValue(body, Object.class));
      return ExitCodes.OK;
    }
    if (name == null) {
      Table table = new Table("NAME", "READY", "REVISION", "SUSPENDED", "PODS", "MESSAGE");
      for (JsonNode source : body) {
        JsonNode ready = ControllerCommands.condition(source, "Ready");
        table.row(source.path("name").asText(), ready.path("status").asText(),
            source.path("lastAppliedRevision").asText(), String.valueOf(source.path("suspended").asBoolean()),
            String.valueOf(source.path("pods").asInt()), ready.path("message").asText());
      }
      output.table(table);
      return ExitCodes.OK;
    }
    output.line("Name:                    " + body.path("name").asText());
    output.line("Location:                " + body.path("location").asText());
    output.line("Owner:                   " + body.path("owner").asText());
    output.line("Suspended:               " + body.path("suspended").asBoolean());
    output.line("Last attempted revision: " + body.path("lastAttemptedRevision").asText());
    output.line("Last applied revision:   " + body.path("lastAppliedRevision").asText());
    output.line("Conditions:");
    for (JsonNode c : body.path("conditions")) {
      output.line("  " + c.path("type").asText() + "=" + c.path("status").asText() + " "
          + c.path("reason").asText() + (c.path("message").asText().isEmpty() ? "" : ": " + c.path("message").asText()));
    }
    if (body.path("diagnostics").size() > 0) {
      output.line("Diagnostics:");
      body.path("diagnostics").forEach(d -> output.line("  " + d.asText()));
    }
    body.path("stalledPods").fields().forEachRemaining(e -> output.line("Stalled pod " + e.getKey() + ": "
        + e.getValue().asText()));
    if (!"True".equals(ControllerCommands.condition(body, "Ready").path("status").asText())) {
      return ExitCodes.ERROR;
    }
    return ExitCodes.OK;
  }

}
