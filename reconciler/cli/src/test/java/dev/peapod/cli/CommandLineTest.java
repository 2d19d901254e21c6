package dev.peapod.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peapod.cli.testing.CliRun;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Global behaviour: help, exit codes, usage errors, colour rules, version. */
class CommandLineTest {
  @TempDir
  Path home;

  @Test
  void helpListsCommandsAndExitCodes() {
    CliRun help = CliRun.run(home, "--help");
    assertEquals(0, help.exitCode());
    assertTrue(help.out().contains("  image       Manage images in $PEAPOD_HOME/images."), help::toString);
    for (String command : List.of("create", "run", "start", "stop", "rm, remove", "replace", "inspect", "logs", "exec",
        "plan", "apply")) {
      assertTrue(help.out().contains("\n  " + command + " "), command + " in\n" + help.out());
    }
    assertTrue(help.out().contains("Exit codes:\n  0    ok\n  1    error (an invalid manifest: one line per diagnostic; a failed apply)\n"
        + "  2    plan --detailed-exitcode: changes present\n"
        + "  3    not found (no such image, pod, container or file)\n"
        + "  4    in use (an image a pod uses, a running pod, a locked pod)\n  64   usage error"), help::toString);
  }

  @Test
  void unknownOptionIsAUsageError() {
    CliRun run = CliRun.run(home, "image", "ls", "--bogus");
    assertEquals(ExitCodes.USAGE, run.exitCode());
    assertTrue(run.err().startsWith("Unknown option: '--bogus'\n"), run::toString);
  }

  @Test
  void badOutputFormatIsExitCodeTwo() {
    CliRun run = CliRun.run(home, "image", "ls", "-o", "xml");
    assertEquals(ExitCodes.USAGE, run.exitCode());
    assertTrue(run.err().contains("expected one of [table, json, yaml]"), run::toString);
  }

  @Test
  void colourOnlyOnATerminalWithoutNoColor() {
    String bold = "\u001b[1m";
    assertTrue(CliRun.run(home, Map.of(), true, "image", "ls").out().startsWith(bold));
    assertFalse(CliRun.run(home, Map.of(), false, "image", "ls").out().contains(bold));
    assertFalse(CliRun.run(home, Map.of("NO_COLOR", "1"), true, "image", "ls").out().contains(bold));
    assertFalse(CliRun.run(home, Map.of(), true, "image", "ls", "--no-color").out().contains(bold));
  }

  @Test
  void versionNamesPeapodJavaAndGuestPaths() throws Exception {
    CliRun run = CliRun.run(home, Map.of("PEAPOD_KERNEL", "/nonexistent/bzImage"), false, "version", "-o", "json");
    assertEquals(0, run.exitCode(), run::toString);
    JsonNode version = new ObjectMapper().readTree(run.out());
    assertEquals("0.1.0-SNAPSHOT", version.get("peapod").asText());
    assertEquals(System.getProperty("java.version"), version.get("java").asText().split(" ")[0]);
    assertTrue(version.at("/qemu/found").isBoolean());
    assertEquals("/nonexistent/bzImage", version.at("/kernel/path").asText());
    assertFalse(version.at("/kernel/exists").asBoolean());
    assertEquals(home.toString(), version.get("home").asText());

    CliRun table = CliRun.run(home, Map.of("PEAPOD_KERNEL", "/nonexistent/bzImage"), false, "version");
    assertTrue(table.out().contains("\nkernel      /nonexistent/bzImage (missing; set PEAPOD_KERNEL)\n"), table::toString);
  }

  @Test
  void aCommandLineHoldsOnlyTheSubcommandItRuns() {
    assertEquals(List.of(PodListCommand.class), PeapodCommand.subcommandsFor("ps"));
    assertEquals(List.of(PodListCommand.class), PeapodCommand.subcommandsFor("list", "-o", "json"));
    assertEquals(List.of(dev.peapod.cli.pod.PodRemoveCommand.class), PeapodCommand.subcommandsFor("remove", "web"));
    // Root options before the subcommand, -o with its value as a separate word or not.
    assertEquals(List.of(VersionCommand.class), PeapodCommand.subcommandsFor("-o", "json", "--no-color", "version"));
    assertEquals(List.of(VersionCommand.class), PeapodCommand.subcommandsFor("--output", "yaml", "version"));
    assertEquals(List.of(VersionCommand.class), PeapodCommand.subcommandsFor("-ojson", "--debug", "version"));
    // Nothing named, or nothing known: the whole tree, for usage and picocli's suggestions.
    assertEquals(PeapodCommand.SUBCOMMANDS, PeapodCommand.subcommandsFor());
    assertEquals(PeapodCommand.SUBCOMMANDS, PeapodCommand.subcommandsFor("--help"));
    assertEquals(PeapodCommand.SUBCOMMANDS, PeapodCommand.subcommandsFor("-o", "ps"));
    assertEquals(PeapodCommand.SUBCOMMANDS, PeapodCommand.subcommandsFor("lsit"));
  }

  @Test
  void rootOptionsBeforeTheSubcommandStillApply() throws Exception {
    CliRun run = CliRun.run(home, "-o", "json", "ps");
    assertEquals(0, run.exitCode(), run::toString);
    assertEquals("[ ]\n", run.out());
    CliRun yaml = CliRun.run(home, "--output=yaml", "image", "ls");
    assertEquals(0, yaml.exitCode(), yaml::toString);
    assertEquals("[]\n", yaml.out());
  }

  @Test
  void anUnknownSubcommandGetsSuggestionsFromTheWholeTree() {
    CliRun run = CliRun.run(home, "lsit");
    assertEquals(ExitCodes.USAGE, run.exitCode(), run::toString);
    assertTrue(run.err().contains("Unmatched argument at index 0: 'lsit'"), run::toString);
    assertTrue(run.err().contains("\nDid you mean: peapod "), run::toString);
  }
}
