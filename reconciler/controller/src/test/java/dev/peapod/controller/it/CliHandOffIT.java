package dev.peapod.controller.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code peapod run} and {@code peapod start} hand the boot to the controller serving their Peapod
 * home and boot the pod themselves when none does, with the same output and exit codes either
 * way. Everything runs as users run it: the repo's {@code ./peapod} launcher (the CLI's packaged
 * jar, built before this module) for the commands and for {@code peapod serve}, real VMs. That
 * the controller booted a pod shows in the CLI's own class loading: with a controller it never
 * loads the QMP client that every VM launch talks to QEMU with.
 */
class CliHandOffIT {

  private static final Path LAUNCHER = ControllerHome.REPO.resolve("peapod");
  private static final String LAUNCH_CLASS = "dev.peapod.provider.qemu.qmp.QmpClient";
  private static final String PARSE_CLASS = "dev.peapod.manifest.ManifestParser";

  private Path home;
  private Path manifest;
  private Path created;
  private Path invalid;
  private Path warned;
  private Process serve;

  private record Result(int exitCode, String out, String err, List<String> classes) {
    /** Whether a JVM ran at all (the launcher's client prints a run the controller did well itself). */
    boolean startedJvm() {
      return !classes.isEmpty();
    }

    /** The output with what differs from boot to boot (time, boot id, pid, times of day) made constant. */
    String normalized() {
      return (out + "\n--stderr--\n" + err)
          .replaceAll("in [0-9.]+m?s \\(boot id [0-9a-f-]+", "in T (boot id B")
          .replaceAll("\"(bootId|startedAt|createdAt)\" : \"[^\"]*\"", "\"$1\" : \"X\"")
          .replaceAll("(?m)^(\\s*-?\\s*)(bootId|startedAt|createdAt): \"?[^\"\n]*\"?$", "$1$2: X")
          .replaceAll("\"(pid|bootMillis)\" : [0-9]+", "\"$1\" : 0");
    }

    /** Whether the command parsed a manifest itself (a run handed whole to the controller does not). */
    boolean readManifest() {
      return classes.stream().anyMatch(l -> l.contains(" " + PARSE_CLASS + " "));
    }

    boolean launchedQemu() {
      return classes.stream().anyMatch(l -> l.contains(" " + LAUNCH_CLASS + " "));
    }

    @Override
    public String toString() {
      return "exit " + exitCode + "\n" + out + "\n--stderr--\n" + err;
    }
  }

  @BeforeEach
  void home() throws Exception {
    home = Files.createTempDirectory("peapod-handoff-it");
    ControllerHome.loadBusybox(home, "1");
    manifest = home.resolve("handed.yaml");
    Files.writeString(manifest, """
        apiVersion: peapod.dev/v1alpha1
        kind: PeaPod
        metadata: {name: handed}
        spec:
          containers:
            - name: main
              image: it/bb:1
              command: [sleep, "3600"]
        """);
    created = home.resolve("kept.yaml");
    Files.writeString(created, """
        apiVersion: peapod.dev/v1alpha1
        kind: PeaPod
        metadata: {name: kept}
        spec:
          state: Created
          containers:
            - name: main
              image: it/bb:1
              command: [sleep, "3600"]
        """);
    warned = home.resolve("warned.yaml");
    Files.writeString(warned, """
        apiVersion: peapod.dev/v1alpha1
        kind: PeaPod
        metadata: {name: warned}
        spec:
          state: Created
          dnsPolicy: ClusterFirst
          containers:
            - name: main
              image: it/bb:1
              command: [sleep, "3600"]
        """);
    invalid = home.resolve("invalid.yaml");
    Files.writeString(invalid, """
        apiVersion: peapod.dev/v1alpha1
        kind: PeaPod
        metadata: {name: invalid}
        spec:
          containers:
            - name: main
              command: [sleep, "3600"]
        """);
  }

