package dev.peapod.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peapod.cli.testing.OciLayoutWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The repo-root {@code ./peapod} launcher end to end, as a user runs it: a separate process on
 * the packaged uber-jar (so it runs after {@code package}, under failsafe), with a temporary
 * PEAPOD_HOME. Checks what only a real process shows: stdout free of log noise, exit codes passed through the script, and the class-data sharing archive the script
 * makes and uses.
 */
class LauncherIT {
  private static final Path REPO = Path.of(System.getProperty("peapod.repo", "../.."));
  private static final Path TARGET = REPO.resolve("reconciler/cli/target");
  private static final Path JAR = TARGET.resolve("peapod-runner.jar");

  @TempDir
  Path home;

  @Test
  void versionRunsThroughTheLauncher() throws Exception {
    Result version = peapod("version");
    assertEquals(0, version.exitCode, version::toString);
    assertTrue(version.out.startsWith("COMPONENT   VERSION OR PATH\npeapod      0.1.0-SNAPSHOT\n"), version::toString);
    assertTrue(version.out.contains("\nhome        " + home + "\n"), version::toString);
    assertEquals("", version.err);
  }

  @Test
  void imageListAsJsonOnAnEmptyThenALoadedStore() throws Exception {
    Result empty = peapod("image", "ls", "-o", "json");
    assertEquals(0, empty.exitCode, empty::toString);
    assertEquals("[ ]\n", empty.out);
    assertEquals("", empty.err);

    Path layout = home.resolve("layout");
    String id = new OciLayoutWriter().file("hello", "hi\n").refName("example.org/hello:1").writeTo(layout);
    Result load = peapod("image", "load", layout.toString());
    assertEquals(0, load.exitCode, load::toString);

    Result list = peapod("image", "ls", "-o", "json");
    assertEquals(0, list.exitCode, list::toString);
    JsonNode images = new ObjectMapper().readTree(list.out);
    assertEquals(1, images.size(), list::toString);
    assertEquals(id, images.get(0).get("id").asText());
    assertEquals("example.org/hello:1", images.get(0).get("references").get(0).asText());
  }

  @Test
  void errorsAreOneLineAndTheExitCodePassesThrough() throws Exception {
    Result missing = peapod("image", "inspect", "nosuch:1");
    assertEquals(ExitCodes.NOT_FOUND, missing.exitCode, missing::toString);
    assertEquals("", missing.out);
    assertEquals("peapod: image \"nosuch:1\": no such image in the store\n", missing.err);

    Result usage = peapod("image", "frobnicate");
    assertEquals(ExitCodes.USAGE, usage.exitCode, usage::toString);
  }

