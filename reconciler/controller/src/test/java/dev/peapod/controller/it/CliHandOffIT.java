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
  /** Not a variable: {@link #peapod(Map, String...)} runs the command with this umask. */
  private static final String UMASK = "(umask)";
  /** Not a variable: the command runs with TZ set to the byte 0xff, which is no UTF-8. */
  private static final String TZ_NOT_UTF8 = "(TZ not UTF-8)";

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

  /** Not a variable: {@link #peapod(Map, String...)} runs the command in a network namespace of its own. */
  private static final String NETWORK_NAMESPACE = "(network namespace)";

  /** Waits until {@code file} exists (a server's socket), at most {@code within}; else fails saying {@code what}. */
  private static void awaitFile(Path file, Duration within, String what) throws InterruptedException {
    long deadline = System.nanoTime() + within.toNanos();
    while (!Files.exists(file)) {
      assertTrue(System.nanoTime() < deadline, what);
      Thread.sleep(50);
    }
  }

  private Result peapod(String... args) throws IOException, InterruptedException {
    return peapod(Map.of(), args);
  }

  private Result peapod(Map<String, String> env, String... args) throws IOException, InterruptedException {
    Path classes = Files.createTempFile(home, "classes", ".log");
    List<String> command = new ArrayList<>();
    if (env.containsKey(UMASK)) { // the command run with this umask
      command.addAll(List.of("sh", "-c", "umask " + env.get(UMASK) + "; exec \"$@\"", "sh"));
    }
    if (env.containsKey(TZ_NOT_UTF8)) {
      command.addAll(List.of("sh", "-c", "TZ=\"$(printf '\\377')\"; export TZ; exec \"$@\"", "sh"));
    }
    if (env.containsKey(NETWORK_NAMESPACE)) { // the command run in a network namespace of its own
      command.addAll(List.of("unshare", "--net"));
    }
    command.add(LAUNCHER.toString());
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().put("PEAPOD_HOME", home.toString());
    builder.environment().put("PEAPOD_JAVA_OPTS", "-Xlog:class+load=info:file=" + classes);
    builder.environment().putAll(env);
    builder.environment().remove(UMASK);
    builder.environment().remove(NETWORK_NAMESPACE);
    builder.environment().remove(TZ_NOT_UTF8);
    if (env.containsKey("PEAPOD_JAVA_OPTS")) { // its options as well as the class log's
      builder.environment().put("PEAPOD_JAVA_OPTS", "-Xlog:class+load=info:file=" + classes + " "
          + env.get("PEAPOD_JAVA_OPTS"));
    }
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

    // A newer command's field: given back (the command runs it), neither refused nor ignored.
    String answer = post(home.resolve("peapod.sock"), "{\"file\":\"x.yaml\",\"content\":\"\","
        + "\"command\":\"peapod run -f x.yaml\",\"fromTheFuture\":true}");
    assertTrue(answer.startsWith("HTTP/1.1 200 ") && answer.contains("\"declined\"") && answer.contains("fromTheFuture"),
        answer);
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
    awaitFile(socket, Duration.ofSeconds(60), "no run server after 60 s");
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
      awaitFile(socket, Duration.ofSeconds(30), "the other user's server did not listen");
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

    // The same with a controller's socket: neither the launcher's client nor the CLI's JVM
    // (ControllerClient) sends it anything.
    Path theirController = theirs.resolve("peapod.sock");
    Path gotController = theirs.resolve("got-controller");
    Process fakeController = new ProcessBuilder("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
        "/usr/bin/python3", "-c", "import socket,sys\n"
        + "s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(8); s.settimeout(20)\n"
        + "got=open(sys.argv[2],'wb')\n"
        + "try:\n  while True:\n    c,_=s.accept(); c.settimeout(5)\n"
        + "    try:\n      got.write(c.recv(1000000)); got.flush()\n    except Exception:\n      pass\n"
        + "    try:\n      c.sendall(b'HTTP/1.1 200 OK\\r\\nContent-Length: 2\\r\\n\\r\\n{}')\n    except Exception:\n      pass\n"
        + "except Exception:\n  pass\n", theirController.toString(), gotController.toString())
        .redirectErrorStream(true).start();
    try {
      awaitFile(theirController, Duration.ofSeconds(30), "the other user's controller did not listen");
      Files.move(theirController, home.resolve("peapod.sock"));
      Result run = peapod(Map.of("PEAPOD_RUN_SERVER", "0"), "run", "-f", created.toString());
      assertEquals("Exists kept (same spec) (not started: its spec.state is Created)\n", run.out(), run::toString);
      assertTrue(run.readManifest(), "the command ran it: " + run);
      assertEquals(0, Files.size(gotController), "the other user's controller was sent nothing: "
          + Files.readString(gotController));
    } finally {
      fakeController.destroyForcibly();
      Files.deleteIfExists(home.resolve("peapod.sock"));
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

  /**
   * The launcher's client waits for an answer as long as the server that took the request runs (a pod's init
   * container may take minutes; it gave up after 300 s and the command failed while the pod went on starting):
   * here a server answers after 8 s, past the client's 5 s look at whether it still runs. A server that ends
   * without answering, its connection kept open by a child, leaves the command to run itself.
   */
  @Test
  void aSlowAnswerIsWaitedForWhileTheServerRunsAndOneThatEndedLeavesTheRunToTheCommand() throws Exception {
    Path socket = home.resolve("run.sock");
    String serve = "import os,socket,sys,time\n"
        + "s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(4)\n"
        + "c,_=s.accept(); c.recv(1000000)\n"
        + "if sys.argv[2]=='slow':\n"
        + "  time.sleep(8)\n"
        + "  b=b'{\"stdout\":\"answered after 8 s\\\\n\",\"stderr\":\"\"}'\n"
        + "  c.sendall(b'HTTP/1.1 200 OK\\r\\nContent-Length: %d\\r\\n\\r\\n' % len(b) + b)\n"
        + "else:\n"
        + "  s.close(); os.unlink(sys.argv[1])\n"
        + "  if os.fork()==0:\n"
        + "    time.sleep(60); os._exit(0)\n"
        + "  os._exit(0)\n";
    for (String how : List.of("slow", "ends")) {
      Process fake = new ProcessBuilder("/usr/bin/python3", "-c", serve, socket.toString(), how)
          .redirectErrorStream(true).start();
      try {
        awaitFile(socket, Duration.ofSeconds(30), "the fake server did not listen");
        long start = System.nanoTime();
        Result run = peapod(Map.of("PEAPOD_RUN_SERVER", "0"), "run", "-f", created.toString());
        long took = Duration.ofNanos(System.nanoTime() - start).toSeconds();
        if (how.equals("slow")) {
          assertEquals("answered after 8 s\n", run.out(), run::toString);
          assertFalse(run.startedJvm(), "the server's answer, waited for: " + run);
        } else {
          assertEquals("Created kept (not started: its spec.state is Created)\n", run.out(), run::toString);
          assertTrue(run.readManifest(), "the command ran it itself once the server had ended: " + run);
          assertTrue(took < 40, "not held by the child that kept the connection: " + took + " s");
        }
      } finally {
        fake.destroyForcibly();
        Files.deleteIfExists(socket);
      }
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
    deadSocket(home.resolve("run.sock")); // and a run server killed too
    Result run = peapod("run", "-f", manifest.toString());
    assertEquals(0, run.exitCode(), run::toString);
    assertTrue(run.out().startsWith("Created handed\nStarted handed in "), run::toString);
    assertTrue(run.launchedQemu(), "with no controller listening the CLI boots the VM itself");

    // Neither dead socket keeps the home's run server from starting: it replaces its own.
    awaitRunServer();
    Result next = peapod("run", "-f", manifest.toString());
    assertEquals("Exists handed (same spec)\nAlready running handed\n", next.out(), next::toString);
    assertFalse(next.startedJvm(), "the run server did it: " + next);
  }

  /** The warm pool keeper processes of this home (by their command line). */
  private List<Long> keeperProcesses() {
    return ProcessHandle.allProcesses().filter(p -> p.info().arguments().map(a -> List.of(a).contains(
        "dev.peapod.provider.qemu.WarmPoolKeeper") && List.of(a).contains("pool=" + home.resolve("pool"))).orElse(false))
        .map(ProcessHandle::pid).toList();
  }

  /** Waits until a shape's pool lock names {@code pid} as its keeper. */
  private void awaitPoolKeptBy(long pid) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (true) {
      Path pool = home.resolve("pool");
      List<String> keepers = new ArrayList<>();
      if (Files.isDirectory(pool)) {
        try (var locks = Files.list(pool)) {
          for (Path lock : locks.filter(p -> p.toString().endsWith(".lock")).toList()) {
            keepers.add(Files.readString(lock).trim());
          }
        }
      }
      if (keepers.contains(Long.toString(pid))) {
        return;
      }
      assertTrue(System.nanoTime() < deadline, "no pool kept by process " + pid + " after 60 s: " + keepers + "\n"
          + log("run-server.log"));
      Thread.sleep(200);
    }
  }

  /** Warm pools on: this module's ITs run with templates off. */
  private static final Map<String, String> POOLS = Map.of("PEAPOD_TEMPLATES", "on");

  /**
   * Runs {@link #manifest} with warm pools and no run server, as a command before the server was there, with {@code
   * env} besides; returns the keeper process it started.
   */
  private long bootWithAKeeperProcess(Map<String, String> env) throws Exception {
    Map<String, String> alone = new java.util.HashMap<>(POOLS);
    alone.put("PEAPOD_RUN_SERVER", "0");
    alone.putAll(env);
    Result booted = peapod(alone, "run", "-f", manifest.toString());
    assertEquals(0, booted.exitCode(), booted::toString);
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (keeperProcesses().isEmpty()) {
      assertTrue(System.nanoTime() < deadline, "the command started no keeper process");
      Thread.sleep(200);
    }
    return keeperProcesses().get(0);
  }

  /**
   * A keeper process a command started before the run server was there is taken over by the run
   * server (one JVM per home): the process ends and the server's thread keeps the pool.
   */
  @Test
  void theRunServerTakesOverAKeeperProcess() throws Exception {
    bootWithAKeeperProcess(Map.of());
    Result first = peapod(POOLS, "run", "-f", created.toString());
    assertEquals(0, first.exitCode(), first::toString);
    awaitRunServer();
    long server = runServerPid();
    awaitPoolKeptBy(server);
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!keeperProcesses().isEmpty()) {
      assertTrue(System.nanoTime() < deadline, "the keeper process still runs: " + keeperProcesses());
      Thread.sleep(200);
    }
    assertTrue(log("run-server.log").contains("took over the warm pool of "), log("run-server.log"));

    // A boot the server does keeps its pool in the server too: still no keeper process.
    peapod("rm", "--force", "handed", "--grace", "0");
    Result handed = peapod(POOLS, "run", "-f", manifest.toString());
    assertEquals(0, handed.exitCode(), handed::toString);
    assertFalse(handed.startedJvm(), "the run server did it: " + handed);
    Thread.sleep(2000);
    assertEquals(List.of(), keeperProcesses(), "no warm pool keeper process next to the run server");
    awaitPoolKeptBy(server);
  }

  /** Leaves at {@code path} the socket file of a process that listened there and was killed. */
  private static void deadSocket(Path path) throws Exception {
    Process bind = new ProcessBuilder("/usr/bin/python3", "-c", "import socket,sys\n"
        + "s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(1)\n", path.toString())
        .redirectErrorStream(true).start();
    assertEquals(0, bind.waitFor(), new String(bind.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    assertTrue(Files.exists(path));
  }

  private void awaitRunServer() throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (runServerPid() < 0 || !Files.exists(home.resolve("run.sock"))) {
      assertTrue(System.nanoTime() < deadline, "no run server after 60 s: " + log("run-server.log"));
      Thread.sleep(100);
    }
  }

  private String log(String name) throws IOException {
    Path path = home.resolve(name);
    return Files.exists(path) ? Files.readString(path) : "(no " + name + ")";
  }

  /** The process of the run server listening now (its log says), or -1. */
  private long runServerPid() throws IOException {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("listening on .* \\(process ([0-9]+)\\)")
        .matcher(log("run-server.log"));
    long pid = -1;
    while (m.find()) {
      pid = Long.parseLong(m.group(1));
    }
    return pid >= 0 && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) ? pid : -1;
  }

  /** A POST /v1/cli/run of {@code json} on {@code socket}, as the launcher's client sends one; the response. */
  private static String post(Path socket, String json) throws IOException {
    try (SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
      byte[] body = json.getBytes(StandardCharsets.UTF_8);
      channel.write(java.nio.ByteBuffer.wrap(("POST /v1/cli/run HTTP/1.1\r\nHost: peapod\r\nContent-Type: "
          + "application/json\r\nContent-Length: " + body.length + "\r\nConnection: close\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII)));
      channel.write(java.nio.ByteBuffer.wrap(body));
      return new String(java.nio.channels.Channels.newInputStream(channel).readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  /**
   * The run server runs with an environment and JVM options of its own, not those of the command
   * that started it: a JAVA_TOOL_OPTIONS naming another kernel there, or any other variable, does not
   * stay in force for later runs. A command whose relevant settings (JVM option variables, umask, ...)
   * differ from the server's is given back and runs itself.
   */
  @Test
  void theRunServerStartsFromItsOwnSettingsAndGivesBackOtherOnes() throws Exception {
    // A kernel of the starting command's JVM options, gone once it ran: a server that kept those
    // options would fail every later boot.
    Path kernel = Files.copy(ControllerHome.REPO.resolve("build/vmlinux"), home.resolve("its-own-vmlinux"));
    Result first = peapod(Map.of("JAVA_TOOL_OPTIONS", "-Dpeapod.kernel=" + kernel, "IT_NOT_A_SETTING", "leaked"),
        "run", "-f", created.toString());
    assertEquals("Created kept (not started: its spec.state is Created)\n", first.out(), first::toString);
    awaitRunServer();
    Files.delete(kernel);
    String environ = Files.readString(Path.of("/proc/" + runServerPid() + "/environ"));
    assertFalse(environ.contains("JAVA_TOOL_OPTIONS") || environ.contains("IT_NOT_A_SETTING"), environ);

    Result run = peapod("run", "-f", manifest.toString());
    assertEquals(0, run.exitCode(), run::toString);
    assertTrue(run.out().matches("Created handed\nStarted handed in \\S+ \\(boot id [0-9a-f-]+, \\w+, .*\\)\n"),
        run::toString);
    assertFalse(run.startedJvm(), "the run server did it, with the kernel of its own settings: " + run);

    String exists = "Exists kept (same spec) (not started: its spec.state is Created)\n";
    for (Map<String, String> other : List.of(Map.of("JAVA_TOOL_OPTIONS", "-Xss2m"), Map.of(UMASK, "0077"),
        Map.of("PEAPOD_JAVA_OPTS", "-Duser.home=/nonexistent"), Map.of("TMPDIR", "/var/tmp"),
        // a relative path names another file from the server's working directory; another network namespace
        // would have the pod's host port bound where the command cannot reach it
        Map.of("TMPDIR", "tmp"), Map.of("PATH", "bin:" + System.getenv("PATH")), Map.of(NETWORK_NAMESPACE, "yes"),
        // another JDK's path (the same JDK, named otherwise); an empty TZ is UTC, not the unset one's local time; a
        // setting that is no UTF-8 cannot be compared exactly, not taken for unset
        Map.of("JAVA_HOME", System.getProperty("java.home") + "/."), Map.of("TZ", ""), Map.of(TZ_NOT_UTF8, "yes"))) {
      Result given = peapod(other, "run", "-f", created.toString());
      assertEquals(exists, given.out(), given::toString);
      assertTrue(given.startedJvm(), "other settings: given back to the command: " + other);
    }
    Result same = peapod("run", "-f", created.toString());
    assertEquals(exists, same.out(), same::toString);
    assertFalse(same.startedJvm(), "the same settings: the server's");
  }

  /**
   * A command killed while its request waited to be accepted (all the server's slots taken) does not have its
   * run done later: the kernel kept the request, but nobody waits for it.
   */
  @Test
  void aRunWhoseCommandWasKilledBeforeItStartedIsNotRun() throws Exception {
    peapod("run", "-f", created.toString());
    awaitRunServer();
    Path socket = home.resolve("run.sock");
    Path gone = home.resolve("gone.yaml");
    Files.writeString(gone, Files.readString(created).replace("name: kept", "name: gone"));
    List<SocketChannel> silent = new ArrayList<>();
    Process killed = null;
    try {
      for (int i = 0; i < 4; i++) { // the server's slots (RunServer.MAX_CONNECTIONS), held by connections that send nothing
        silent.add(SocketChannel.open(UnixDomainSocketAddress.of(socket)));
      }
      Thread.sleep(2000); // accepted
      ProcessBuilder builder = new ProcessBuilder(LAUNCHER.toString(), "run", "-f", gone.toString());
      builder.environment().put("PEAPOD_HOME", home.toString());
      killed = builder.redirectErrorStream(true).redirectOutput(home.resolve("killed.txt").toFile()).start();
      Thread.sleep(2000); // its request sent, waiting in the listen queue
      assertTrue(killed.isAlive(), "the command waits for the server: " + Files.readString(home.resolve("killed.txt")));
      killed.destroyForcibly();
      killed.waitFor();
    } finally {
      for (SocketChannel channel : silent) {
        channel.close(); // the slots free: the killed command's request is accepted next
      }
    }
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!log("run-server.log").contains("a request whose command is gone: not run")) {
      assertTrue(System.nanoTime() < deadline, "the killed command's request was not refused: " + log("run-server.log"));
      Thread.sleep(200);
    }
    Result inspect = peapod("inspect", "gone");
    assertTrue(inspect.exitCode() != 0, "no pod of the killed command: " + inspect);
  }

  /**
   * Taking over a keeper that does not end at once (stopped here: SIGTERM waits until it runs again; the server waits
   * up to 30 s for it) holds up no run: the server answers meanwhile, and takes the pool over once the keeper ended.
   */
  @Test
  void aKeeperSlowToEndHoldsUpNoRun() throws Exception {
    long keeper = bootWithAKeeperProcess(Map.of());
    ProcessHandle handle = ProcessHandle.of(keeper).orElseThrow();
    assertEquals(0, new ProcessBuilder("kill", "-STOP", Long.toString(keeper)).start().waitFor());
    try {
      Result first = peapod(POOLS, "run", "-f", created.toString());
      assertEquals(0, first.exitCode(), first::toString);
      awaitRunServer();
      long t0 = System.nanoTime();
      Result served = peapod(POOLS, "run", "-f", created.toString());
      long seconds = Duration.ofNanos(System.nanoTime() - t0).toSeconds();
      assertEquals("Exists kept (same spec) (not started: its spec.state is Created)\n", served.out(), served::toString);
      assertFalse(served.startedJvm(), "the run server did it: " + served);
      assertTrue(seconds < 20, "served in " + seconds + " s, not after the keeper's 30 s: " + log("run-server.log"));
    } finally {
      new ProcessBuilder("kill", "-CONT", Long.toString(keeper)).start().waitFor();
    }
    handle.onExit().get(60, java.util.concurrent.TimeUnit.SECONDS);
    awaitPoolKeptBy(runServerPid());
  }

  /**
   * A keeper process of other settings than the run server's (here another time zone) is left alone: its VMs would
   * wait unused in the server, whose commands of those settings it gives back.
   */
  @Test
  void theRunServerLeavesAKeeperOfOtherSettingsAlone() throws Exception {
    long keeper = bootWithAKeeperProcess(Map.of("TZ", "Pacific/Chatham"));
    Result first = peapod(POOLS, "run", "-f", created.toString());
    assertEquals(0, first.exitCode(), first::toString);
    awaitRunServer();
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!log("run-server.log").contains("left the keeper process " + keeper + " alone: its settings differ (TZ)")) {
      assertTrue(System.nanoTime() < deadline, "the keeper was not left alone: " + log("run-server.log"));
      Thread.sleep(200);
    }
    Thread.sleep(6000); // another round of the server's look for keepers
    assertEquals(List.of(keeper), keeperProcesses(), "the keeper of other settings still runs");
    assertFalse(log("run-server.log").contains("took over the warm pool of "), log("run-server.log"));
    ProcessHandle.of(keeper).ifPresent(ProcessHandle::destroy);
  }

  /**
   * A connection that sends nothing (or stalls) holds up no other run: the server serves several at
   * once and closes a silent one after its request timeout. A request with a field the server does
   * not know (a newer client's) is given back, not refused; and a server that refuses a request
   * (400, as an older one would) makes the command run it itself.
   */
  @Test
  void aSilentConnectionHoldsUpNoRunAndVersionSkewFallsBack() throws Exception {
    peapod("run", "-f", created.toString());
    awaitRunServer();
    Path socket = home.resolve("run.sock");
    try (SocketChannel silent = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
      long t0 = System.nanoTime();
      Result run = peapod("run", "-f", created.toString());
      assertEquals("Exists kept (same spec) (not started: its spec.state is Created)\n", run.out(), run::toString);
      assertFalse(run.startedJvm(), "served next to a silent connection: " + run);
      assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(15).toNanos(), "not held up by the silent connection");
      silent.configureBlocking(false);
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      int read;
      while ((read = silent.read(java.nio.ByteBuffer.allocate(16))) == 0) {
        assertTrue(System.nanoTime() < deadline, "the silent connection is closed after the request timeout");
        Thread.sleep(200);
      }
      assertEquals(-1, read);
    }

    // A request larger than the server takes (an 8 MiB bound let a 3.6 MB manifest end the server out of memory,
    // and the command then failed on the empty answer): refused unanswered, the command runs it itself, and the
    // server goes on serving.
    Path large = home.resolve("large.yaml");
    Files.writeString(large, Files.readString(created) + ("# " + "x".repeat(1000) + "\n").repeat(1200));
    Result tooLarge = peapod("run", "-f", large.toString());
    assertEquals(0, tooLarge.exitCode(), tooLarge::toString);
    assertEquals("Exists kept (same spec) (not started: its spec.state is Created)\n", tooLarge.out(), tooLarge::toString);
    assertTrue(tooLarge.startedJvm(), "the command ran it itself: " + tooLarge);
    Result after = peapod("run", "-f", created.toString());
    assertFalse(after.startedJvm(), "the run server still serves: " + after);

    String answer = post(socket, "{\"file\":\"x.yaml\",\"content\":\"\",\"command\":\"peapod run -f x.yaml\","
        + "\"fromTheFuture\":true,\"environment\":{},\"process\":{}}");
    assertTrue(answer.startsWith("HTTP/1.1 200 ") && answer.contains("\"declined\"") && answer.contains("fromTheFuture"),
        answer);

    // A server of the home's owner that cannot read the request: the command runs it itself.
    Files.delete(socket);
    Process old = new ProcessBuilder("/usr/bin/python3", "-c", "import socket,sys\n"
        + "s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(4); s.settimeout(60)\n"
        + "while True:\n  c,_=s.accept(); c.recv(1000000)\n"
        + "  c.sendall(b'HTTP/1.1 400 Bad Request\\r\\nContent-Length: 15\\r\\n\\r\\n{\"detail\":\"?\"}'); c.close()\n",
        socket.toString()).redirectErrorStream(true).start();
    try {
      awaitFile(socket, Duration.ofSeconds(30), "the old server did not listen");
      Result refused = peapod(Map.of("PEAPOD_RUN_SERVER", "0"), "run", "-f", created.toString());
      assertEquals(0, refused.exitCode(), refused::toString);
      assertEquals("Exists kept (same spec) (not started: its spec.state is Created)\n", refused.out(), refused::toString);
      assertTrue(refused.readManifest(), "the command ran it itself");
    } finally {
      old.destroyForcibly();
    }
  }
}
