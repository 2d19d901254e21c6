package dev.peapod.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peapod.engine.lock.PodLock;
import dev.peapod.manifest.ManifestParser;
import dev.peapod.manifest.diag.Diagnostic;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pod commands end to end, as a user runs them: the real {@code ./peapod} launcher (a new
 * JVM per command, so the lock and VM re-adoption are across processes) against a temporary
 * PEAPOD_HOME with a busybox image loaded from an OCI layout. One VM boot for the whole lifecycle.
 */
class PodCommandsIT {
  private static final Path REPO = Path.of(System.getProperty("peapod.repo", "../.."));
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path home;

  @Test
  void aTwoContainerPodThroughItsWholeLifecycle() throws Exception {
    Path layout = home.resolve("oci");
    exec(REPO.resolve("scripts/busybox-oci.sh").toString(), layout.toString(), "1", "from-the-image");
    Result load = peapod("image", "load", layout.toString(), "--tag", "it/busybox:1");
    assertEquals(0, load.exitCode, load::toString);

    Path manifest = manifest("pod.yaml", "echo line1; sleep 0.3; echo line2; sleep 0.3; echo line3; exec sleep 1000");
    Result run = peapod("run", "-f", manifest.toString());
    assertEquals(0, run.exitCode, run::toString);
    assertTrue(run.out.matches("(?s)Created web\nStarted web in .+ \\(boot id [^,]+, (kvm|tcg), (cold boot|restored from template [0-9a-f]+)\\)\n"), run::toString);

    JsonNode pod = ps().get(0);
    assertEquals("web", pod.get("name").asText());
    assertEquals("RUNNING", pod.get("state").asText());
    assertEquals(2, pod.get("containers").size(), pod::toString);
    String bootId = pod.get("vm").get("bootId").asText();

    // exec: the exit code becomes peapod's, stdin goes in, -c picks the container.
    Result exit7 = peapod("exec", "web", "--", "sh", "-c", "exit 7");
    assertEquals(7, exit7.exitCode, exit7::toString);
    // The end of stdin races the exit of a quick command; the user's stderr stays theirs alone
    // (it used to get "WARN ... process "exec.N.1" not found").
    for (int i = 0; i < 3; i++) {
      Result quick = peapod("exec", "web", "--", "true");
      assertEquals(0, quick.exitCode, quick::toString);
      assertEquals("", quick.err, quick::toString);
    }
    assertEquals("", exit7.err, exit7::toString);
    Result cat = peapodWithInput("through stdin\n", "exec", "web", "-c", "side", "--", "sh", "-c",
        "cat; cat /etc/image-marker; echo to-stderr >&2");
    assertEquals(0, cat.exitCode, cat::toString);
    assertEquals("through stdin\nfrom-the-image\n", cat.out);
    assertEquals("to-stderr\n", cat.err);

    // exec -it under a pseudo-terminal (script(1) gives peapod one): the command gets a terminal of
    // the local size, peapod's exit code is the command's, and the local terminal is restored.
    String peapod = REPO.resolve("peapod").toAbsolutePath().toString();
    Result tty = run("", List.of("script", "-qec", "stty rows 33 cols 101; before=$(stty -g); "
        + peapod + " exec -it web -- sh -c 'stty size; tty; exit 3'; rc=$?; "
        + "[ \"$(stty -g)\" = \"$before\" ] && echo terminal-restored; exit $rc", "/dev/null"));
    assertEquals(3, tty.exitCode, tty::toString);
    // script(1) writes an end-of-file character to the terminal when its empty stdin ends; the guest
    // terminal echoes it ("^@") wherever it lands in the output, which is not what is checked here.
    String ttyOut = tty.out.replaceAll("\\^[@D]", "");
    assertTrue(ttyOut.contains("33 101\r\n/dev/pts/"), tty::toString);
    assertTrue(tty.out.contains("terminal-restored"), tty::toString);

    // logs: the container's output, --tail keeps the last record.
    String all = "";
    for (int i = 0; i < 100 && !all.contains("line3"); i++) {
      all = peapod("logs", "web", "-c", "web").out;
      Thread.sleep(100);
    }
    assertEquals("line1\nline2\nline3\n", all);
    Result tail = peapod("logs", "web", "-c", "web", "--tail", "1");
    assertEquals("line3\n", tail.out, tail::toString);
    Result prefixed = peapod("logs", "web", "--tail", "1", "--timestamps");
    assertTrue(prefixed.out.matches("\\d{4}-\\d\\d-\\d\\dT[0-9:.]+Z web\\| line3\n"), prefixed::toString);

    // Another peapod process holds the pod: mutating commands are refused, naming it.
    try (PodLock held = PodLock.acquire(home, "web", "peapod test-holder web")) {
      Result refused = peapod("stop", "web");
      assertEquals(ExitCodes.IN_USE, refused.exitCode, refused::toString);
      assertTrue(refused.err.matches("peapod: pod \"web\" is locked by pid " + ProcessHandle.current().pid()
          + " \\(peapod test-holder web\\) since \\d\\d:\\d\\d:\\d\\d\n"), refused::toString);
    }
    assertEquals("RUNNING", ps().get(0).get("state").asText(), "the refused stop did nothing");

    // hostPath: relative to the manifest's directory, created (DirectoryOrCreate), shared both ways.
    Result shared = peapod("exec", "web", "-c", "side", "--", "sh", "-c", "echo from-guest > /shared/g.txt");
    assertEquals(0, shared.exitCode, shared::toString);
    assertEquals("from-guest\n", Files.readString(home.resolve("shared").resolve("g.txt")));

    // replace: new containers, same VM, one of them from an image the VM did not boot with.
    Path second = home.resolve("oci2");
    exec(REPO.resolve("scripts/busybox-oci.sh").toString(), second.toString(), "2", "second-image");
    assertEquals(0, peapod("image", "load", second.toString(), "--tag", "it/busybox:2").exitCode);
    Path replaced = manifest("replaced.yaml", "it/busybox:2", "echo replaced; exec sleep 1000");
    Result replace = peapod("replace", "web", "-f", replaced.toString());
    assertEquals(0, replace.exitCode, replace::toString);
    assertEquals("Replaced containers of web (boot id " + bootId + ", same VM)\n", replace.out);
    Result echo = peapod("exec", "web", "--", "sh", "-c", "cat /proc/sys/kernel/random/boot_id; cat /etc/image-marker");
    assertEquals(bootId + "\nsecond-image\n", echo.out, echo::toString);
    // The pod uses it/busybox:2 only since the replace; it still counts.
    Result rmImage = peapod("image", "rm", "it/busybox:2");
    assertEquals(ExitCodes.IN_USE, rmImage.exitCode, rmImage::toString);

    Result running = peapod("rm", "web");
    assertEquals(ExitCodes.IN_USE, running.exitCode, running::toString);
    assertEquals("peapod: pod \"web\" is running: stop it first, or use rm --force\n", running.err);

    Result stop = peapod("stop", "web", "--grace", "0");
    assertEquals(0, stop.exitCode, stop::toString);
    assertEquals("Stopped web\n", stop.out);
    assertEquals("CREATED", ps().get(0).get("state").asText());

    Result rm = peapod("rm", "web");
    assertEquals(0, rm.exitCode, rm::toString);
    assertEquals(0, ps().size());
  }

