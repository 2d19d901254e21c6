package dev.peapod.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peapod.cli.testing.CliRun;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code --help} and {@code -h} after every command of the tree, walked from the root, print that
 * command's usage on stdout and exit 0, before any required option or argument is asked for
 * ({@code peapod run --help} said "Missing required option", {@code peapod image --help}
 * "Unknown option").
 */
class HelpOnEveryCommandTest {
  @TempDir
  Path home;

  @Test
  void everySubcommandAnswersHelp() {
    List<List<String>> paths = new ArrayList<>();
    walk(PeapodCommand.commandLine(null), new ArrayList<>(), paths);
    assertTrue(paths.size() >= 20, "commands found: " + paths);
    assertTrue(paths.contains(List.of("run")) && paths.contains(List.of("image"))
        && paths.contains(List.of("volume", "rm")), paths::toString);
    List<String> failed = new ArrayList<>();
    for (List<String> path : paths) {
      for (String flag : List.of("--help", "-h")) {
        List<String> args = new ArrayList<>(path);
        args.add(flag);
        CliRun run = CliRun.run(home, args.toArray(String[]::new));
        String usage = "Usage: peapod " + String.join(" ", path);
        if (run.exitCode() != 0 || !run.out().startsWith(usage) || !run.err().isEmpty()) {
          failed.add(String.join(" ", args) + " -> " + run);
        }
      }
    }
    assertEquals(List.of(), failed);
  }

  private static void walk(CommandLine command, List<String> path, List<List<String>> out) {
    command.getSubcommands().forEach((name, sub) -> {
      if (!sub.getCommandName().equals(name)) {
        return; // an alias of a command already walked
      }
      List<String> here = new ArrayList<>(path);
      here.add(name);
      out.add(here);
      walk(sub, here, out);
    });
  }
}