  @AfterEach
  void cleanUp() throws Exception {
    stopController(false);
    peapod("rm", "--force", "handed", "--grace", "0");
    peapod("rm", "--force", "kept", "--grace", "0");
    peapod("rm", "--force", "warned", "--grace", "0");
    ControllerHome.removeAll(home);
  }

  private Result peapod(String... args) throws IOException, InterruptedException {
    return peapod(Map.of(), args);
  }

  private Result peapod(Map<String, String> env, String... args) throws IOException, InterruptedException {
    Path classes = Files.createTempFile(home, "classes", ".log");
    List<String> command = new ArrayList<>(List.of(LAUNCHER.toString()));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().put("PEAPOD_HOME", home.toString());
    builder.environment().put("PEAPOD_JAVA_OPTS", "-Xlog:class+load=info:file=" + classes);
    builder.environment().putAll(env);
    Path out = home.resolve("out.txt");
    Path err = home.resolve("err.txt");
    Process p = builder.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    if (!p.waitFor(Duration.ofMinutes(3).toSeconds(), java.util.concurrent.TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("peapod " + String.join(" ", args) + " did not end in 3 minutes");
    }
    Result result = new Result(p.exitValue(), Files.readString(out), Files.readString(err),
        Files.readAllLines(classes, StandardCharsets.UTF_8));
    Files.delete(classes);
    return result;
  }

  private void startController() throws Exception {
    ProcessBuilder builder = new ProcessBuilder(LAUNCHER.toString(), "serve");
    builder.environment().put("PEAPOD_HOME", home.toString());
    Path log = home.resolve("serve.log");
    serve = builder.redirectErrorStream(true).redirectOutput(log.toFile()).start();
    long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    while (!Files.readString(log).contains("controller started") || !Files.exists(home.resolve("peapod.sock"))) {
      if (System.nanoTime() > deadline || !serve.isAlive()) {
        throw new AssertionError("peapod serve did not start: " + Files.readString(log));
      }
      Thread.sleep(100);
    }
  }

  /** @param kill SIGKILL, so the socket file stays behind as after a crash; else SIGTERM */
  private void stopController(boolean kill) throws InterruptedException {
    if (serve == null) {
      return;
    }
    if (kill) {
      serve.destroyForcibly();
    } else {
      serve.destroy();
    }
    serve.waitFor();
    serve = null;
  }

  /**
   * The commands whose work may be handed over, on fresh pods: run (whole), run again, start of a
   * running pod, start of a stopped one; run with -o json, of a pod that stays Created (and again:
   * it exists with the same spec), of an invalid file (given back: the CLI reports it itself), of a
   * file whose pod has a warning (stderr), named with a doubled slash (records and diagnostics name
   * it as the CLI does), with {@code -o table} said.
   */
  private List<Result> scenario() throws Exception {
    List<Result> results = new ArrayList<>();
    results.add(peapod("run", "-f", manifest.toString()));
    results.add(peapod("run", "-f", manifest.toString()));
    results.add(peapod("start", "handed"));
    results.add(peapod("stop", "handed", "--grace", "0"));
    results.add(peapod("start", "handed", "-o", "json"));
    Result removed = peapod("rm", "--force", "handed", "--grace", "0");
    assertEquals(0, removed.exitCode(), removed::toString);
    results.add(peapod("run", "-f", manifest.toString(), "-o", "json"));
    results.add(peapod("run", "-f", created.toString()));
    results.add(peapod("run", "-f", created.toString(), "-o", "yaml"));
    results.add(peapod("run", "-f", invalid.toString()));
    results.add(peapod("run", "-o", "table", "--file", warned.getParent() + "//" + warned.getFileName()));
    results.add(peapod("inspect", "warned", "-o", "json"));
    for (String pod : List.of("handed", "kept", "warned")) {
      removed = peapod("rm", "--force", pod, "--grace", "0");
      assertEquals(0, removed.exitCode(), removed::toString);
    }
    return results;
  }

  @Test
  void runAndStartGiveTheSameOutputAndExitCodesWithAndWithoutAController() throws Exception {
    List<Result> alone = scenario();
    assertEquals(List.of(0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0), alone.stream().map(Result::exitCode).toList(), alone::toString);
    assertEquals("Created kept (not started: its spec.state is Created)\n", alone.get(6).out());
    assertTrue(alone.get(8).err().contains("image"), alone.get(8)::toString);
    assertTrue(alone.get(9).err().contains("dnsPolicy"), alone.get(9)::toString);
    assertTrue(alone.get(0).out().matches("Created handed\nStarted handed in \\S+ \\(boot id [0-9a-f-]+, \\w+, .*\\)\n"),
        alone.get(0)::toString);
    assertEquals("Exists handed (same spec)\nAlready running handed\n", alone.get(1).out());
    assertEquals("peapod: pod \"handed\": is already running\n", alone.get(2).err());
    assertTrue(alone.get(0).launchedQemu(), "without a controller the CLI boots the VM");

    startController();
    List<Result> handed = scenario();
    for (int i = 0; i < alone.size(); i++) {
      assertEquals(alone.get(i).exitCode(), handed.get(i).exitCode(), handed.get(i)::toString);
      assertEquals(alone.get(i).normalized(), handed.get(i).normalized());
    }
    assertFalse(handed.get(0).launchedQemu(), "run handed its boot to the controller");
    for (int i : List.of(0, 1, 5, 6, 7)) {
      assertFalse(handed.get(i).readManifest(), "run -f was handed whole to the controller: " + i);
    }
    assertTrue(handed.get(8).readManifest(), "an invalid file is given back and reported by the CLI itself");
    for (int i : List.of(0, 1, 6, 9)) {
      assertFalse(handed.get(i).startedJvm(), "the launcher's client printed the controller's answer: " + i);
    }
    for (int i : List.of(5, 7, 8)) {
      assertTrue(handed.get(i).startedJvm(), "-o json|yaml and a run given back are the CLI's: " + i);
    }
    assertTrue(alone.get(0).readManifest());
    assertFalse(handed.get(4).launchedQemu(), "start handed its boot to the controller");
    JsonNode started = new ObjectMapper().readTree(handed.get(4).out());
    assertEquals("RUNNING", started.path("state").asText(), handed.get(4)::toString);
    assertFalse(started.has("owner"), "the CLI's -o json has no owner, handed over or not");
    List<String> fields = new ArrayList<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = new ObjectMapper().readTree(alone.get(4).out()).fields(); it.hasNext(); ) {
      fields.add(it.next().getKey());
    }
    List<String> handedFields = new ArrayList<>();
    started.fieldNames().forEachRemaining(handedFields::add);
    assertEquals(fields, handedFields);
  }

