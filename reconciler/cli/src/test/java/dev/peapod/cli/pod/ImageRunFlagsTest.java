package dev.peapod.cli.pod;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peapod.cli.CliException;
import dev.peapod.cli.ExitCodes;
import dev.peapod.cli.testing.CliRun;
import dev.peapod.manifest.model.ContainerDecl;
import dev.peapod.manifest.model.PodManifest;
import dev.peapod.manifest.model.PortDecl;
import dev.peapod.manifest.model.Protocol;
import dev.peapod.manifest.model.RestartPolicy;
import dev.peapod.manifest.model.VolumeSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code peapod run IMAGE}'s flags, as the PeaPod manifest they stand for, and their usage errors. */
class ImageRunFlagsTest {
  @TempDir
  Path home;

  private static ImageRunFlags flags(List<String> publish, List<String> env, List<String> volumes, String user,
      String memory, String cpus) {
    return new ImageRunFlags("registry.example:5000/team/my_app:1.2", "shop", publish, env, volumes, "/srv", user,
        memory, cpus, "shop1", List.of("--port", "80"));
  }

  @Test
  void everyFlagLandsInTheManifest() throws Exception {
    Files.createDirectories(home.resolve("data"));
    PodManifest pod = flags(List.of("8080:80", "127.0.0.2:9090:90/tcp"), List.of("A=1", "B=", "FROM_HOST", "UNSET"),
        List.of("data:/data:ro", "/nonexistent-peapod-dir:/cache"), "1000:100", "256Mi", "2")
        .manifest(home, Map.of("FROM_HOST", "here"));
    assertEquals("shop", pod.name());
    assertEquals(ImageRunFlags.SOURCE, pod.origin().file());
    assertEquals(RestartPolicy.NEVER, pod.spec().restartPolicy(), "Docker runs the process once");
    assertEquals("shop1", pod.spec().hostname());
    assertEquals(2, pod.spec().vm().vcpus());
    assertEquals(256, pod.spec().vm().memoryMiB());
    ContainerDecl c = pod.spec().containers().get(0);
    assertEquals("my-app", c.name());
    assertEquals("registry.example:5000/team/my_app:1.2", c.image());
    assertEquals(List.of(), c.command(), "the image's entrypoint stays");
    assertEquals(List.of("--port", "80"), c.args());
    assertEquals("/srv", c.workingDir());
    assertEquals("1000:100", c.runAs().toString());
    assertEquals(List.of("A=1", "B=", "FROM_HOST=here"), c.env().stream().map(e -> e.name() + "=" + e.value()).toList());
    assertEquals(List.of(new PortDecl("", 80, 8080, "127.0.0.1", Protocol.TCP),
        new PortDecl("", 90, 9090, "127.0.0.2", Protocol.TCP)), c.ports());
    assertEquals(2, pod.spec().volumes().size());
    VolumeSource.HostPath data = (VolumeSource.HostPath) pod.spec().volumes().get(0).source();
    assertEquals(home.resolve("data").toString(), data.path(), "relative to the working directory");
    assertEquals("", data.type());
    VolumeSource.HostPath cache = (VolumeSource.HostPath) pod.spec().volumes().get(1).source();
    assertEquals("DirectoryOrCreate", cache.type(), "a missing source is made, as Docker does");
    assertTrue(c.volumeMounts().get(0).readOnly());
    assertEquals("/cache", c.volumeMounts().get(1).mountPath());
  }

  @Test
  void argumentsAndValuesStayLiteralAsInDocker() {
    PodManifest pod = new ImageRunFlags("busybox", "p", null, List.of("A=$(B)$$"), null, null, null, null, null, null,
        List.of("sh", "-c", "kill -9 $$; echo $(HOME)")).manifest(home, Map.of());
    ContainerDecl c = pod.spec().containers().get(0);
    assertEquals(List.of("sh", "-c", "kill -9 $$$$; echo $$(HOME)"), c.args(), "what the manifest says: $$ is one $");
    assertEquals("$$(B)$$$$", c.env().get(0).value());
  }

  @Test
  void containerNamesAreDnsLabelsFromTheImage() {
    assertEquals("busybox", ImageRunFlags.containerName("busybox"));
    assertEquals("nginx", ImageRunFlags.containerName("docker.io/library/nginx:1.25"));
    assertEquals("my-app", ImageRunFlags.containerName("localhost:5000/My__App@sha256:" + "a".repeat(64)));
    assertEquals("main", ImageRunFlags.containerName("___:1"));
    assertEquals(50, ImageRunFlags.containerName("x".repeat(80)).length());
    assertTrue(PodRunCommand.generatedName("busybox:1").matches("busybox-[0-9a-f]{6}"));
  }