  @Test
  void aMalformedManifestPrintsTheParsersDiagnosticsAndExits1() throws Exception {
    Path bad = home.resolve("bad.yaml");
    Files.writeString(bad, """
        apiVersion: v1
        kind: Pod
        metadata:
          name: Not_A_Label
        spec:
          containers:
            - name: main
              image: busybox:1
              ports:
                - containerPort: 99999
        """);
    String expected = ManifestParser.parse(bad).diagnostics().all().stream()
        .map(Diagnostic::toString).map(line -> line + "\n").collect(Collectors.joining());
    assertTrue(expected.lines().count() >= 2, expected);
    Result create = peapod("create", "-f", bad.toString());
    assertEquals(ExitCodes.ERROR, create.exitCode, create::toString);
    assertEquals(expected, create.err);
    assertEquals("", create.out);
  }

  @Test
  void aFailingInitContainerFailsTheRunNamingItAndLeavesThePodCreated() throws Exception {
    loadBusybox();
    Path file = home.resolve("init.yaml");
    Files.writeString(file, """
        apiVersion: v1
        kind: Pod
        metadata:
          name: init
        spec:
          restartPolicy: Never
          terminationGracePeriodSeconds: 0
          initContainers:
            - name: migrate
              image: it/busybox:1
              command: [sh, -c, "echo applying 0042; echo 'relation users does not exist' >&2; exit 3"]
          containers:
            - name: app
              image: it/busybox:1
              command: [sleep, "1000"]
        """);
    Result run = peapod("run", "-f", file.toString());

    assertEquals(ExitCodes.ERROR, run.exitCode, run::toString);
    String failure = "pod \"init\", container \"migrate\": init container exited with code 3; restartPolicy Never, so"
        + " it was not retried; the app containers were not started. Its last output:\n"
        + "  applying 0042\n  relation users does not exist";
    assertEquals("peapod: " + failure + "\n", run.err);
    JsonNode pod = ps().get(0);
    assertEquals("CREATED", pod.get("state").asText());
    assertEquals("start failed: " + failure, pod.get("message").asText());
    Result logs = peapod("logs", "init", "-c", "migrate");
    assertEquals("applying 0042\n", logs.out, logs::toString);
    assertEquals("relation users does not exist\n", logs.err, "the container's stderr goes to stderr");
  }

