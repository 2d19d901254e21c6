package dev.peapod.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.peapod.cli.testing.Peapod;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Template VMs through the real {@code ./peapod}: the first {@code run} of a shape boots cold
 * and returns while a separate builder process makes the template, the next run of that shape
 * is restored from it, and a builder killed half way leaves nothing a restore would use and
 * does not stop the next build. The other CLI tests run with PEAPOD_TEMPLATES=off (see the
 * pom); these turn templates on for each start.
 */
class TemplateBuildIT {
  private static final String BUILDER = "dev.peapod.provider.qemu.TemplateBuilder";
  private static final long WAIT_SECONDS = 120;

  @TempDir
  Path home;

  private Peapod peapod;
  private Path templates;

  @BeforeEach
  void loadImage() throws Exception {
    peapod = new Peapod(home);
    templates = home.resolve("templates");
    Path layout = home.resolve("oci");
    Peapod.Result build = peapod.exec("", List.of(Peapod.REPO.resolve("scripts/busybox-oci.sh").toString(),
        layout.toString(), "1", "tmpl"), Map.of());
    assertEquals(0, build.exitCode(), build::toString);
    Peapod.Result load = peapod.run("image", "load", layout.toString(), "--tag", "it/busybox:1");
    assertEquals(0, load.exitCode(), load::toString);
  }