  @Test
  void badFlagsAreUsageErrorsNamingTheFlag() {
    assertUsage("-p 80: expected [IP:]HOSTPORT:CONTAINERPORT[/tcp] (a host port is always given: Peapod does not"
        + " pick one)", flags(List.of("80"), null, null, null, null, null));
    assertUsage("-p 8080:80/udp: only tcp ports are forwarded", flags(List.of("8080:80/udp"), null, null, null, null, null));
    assertUsage("-p 70000:80: port 70000 is not between 1 and 65535",
        flags(List.of("70000:80"), null, null, null, null, null));
    assertUsage("-u nobody: expected UID[:GID] in numbers (a PeaPod manifest's runAsUser and runAsGroup)",
        flags(null, null, null, "nobody", null, null));
    assertUsage("-v /data: expected HOSTPATH:CONTAINERPATH[:ro]", flags(null, null, List.of("/data"), null, null, null));
    assertUsage("-e =x: expected KEY=VALUE or KEY", flags(null, List.of("=x"), null, null, null, null));
    assertUsage("--cpus 1.5: expected a whole number of vCPUs, at least 1", flags(null, null, null, null, null, "1.5"));
    CliException invalid = assertThrows(CliException.class,
        () -> flags(null, null, List.of("/tmp:relative"), null, "lots", null).manifest(home, Map.of()));
    assertEquals(ExitCodes.USAGE, invalid.exitCode());
    assertTrue(invalid.getMessage().startsWith("the flags make an invalid pod:\n  spec."), invalid::getMessage);
    assertTrue(invalid.getMessage().contains("mountPath"), invalid::getMessage);
    assertTrue(invalid.getMessage().contains("spec.vm.memory"), invalid::getMessage);
  }

  @Test
  void commandLineUsageErrors() throws Exception {
    Path file = home.resolve("pod.yaml");
    Files.writeString(file, "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n  containers: [{name: c, image: i:1}]\n");
    assertCli("peapod: run takes -f FILE or IMAGE, not both\n", "run", "-f", file.toString(), "busybox");
    assertCli("peapod: run -f FILE takes no container flags: the file says what to run\n",
        "run", "-f", file.toString(), "-p", "80:80");
    assertCli("peapod: run needs IMAGE, or -f FILE\n", "run");
    assertCli("peapod: run -d --rm: no process is left to remove the pod when its container exits; leave out --rm"
        + " and rm it yourself\n", "run", "-d", "--rm", "busybox");
    assertCli("peapod: --detach-keys \"ctrl-1\": invalid key \"ctrl-1\" (a single character, or ctrl- and one of"
        + " a-z @ [ \\ ] ^ _)\n", "run", "-it", "--detach-keys", "ctrl-1", "busybox", "--", "sh");
    assertCli("peapod: -p x: expected [IP:]HOSTPORT:CONTAINERPORT[/tcp] (a host port is always given: Peapod does not"
        + " pick one)\n", "run", "-p", "x", "busybox");
    assertCli("peapod: Missing required option: '--file=FILE'\n", "create");
    assertCli("peapod: replace -o OLD -n NEW takes both pods and nothing else (or: replace NAME -f FILE)\n",
        "replace", "-o", "old");
    assertCli("peapod: replace -o OLD -n NEW takes both pods and nothing else (or: replace NAME -f FILE)\n",
        "replace", "web", "-f", file.toString(), "-n", "new");
    assertCli("peapod: replace needs NAME -f FILE, or -o OLD -n NEW\n", "replace", "web");
    CliRun output = CliRun.run(home, "replace", "--output", "json", "-o", "a", "-n", "b");
    assertEquals(ExitCodes.NOT_FOUND, output.exitCode(), "--output still picks the format: " + output);
  }

  private void assertCli(String err, String... args) {
    CliRun run = CliRun.run(home, args);
    assertEquals(ExitCodes.USAGE, run.exitCode(), run::toString);
    assertEquals(err, run.err());
  }

  private void assertUsage(String message, ImageRunFlags flags) {
    CliException e = assertThrows(CliException.class, () -> flags.manifest(home, Map.of()));
    assertEquals(ExitCodes.USAGE, e.exitCode());
    assertEquals(message, e.getMessage());
  }
}