  /**
   * A command with its own PEAPOD_SECCOMP_DIR reads Localhost profiles from there, as it does
   * without a controller: the controller, which would read its home's, gives the run back. Here
   * only the controller's directory has the profile, so the command refuses the pod either way.
   */
  @Test
  void aRunWithItsOwnSeccompDirectoryIsGivenBack() throws Exception {
    Files.createDirectories(home.resolve("seccomp"));
    Files.writeString(home.resolve("seccomp/allow.json"), "{\"defaultAction\": \"SCMP_ACT_ALLOW\"}");
    Path own = Files.createDirectories(home.resolve("own-seccomp"));
    Path profiled = home.resolve("profiled.yaml");
    Files.writeString(profiled, """
        apiVersion: peapod.dev/v1alpha1
        kind: PeaPod
        metadata: {name: handed}
        spec:
          state: Created
          securityContext:
            seccompProfile: {type: Localhost, localhostProfile: allow.json}
          containers:
            - name: main
              image: it/bb:1
              command: [sleep, "3600"]
        """);
    startController();
    Result run = peapod(Map.of("PEAPOD_SECCOMP_DIR", own.toString()), "run", "-f", profiled.toString());
    assertEquals(1, run.exitCode(), run::toString);
    assertTrue(run.err().contains("seccomp profile \"allow.json\""), run::toString);
    assertTrue(run.readManifest(), "the command ran it itself");

    Result same = peapod("run", "-f", profiled.toString());
    assertEquals(0, same.exitCode(), same::toString);
    assertFalse(same.readManifest(), "the same directory on both sides: handed whole");
  }