  @Test
  void theClassDataArchiveIsMadeAndHoldsTheCliClasses() throws Exception {
    deleteArchives();
    Result first = peapod("version");
    assertEquals(0, first.exitCode, first::toString);
    Path archive = archive();

    Path classLog = home.resolve("classes.log");
    Result ps = peapodWithJavaOptions("-Xlog:class+load:file=" + classLog, "ps", "-o", "json");
    assertEquals(0, ps.exitCode, ps::toString);
    assertEquals(archive, archive(), "a second run makes no new archive");
    String classes = Files.readString(classLog);
    // The uber-jar's classes come from the archive: ours, Jackson's, and picocli's (compiled for
    // Java 5, which only a static archive holds on JDK 17).
    for (String name : List.of("dev.peapod.cli.Main", "dev.peapod.cli.PeapodCommand", "dev.peapod.cli.PodListCommand",
        "com.fasterxml.jackson.databind.ObjectMapper", "picocli.CommandLine$Model$CommandSpec")) {
      assertTrue(classes.contains("] " + name + " source: shared objects file"), name + " not from the archive:\n"
          + classes.lines().filter(l -> l.contains("] " + name + " ")).toList());
    }

    // The training went as far as create does before it needs the image: reading, validating, converting.
    Path manifest = home.resolve("pod.yaml");
    Files.writeString(manifest, "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n"
        + "  - name: c\n    image: example.org/missing:1\n    imagePullPolicy: Never\n");
    Path createLog = home.resolve("create-classes.log");
    Result create = peapodWithJavaOptions("-Xlog:class+load:file=" + createLog, "create", "-f", manifest.toString());
    assertEquals(ExitCodes.NOT_FOUND, create.exitCode, create::toString);
    String createClasses = Files.readString(createLog);
    for (String name : List.of("dev.peapod.manifest.ManifestParser", "dev.peapod.engine.spec.ManifestToPodSpec",
        "dev.peapod.images.ImageStore", "dev.peapod.provider.qemu.QemuProvider")) {
      assertTrue(createClasses.contains("] " + name + " source: shared objects file"), name + " not from the archive");
    }

    // The boot path, which the training never reaches (it boots no VM), is in it too: every class of Peapod's own is.
    // The JVM the launcher picks (PEAPOD_JAVA, JAVA_HOME, java on PATH): the archive is that JVM's.
    String javaBinary = System.getenv("PEAPOD_JAVA") != null ? System.getenv("PEAPOD_JAVA")
        : System.getenv("JAVA_HOME") != null ? System.getenv("JAVA_HOME") + "/bin/java" : "java";
    Process listing = new ProcessBuilder(javaBinary, "-Xshare:on", "-XX:SharedArchiveFile=" + archive,
        "-XX:+PrintSharedArchiveAndExit", "-cp", JAR.toString()).redirectErrorStream(true).start();
    String archived = new String(listing.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    listing.waitFor();
    for (String name : List.of("dev.peapod.provider.qemu.WarmPool", "dev.peapod.provider.qemu.qmp.QmpClient",
        "dev.peapod.provider.qemu.guest.GuestConnection", "dev.peapod.provider.qemu.PasstNetwork")) {
      assertTrue(archived.contains(" " + name + " app_loader"), name + " not in the archive");
    }
  }

  @Test
  void anArchiveOlderThanTheJarIsReplaced() throws Exception {
    assertEquals(0, peapod("version").exitCode);
    Path archive = archive();
    FileTime old = FileTime.from(Instant.parse("2020-01-01T00:00:00Z"));
    Files.setLastModifiedTime(archive, old); // as after a rebuild of the jar

    Result version = peapod("version");
    assertEquals(0, version.exitCode, version::toString);
    assertEquals("", version.err, "a remade archive is silent");
    assertTrue(Files.getLastModifiedTime(archive()).compareTo(Files.getLastModifiedTime(JAR)) > 0,
        "the archive is made again, newer than the jar");
    try (Stream<Path> files = Files.list(TARGET)) {
      assertEquals(1, files.filter(f -> f.getFileName().toString().startsWith("peapod-cds-")).count(),
          "the stale archive is gone, no temporary file is left");
    }
  }

  @Test
  void theJarsOwnQuarkusMainRunsTheSameCommands() throws Exception {
    // ./peapod runs dev.peapod.cli.Main; java -jar goes through Quarkus and CommandLineProducer.
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Result version = run(List.of(java, "-jar", JAR.toString(), "-o", "json", "version"));
    assertEquals(0, version.exitCode, version::toString);
    assertTrue(version.out.contains("\"home\" : \"" + home + "\""), version::toString);
    assertEquals("", version.err);

    Result missing = run(List.of(java, "-jar", JAR.toString(), "image", "inspect", "nosuch:1"));
    assertEquals(ExitCodes.NOT_FOUND, missing.exitCode, missing::toString);
    assertEquals("peapod: image \"nosuch:1\": no such image in the store\n", missing.err);
  }

  @Test
  void theCheckoutIsFoundFromARelativePathAndThroughASymlink(@TempDir Path bin) throws Exception {
    Path repo = REPO.toAbsolutePath().normalize();
    String kernel = "\nkernel      " + repo.resolve("build/vmlinux") + "\n";
    Result relative = run(List.of("bash", "-c", "cd " + repo + " && ./peapod version"));
    assertEquals(0, relative.exitCode, relative::toString);
    assertTrue(relative.out.contains(kernel), relative::toString);

    Path link = Files.createSymbolicLink(bin.resolve("peapod"), repo.resolve("peapod"));
    Result linked = run(List.of(link.toString(), "version"));
    assertEquals(0, linked.exitCode, linked::toString);
    assertTrue(linked.out.contains(kernel), linked::toString);
  }

  @Test
  void unbuiltCheckoutSaysHowToBuild(@TempDir Path checkout) throws Exception {
    Path script = checkout.resolve("peapod");
    Files.copy(REPO.resolve("peapod"), script);
    Result result = run(List.of(script.toString(), "version"));
    assertEquals(1, result.exitCode, result::toString);
    assertTrue(result.err.contains("run scripts/setup or make java"), result::toString);
  }

  private Result peapod(String... args) throws IOException, InterruptedException {
    return peapodWithJavaOptions("", args);
  }

  private Result peapodWithJavaOptions(String javaOptions, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(REPO.resolve("peapod").toString());
    command.addAll(List.of(args));
    return run(command, javaOptions);
  }

  /** The one class-data sharing archive next to the jar. */
  private static Path archive() throws IOException {
    try (Stream<Path> files = Files.list(TARGET)) {
      List<Path> archives = files.filter(f -> f.getFileName().toString().matches("peapod-cds-.+\\.jsa")).toList();
      assertEquals(1, archives.size(), "archives: " + archives);
      return archives.get(0);
    }
  }

  private static void deleteArchives() throws IOException {
    try (Stream<Path> files = Files.list(TARGET)) {
      for (Path file : files.filter(f -> f.getFileName().toString().startsWith("peapod-cds-")).toList()) {
        Files.delete(file);
      }
    }
  }

  private Result run(List<String> command) throws IOException, InterruptedException {
    return run(command, "");
  }

  private Result run(List<String> command, String javaOptions) throws IOException, InterruptedException {
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().put("PEAPOD_JAVA_OPTS", javaOptions);
    builder.environment().put("PEAPOD_HOME", home.toString());
    builder.environment().put("HOME", home.resolve("user-home").toString());
    builder.environment().remove("NO_COLOR");
    builder.environment().remove("PEAPOD_KERNEL"); // the launcher's default, this checkout's build/
    builder.environment().remove("PEAPOD_INITRD");
    Path out = Files.createTempFile(home, "stdout", ".txt");
    Path err = Files.createTempFile(home, "stderr", ".txt");
    builder.redirectOutput(out.toFile()).redirectError(err.toFile());
    Process process = builder.start();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("peapod did not finish in 60 s: " + command);
    }
    return new Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8));
  }

  private record Result(int exitCode, String out, String err) {
    @Override
    public String toString() {
      return "exit " + exitCode + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }
  }
}
