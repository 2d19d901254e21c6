package dev.peapod.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peapod.cli.testing.CliRun;
import dev.peapod.provider.ContainerSpec;
import dev.peapod.provider.ImageRootfs;
import dev.peapod.provider.PodSpec;
import dev.peapod.provider.PortForward;
import dev.peapod.provider.RestartPolicy;
import dev.peapod.provider.qemu.runtime.PodRecord;
import dev.peapod.provider.qemu.runtime.StateDirectory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code peapod ps} over pods recorded in a temporary PEAPOD_HOME (created, never booted: no VM needed). */
class PodListCommandTest {
  @TempDir
  Path home;

  @Test
  void listsCreatedPodsWithTheirPorts() throws Exception {
    ImageRootfs image = new ImageRootfs("sha256:" + "a".repeat(64), home.resolve("rootfs.erofs"));
    ContainerSpec web = ContainerSpec.of("web", image, List.of("httpd"));
    ContainerSpec sidecar = ContainerSpec.of("sidecar", image, List.of("sleep", "1000"));
    StateDirectory state = new StateDirectory(home);
    state.pod("web").create(new PodRecord(
        PodSpec.of("web", List.of(web, sidecar)).withPorts(List.of(PortForward.tcp(8080, 80))),
        CliRun.NOW.minus(Duration.ofMinutes(5))));
    state.pod("db").create(new PodRecord(PodSpec.of("db", List.of(web)), CliRun.NOW.minus(Duration.ofDays(3))));
    Files.createDirectories(home.resolve("applied"));
    Files.writeString(home.resolve("applied/web.json"),
        "{\"name\": \"web\", \"managedBy\": \"dir:/srv/pods\", \"spec\": null, \"hash\": \"\"}");

    CliRun ps = CliRun.run(home, "ps");
    assertEquals(0, ps.exitCode(), ps::toString);
    assertEquals(String.join("\n",
        "NAME   STATE     READY   CONTAINERS   AGE   PORTS                    BOOT   OWNER",
        "db     Created   0/1     0/1          3d                                    -",
        "web    Created   0/2     0/2          5m    127.0.0.1:8080->80/tcp          dir:/srv/pods",
        ""), ps.out());

    JsonNode json = new ObjectMapper().readTree(CliRun.run(home, "ps", "-o", "json").out());
    assertEquals("web", json.get(1).get("name").asText());
    assertEquals("CREATED", json.get(1).get("state").asText());
    assertEquals("127.0.0.1:8080->80/tcp", json.get(1).get("ports").get(0).asText());
    assertEquals(true, json.get(1).get("vm").isNull());
    assertEquals("dir:/srv/pods", json.get(1).get("owner").asText());
    assertEquals(true, json.get(0).get("owner").isNull(), "a pod without a record has no owner");
  }

  @Test
  void sidecarsCountAsContainersAndAFailedStartIsTheCreatedPodsMessage() throws Exception {
    ImageRootfs image = new ImageRootfs("sha256:" + "a".repeat(64), home.resolve("rootfs.erofs"));
    PodSpec spec = PodSpec.of("app", List.of(ContainerSpec.of("app", image, List.of("httpd"))))
        .withInitContainers(List.of(
            ContainerSpec.of("migrate", image, List.of("migrate")),
            ContainerSpec.of("proxy", image, List.of("proxy")).withRestartPolicy(RestartPolicy.ALWAYS)));
    StateDirectory state = new StateDirectory(home);
    state.pod("app").create(new PodRecord(spec, CliRun.NOW, "start failed: init container exited with code 3"));

    CliRun ps = CliRun.run(home, "ps");
    assertEquals("app    Created   0/2     0/2          0s                   -", ps.out().lines().toList().get(1),
        ps::toString);
    JsonNode json = new ObjectMapper().readTree(CliRun.run(home, "ps", "-o", "json").out());
    assertEquals("start failed: init container exited with code 3", json.get(0).get("message").asText());
    JsonNode inspect = new ObjectMapper().readTree(CliRun.run(home, "inspect", "app").out());
    assertEquals("migrate", inspect.get("spec").get("initContainers").get(0).get("name").asText());
    assertEquals("ALWAYS", inspect.get("spec").get("initContainers").get(1).get("restartPolicy").asText());
    assertFalse(Files.readString(home.resolve("pods/app/pod.json")).contains("allContainers"),
        "pod.json records the spec's fields only");
  }

  @Test
  void noPodsIsJustTheHeader() {
    assertEquals("NAME   STATE   READY   CONTAINERS   AGE   PORTS   BOOT   OWNER\n", CliRun.run(home, "ps").out());
  }
}