  @Test
  void aMultiPodFileIsRolledBackWhenOnePodFails() throws Exception {
    loadBusybox();
    Path existing = home.resolve("existing.yaml");
    Files.writeString(existing, pod("before", "it/busybox:1"));
    assertEquals(0, peapod("create", "-f", existing.toString()).exitCode);
    Path file = home.resolve("several.yaml");
    Files.writeString(file, String.join("---\n", pod("one", "it/busybox:1"), pod("before", "it/busybox:1"),
        pod("two", "it/busybox:1"), pod("broken", "it/nosuch:1"), pod("three", "it/busybox:1")));

    Result create = peapod("create", "-f", file.toString());

    assertEquals(ExitCodes.NOT_FOUND, create.exitCode, "the failure's own exit code: " + create);
    assertEquals("Created one\nExists before (same spec)\nCreated two\n", create.out);
    assertTrue(create.err.startsWith("peapod: pod \"broken\" of 5 in the file failed: image \"it/nosuch:1\": "),
        create::toString);
    assertTrue(create.err.endsWith("\nrolled back: removed \"one\", \"two\", created by this command;"
        + " not created: \"three\"; pods that existed before were not touched\n"), create::toString);
    JsonNode pods = ps();
    assertEquals(1, pods.size(), pods::toString);
    assertEquals("before", pods.get(0).get("name").asText());
  }

  private static String pod(String name, String image) {
    return """
        apiVersion: v1
        kind: Pod
        metadata:
          name: %s
        spec:
          containers:
            - name: main
              image: %s
              imagePullPolicy: Never
              command: [sleep, "1000"]
        """.formatted(name, image);
  }

  private void loadBusybox() throws Exception {
    Path layout = home.resolve("oci");
    exec(REPO.resolve("scripts/busybox-oci.sh").toString(), layout.toString(), "1", "from-the-image");
    Result load = peapod("image", "load", layout.toString(), "--tag", "it/busybox:1");
    assertEquals(0, load.exitCode, load::toString);
  }

  private Path manifest(String name, String webScript) throws IOException {
    return manifest(name, "it/busybox:1", webScript);
  }

  /** The pod, its web container from {@code webImage}; a relative hostPath, so next to the manifest. */
  private Path manifest(String name, String webImage, String webScript) throws IOException {
    Path file = home.resolve(name);
    Files.writeString(file, """
        apiVersion: v1
        kind: Pod
        metadata:
          name: web
        spec:
          terminationGracePeriodSeconds: 0
          restartPolicy: Never
          containers:
            - name: web
              image: %s
              command: [sh, -c, "%s"]
            - name: side
              image: it/busybox:1
              command: [sleep, "1000"]
              volumeMounts:
                - {name: shared, mountPath: /shared}
          volumes:
            - name: shared
              hostPath: {path: shared, type: DirectoryOrCreate}
        """.formatted(webImage, webScript));
    return file;
  }

  private JsonNode ps() throws Exception {
    Result ps = peapod("ps", "-o", "json");
    assertEquals(0, ps.exitCode, ps::toString);
    return JSON.readTree(ps.out);
  }

  private Result peapod(String... args) throws IOException, InterruptedException {
    return peapodWithInput("", args);
  }

  private Result peapodWithInput(String input, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(REPO.resolve("peapod").toString());
    command.addAll(List.of(args));
    return run(input, command);
  }

  private Result run(String input, List<String> command) throws IOException, InterruptedException {
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().put("PEAPOD_HOME", home.toString());
    builder.environment().put("HOME", home.resolve("user-home").toString());
    Path out = Files.createTempFile(home, "stdout", ".txt");
    Path err = Files.createTempFile(home, "stderr", ".txt");
    builder.redirectOutput(out.toFile()).redirectError(err.toFile());
    Process process = builder.start();
    try (OutputStream stdin = process.getOutputStream()) {
      stdin.write(input.getBytes(StandardCharsets.UTF_8));
    }
    if (!process.waitFor(120, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("peapod did not finish in 120 s: " + command);
    }
    return new Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8));
  }

  private static void exec(String... argv) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), String.join(" ", argv) + "\n" + out);
  }

  private record Result(int exitCode, String out, String err) {
    @Override
    public String toString() {
      return "exit " + exitCode + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }
  }
}