  /** Kills what this PEAPOD_HOME started (pod and template QEMUs, builders) before @TempDir goes. */
  @AfterEach
  void killEverything() throws Exception {
    List<ProcessHandle> left = ProcessHandle.allProcesses()
        .filter(p -> p.info().commandLine().map(cmd -> cmd.contains(home.toString())).orElse(false))
        .toList();
    left.forEach(ProcessHandle::destroyForcibly);
    for (ProcessHandle p : left) {
      p.onExit().get(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void theFirstRunReturnsWhileABuilderProcessMakesTheTemplateAndTheNextRunIsRestored() throws Exception {
    Peapod.Result first = run("first", 112);
    assertTrue(first.out().contains("cold boot"), first::toString);
    assertEquals(List.of(), completeTemplates(), "run returned before the template was made");

    ProcessHandle builder = awaitBuilder();
    assertEquals(builder.pid(), sessionOf(builder.pid()), "the builder leads a session of its own (setsid)");
    builder.onExit().get(WAIT_SECONDS, TimeUnit.SECONDS);
    List<String> made = completeTemplates();
    assertEquals(1, made.size(), () -> "one template: " + made + "\n" + logs());
    String key = made.get(0);

    Peapod.Result second = run("second", 112);
    assertTrue(second.out().contains("restored from template " + key), second::toString);
    JsonNode vm = peapod.inspect("second").path("vm");
    assertEquals("restored from template " + key, vm.path("boot").asText(), vm::toString);
    Peapod.Result ps = peapod.run("ps"); // BOOT: "413ms template", "1.2s cold"; then OWNER: cli
    List<String> rows = ps.out().lines().map(String::strip).toList();
    assertTrue(rows.stream().anyMatch(l -> l.matches("second .* template +cli")), ps::toString);
    assertTrue(rows.stream().anyMatch(l -> l.matches("first .* cold +cli")), ps::toString);
    assertEquals(List.of(), builders(), "a restored start starts no builder");
  }

  @Test
  void aBuilderKilledHalfWayLeavesNoTemplateAndTheNextBuildSucceeds() throws Exception {
    Peapod.Result third = run("third", 144);
    assertTrue(third.out().contains("cold boot"), third::toString);
    ProcessHandle builder = awaitBuilder();

    // Half way: the template VM runs (its pid file is in the work directory).
    Path work = awaitWorkDirWithQemu();
    long leftQemu = readPid(work.resolve("qemu.pid")).orElseThrow();
    String key = work.getFileName().toString().replace(".new", "");
    builder.destroyForcibly(); // kill -9
    builder.onExit().get(30, TimeUnit.SECONDS);
    assertEquals(List.of(), completeTemplates(), "nothing a restore would use");
    assertTrue(Files.isDirectory(work), "the killed builder's work directory is left until the next build");

    Peapod.Result fourth = run("fourth", 144);
    assertTrue(fourth.out().contains("cold boot"), fourth::toString);
    ProcessHandle next = awaitBuilder(); // the dead builder's lock does not hold it back
    assertNotEquals(builder.pid(), next.pid());
    next.onExit().get(WAIT_SECONDS, TimeUnit.SECONDS);
    assertEquals(List.of(key), completeTemplates(), this::logs);
    assertFalse(Files.exists(work), "leftovers deleted");
    assertFalse(ProcessHandle.of(leftQemu).map(ProcessHandle::isAlive).orElse(false),
        "the template QEMU the killed builder left is gone");
    String log = Files.readString(templates.resolve(key + ".log"));
    assertTrue(log.contains("killing template QEMU " + leftQemu + " left by an interrupted build"), this::logs);
    assertTrue(log.contains("made template VM " + key), this::logs);

    Peapod.Result fifth = run("fifth", 144);
    assertTrue(fifth.out().contains("restored from template " + key), fifth::toString);
  }

  /** {@code peapod run} of a one-container pod with {@code memoryMiB} of guest RAM, templates on. */
  private Peapod.Result run(String pod, int memoryMiB) throws IOException, InterruptedException {
    Path manifest = Files.writeString(home.resolve(pod + ".yaml"), """
        apiVersion: peapod.dev/v1alpha1
        kind: PeaPod
        metadata:
          name: %s
        spec:
          terminationGracePeriodSeconds: 0
          vm: {memory: %dMi}
          containers:
            - name: main
              image: it/busybox:1
              command: [sleep, "100000"]
        """.formatted(pod, memoryMiB));
    Peapod.Result result = peapod.exec("", List.of(Peapod.REPO.resolve("peapod").toString(), "run", "-f",
        manifest.toString()), Map.of("PEAPOD_TEMPLATES", "on", "PEAPOD_WARM_POOL", "0"));
    assertEquals(0, result.exitCode(), result::toString);
    return result;
  }

  /** Keys of the templates a restore would use: a directory with both state and ram. */
  private List<String> completeTemplates() throws IOException {
    if (!Files.isDirectory(templates)) {
      return List.of();
    }
    try (Stream<Path> dirs = Files.list(templates)) {
      // A builder's work directory (KEY.new) holds its ram and state files, created private, from the start;
      // only a finished one renamed to KEY is a template a restore would use.
      return dirs.filter(d -> !d.getFileName().toString().endsWith(".new"))
          .filter(d -> Files.isRegularFile(d.resolve("state")) && Files.isRegularFile(d.resolve("ram")))
          .map(d -> d.getFileName().toString()).sorted().toList();
    }
  }

  /** Builder JVMs of this PEAPOD_HOME (not the shell that starts one and exits). */
  private List<ProcessHandle> builders() {
    String root = "root=" + templates + " ";
    return ProcessHandle.allProcesses()
        .filter(p -> p.info().command().map(c -> c.endsWith("/java")).orElse(false))
        .filter(p -> p.info().commandLine().map(cmd -> cmd.contains(BUILDER) && cmd.contains(root)).orElse(false))
        .toList();
  }

  /** The one builder process of this PEAPOD_HOME, once it runs. */
  private ProcessHandle awaitBuilder() throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      List<ProcessHandle> found = builders();
      assertTrue(found.size() <= 1, () -> "one builder at a time: " + found);
      if (!found.isEmpty()) {
        return found.get(0);
      }
      Thread.sleep(20);
    }
    throw new AssertionError("no template builder process within 30 s\n" + logs());
  }

  private Path awaitWorkDirWithQemu() throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      try (Stream<Path> dirs = Files.list(templates)) {
        // QEMU creates its pid file before it writes the pid: wait for the number.
        Optional<Path> work = dirs.filter(d -> d.getFileName().toString().endsWith(".new")
            && readPid(d.resolve("qemu.pid")).isPresent()).findFirst();
        if (work.isPresent()) {
          return work.get();
        }
      }
      Thread.sleep(20);
    }
    throw new AssertionError("the builder never launched its template VM\n" + logs());
  }

  private static Optional<Long> readPid(Path file) {
    try {
      return Optional.of(Long.parseLong(Files.readString(file).trim()));
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
  }

  private static long sessionOf(long pid) throws IOException {
    String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
    // pid (comm) state ppid pgrp session ...: comm may hold spaces, so count from its ')'.
    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Long.parseLong(fields[3]);
  }

  /** The templates directory's files, with the builders' logs. */
  private String logs() {
    try (Stream<Path> files = Files.list(templates)) {
      StringBuilder all = new StringBuilder();
      for (Path file : files.sorted().toList()) {
        all.append("--- ").append(file.getFileName()).append('\n');
        if (file.toString().endsWith(".log")) {
          all.append(Files.readString(file));
        }
      }
      return all.toString();
    } catch (IOException e) {
      return "(no logs: " + e + ")";
    }
  }
}