  /**
   * With no controller, a run -f the command did itself leaves the home's run server behind, and
   * the next run -f is done there, printed by the launcher's client with no JVM started, as the
   * command would have printed it; a command whose Peapod settings differ is given back (and done
   * by the command), and nobody but the home's owner gets an answer from the server.
   */
  @Test
  void withoutAControllerTheRunServerDoesTheNextRuns() throws Exception {
    Result first = peapod("run", "-f", created.toString());
    assertEquals("Created kept (not started: its spec.state is Created)\n", first.out(), first::toString);
    assertTrue(first.startedJvm());
    Path socket = home.resolve("run.sock");
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!Files.exists(socket)) {
      assertTrue(System.nanoTime() < deadline, "no run server after 60 s");
      Thread.sleep(100);
    }
    assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
        Files.getPosixFilePermissions(socket)));

    Result run = peapod("run", "-f", manifest.toString());
    assertEquals(0, run.exitCode(), run::toString);
    assertTrue(run.out().matches("Created handed\nStarted handed in \\S+ \\(boot id [0-9a-f-]+, \\w+, .*\\)\n"),
        run::toString);
    assertFalse(run.startedJvm(), "the run server did it: " + run);
    Result again = peapod("run", "-f", manifest.toString());
    assertEquals("Exists handed (same spec)\nAlready running handed\n", again.out(), again::toString);
    assertFalse(again.startedJvm());
    Result kept = peapod("run", "-f", created.toString());
    assertEquals("Exists kept (same spec) (not started: its spec.state is Created)\n", kept.out(), kept::toString);
    assertFalse(kept.startedJvm());

    Result otherSettings = peapod(Map.of("PEAPOD_WARM_POOL", "0"), "run", "-f", created.toString());
    assertEquals(kept.out(), otherSettings.out(), otherSettings::toString);
    assertTrue(otherSettings.startedJvm(), "other settings: given back to the command");
    Result invalidRun = peapod("run", "-f", invalid.toString());
    assertEquals(1, invalidRun.exitCode(), invalidRun::toString);
    assertTrue(invalidRun.readManifest(), "an invalid file is given back");

    // Another user may not even reach the socket in the 0700 home; with both opened up, the server
    // still answers nobody but the home's owner.
    var homeMode = Files.getPosixFilePermissions(home);
    try {
      Files.setPosixFilePermissions(home, java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x"));
      Files.setPosixFilePermissions(socket, java.nio.file.attribute.PosixFilePermissions.fromString("rw-rw-rw-"));
      Process nobody = new ProcessBuilder("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "/usr/bin/python3", "-c",
          "import socket,sys\n"
          + "s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])\n"
          + "b=b'{\"file\":\"x\",\"content\":\"\",\"command\":\"peapod run -f x\",\"environment\":{}}'\n"
          + "try:\n  s.sendall(b'POST /v1/cli/run HTTP/1.1\\r\\nContent-Length: %d\\r\\n\\r\\n' % len(b) + b)\n"
          + "  print(len(s.recv(100)))\n"
          + "except (ConnectionResetError, BrokenPipeError):\n  print(0)\n", socket.toString()).redirectErrorStream(true).start();
      String said = new String(nobody.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      assertEquals(0, nobody.waitFor(), said);
      assertEquals("0", said, "the connection of another user is closed unanswered (or reset, or its request refused"
          + " while it was sent)");
    } finally {
      Files.setPosixFilePermissions(home, homeMode);
    }
  }

  /**
   * The client talks only to a server of the home's owner: a socket another user serves (renamed into
   * the home here, as anyone who could write the home could bind one) is sent nothing and its answer
   * is not printed; a home others may write is not handed from at all; and an answer planted in the
   * environment (PEAPOD_HANDED_RESPONSE, which the client sets for the CLI it execs) is not taken for
   * the command's own. Each time the command does the run itself.
   */
  @Test
  void onlyTheHomesOwnerServesARunAndNoAnswerComesFromTheEnvironment() throws Exception {
    Path theirs = Files.createTempDirectory("peapod-handoff-nobody");
    Files.setAttribute(theirs, "unix:uid", 65534);
    Path socket = theirs.resolve("run.sock");
    Path got = theirs.resolve("got");
    Process fake = new ProcessBuilder("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "/usr/bin/python3",
        "-c", "import socket,sys\n"
        + "s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(1)\n"
        + "c,_=s.accept(); c.settimeout(10)\n"
        + "try:\n  d=c.recv(1000000)\nexcept Exception:\n  d=b'timeout'\n"
        + "open(sys.argv[2],'wb').write(d)\n"
        + "a=b'{\"stdout\":\"Started evil\\\\n\",\"stderr\":\"\"}'\n"
        + "try:\n  c.sendall(b'HTTP/1.1 200 OK\\r\\nContent-Length: %d\\r\\n\\r\\n' % len(a) + a)\n"
        + "except Exception:\n  pass\n", socket.toString(), got.toString()).redirectErrorStream(true).start();
    try {
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (!Files.exists(socket)) {
        assertTrue(System.nanoTime() < deadline, "the other user's server did not listen");
        Thread.sleep(50);
      }
      Files.move(socket, home.resolve("run.sock"));
      Result run = peapod("run", "-f", created.toString());
      assertEquals("Created kept (not started: its spec.state is Created)\n", run.out(), run::toString);
      assertTrue(run.startedJvm(), "the command ran it: " + run);
      assertTrue(fake.waitFor(30, java.util.concurrent.TimeUnit.SECONDS), "the other user's server ended");
      assertEquals(0, Files.size(got), "the other user's server was sent nothing: " + Files.readString(got));
    } finally {
      fake.destroyForcibly();
      Files.deleteIfExists(home.resolve("run.sock"));
    }

    String planted = "http " + java.util.Base64.getEncoder().encodeToString(("HTTP/1.1 200 OK\r\n\r\n{\"warnings\":[],"
        + "\"pod\":\"evil\",\"existed\":false,\"outcome\":\"started\",\"data\":{}}").getBytes(StandardCharsets.UTF_8));
    Result again = peapod(Map.of("PEAPOD_HANDED_RESPONSE", planted), "run", "-f", created.toString());
    assertEquals("Exists kept (same spec) (not started: its spec.state is Created)\n", again.out(), again::toString);

    var homeMode = Files.getPosixFilePermissions(home);
    try {
      Files.setPosixFilePermissions(home, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
      startController();
      Result open = peapod("run", "-f", created.toString());
      assertEquals(again.out(), open.out(), open::toString);
      assertTrue(open.startedJvm(), "a home others may write is not handed from: " + open);
    } finally {
      Files.setPosixFilePermissions(home, homeMode);
    }
  }

  @Test
  void aSocketLeftByAControllerThatDiedIsPassedBy() throws Exception {
    startController();
    stopController(true);
    assertTrue(Files.exists(home.resolve("peapod.sock")), "SIGKILL leaves the socket file");
    try (SocketChannel ignored = SocketChannel.open(UnixDomainSocketAddress.of(home.resolve("peapod.sock")))) {
      throw new AssertionError("nobody should accept on the socket of a killed controller");
    } catch (IOException expected) {
      // connection refused: what the CLI sees too
    }
    Result run = peapod("run", "-f", manifest.toString());
    assertEquals(0, run.exitCode(), run::toString);
    assertTrue(run.out().startsWith("Created handed\nStarted handed in "), run::toString);
    assertTrue(run.launchedQemu(), "with no controller listening the CLI boots the VM itself");
  }
}
