package dev.peapod.cli.controller;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peapod.cli.CliException;
import dev.peapod.cli.ExitCodes;
import dev.peapod.cli.PeapodCommand;
import java.io.IOException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code peapod sync|suspend|resume NAME}: the running controller's knobs on one source. */
public final class ControllerCommands {
  private ControllerCommands() {}

  private static final ObjectMapper JSON = new ObjectMapper();

  /** The body as JSON, or the controller's problem as the error (its detail, with its status). */
  static JsonNode check(ControllerClient.Response response) {
    JsonNode body;
    try {
      body = JSON.readTree(response.body().isEmpty() ? "{}" : response.body());
    } catch (IOException e) {
      throw new CliException(ExitCodes.ERROR, "the controller answered " + response.status() + " with no JSON");
    }
    if (response.status() >= 400) {
      int code = response.status() == 404 ? ExitCodes.NOT_FOUND : ExitCodes.ERROR;
      throw new CliException(code, body.path("detail").asText("the controller answered " + response.status()));
    }
    return body;
  }

  static JsonNode condition(JsonNode source, String type) {
    for (JsonNode c : source.path("conditions")) {
      if (type.equals(c.path("type").asText())) {
        return c;
      }
    }
    return JSON.createObjectNode();
  }

  private abstract static class SourceAction implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "NAME", description = "The source.")
    String name;

    abstract String verb();

    abstract String done();

    @Override
    public Integer call() {
      PeapodCommand root = PeapodCommand.of(spec);
      check(new ControllerClient(root.environment().home()).post("/v1/sources/" + name + "/" + verb()));
      root.output(spec).line(done().formatted(name));
      return ExitCodes.OK;
    }
  }

  @Command(name = "sync", description = "Make the running controller read a source now (a git fetch, a directory).")
  public static final class Sync extends SourceAction {
    @Override
    String verb() {
      return "sync";
    }

    @Override
    String done() {
      return "Sync of %s requested; `peapod sources %1$s` shows how it went.";
    }
  }

  @Command(name = "suspend", description = "Stop the running controller from changing a source's pods.")
  public static final class Suspend extends SourceAction {
    @Override
    String verb() {
      return "suspend";
    }

    @Override
    String done() {
      return "Suspended %s: changes to its pods stay until `peapod resume %1$s`.";
    }
  }

  @Command(name = "resume", description = "Let the running controller converge a suspended source's pods again.")
  public static final class Resume extends SourceAction {
    @Override
    String verb() {
      return "resume";
    }

    @Override
    String done() {
      return "Resumed %s.";
    }
  }
}
