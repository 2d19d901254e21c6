package dev.peapod.manifest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.peapod.manifest.model.ContainerDecl;
import dev.peapod.manifest.model.PodManifest;
import dev.peapod.manifest.model.PortDecl;
import dev.peapod.manifest.model.Protocol;
import dev.peapod.manifest.model.RestartPolicy;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * HyperContainer pod files as hyperd took them: JSON indented with tabs whatever the file's name,
 * keys in any case (Go's encoding/json), port ranges one to one, a restart policy per container;
 * positions in diagnostics exact.
 */
class HyperFilesTest {

  private static final Path RESOURCES = Path.of("src/test/resources");

  @Test
  void tabbedJsonWithMixedCaseKeysAndAPortRange() {
    ParseResult result = ManifestParser.parse(RESOURCES.resolve("hyper/tabs-range.pod"));
    assertEquals(List.of(), result.diagnostics().all());
    PodManifest pod = result.manifests().get(0);
    assertEquals("ranged", pod.name());
    assertEquals("ranged-host", pod.spec().hostname());
    assertEquals(RestartPolicy.ALWAYS, pod.spec().restartPolicy());
    ContainerDecl web = pod.spec().containers().get(0);
    assertEquals(RestartPolicy.ON_FAILURE, web.restartPolicy());
    assertNull(pod.spec().containers().get(1).restartPolicy(), "the pod's policy");
    assertEquals(List.of("sh", "-c"), web.command());
    assertEquals(List.of(new PortDecl("", 1300, 18300, "", Protocol.TCP), new PortDecl("", 1301, 18301, "", Protocol.TCP)),
        web.ports());
    assertEquals(1, pod.spec().vm().vcpus());
    assertEquals(128, pod.spec().vm().memoryMiB());
  }

  @Test
  void podFilesBecomeAVolumeOfFilesMountedAtTheirPaths() {
    ParseResult result = ManifestParser.parse(RESOURCES.resolve("hyper/files.pod"));
    assertEquals(List.of(), result.diagnostics().all());
    PodManifest pod = result.manifests().get(0);
    dev.peapod.manifest.model.VolumeDecl volume = pod.spec().volumes().get(0);
    assertEquals("hyperd-files", volume.name());
    var files = (dev.peapod.manifest.model.VolumeSource.Files) volume.source();
    var inline = (dev.peapod.manifest.model.FileProjection.Inline) files.sources().get(0);
    assertEquals(List.of(
        new dev.peapod.manifest.model.FileProjection.InlineFile("app/0", "greeting=hello\n".getBytes(
            java.nio.charset.StandardCharsets.UTF_8), "", java.util.Optional.of(0640), 1000, 0),
        new dev.peapod.manifest.model.FileProjection.InlineFile("app/1", "#!/bin/sh\necho hello\n".getBytes(
            java.nio.charset.StandardCharsets.UTF_8), "", java.util.Optional.of(0755), -1, -1)), inline.files());
    assertEquals(List.of(new dev.peapod.manifest.model.MountDecl("hyperd-files", "/etc/app.conf", true, "app/0"),
        new dev.peapod.manifest.model.MountDecl("hyperd-files", "/usr/local/bin/hello", true, "app/1")),
        pod.spec().containers().get(0).volumeMounts());
  }

  @Test
  void errorsInATabbedFileKeepTheirPositions() {
    String file = "{\n\t\"id\": \"p\",\n\t\"containers\": [{\"name\": \"c\", \"image\": \"i:1\"}],\n"
        + "\t\"portmappings\": [\n\t\t{\"containerPort\": \"1300-1310\", \"hostPort\": \"8000-8001\"},\n"
        + "\t\t{\"containerPort\": \"1-2000\", \"hostPort\": \"1-2000\"},\n"
        + "\t\t{\"containerPort\": 80, \"HOSTPORT\": 8080, \"hostport\": 8081}\n\t],\n"
        + "\t\"Id\": \"q\"\n}\n";
    assertEquals(List.of(
        "pods/p.pod:5:46: portmappings[0].hostPort: 2 host port(s) for 11 container port(s): a range maps one"
            + " to one, so both must be as long",
        "pods/p.pod:6:21: portmappings[1].containerPort: port range \"1-2000\" has 2000 ports; at most 1024 in"
            + " one mapping",
        "pods/p.pod:6:43: portmappings[1].hostPort: port range \"1-2000\" has 2000 ports; at most 1024 in one"
            + " mapping",
        "pods/p.pod:7:43: portmappings[2].hostPort: \"hostport\" is the field \"hostPort\" again (hyperd matched"
            + " keys ignoring case), already written as \"HOSTPORT\" at line 7",
        "pods/p.pod:9:2: id: \"Id\" is the field \"id\" again (hyperd matched keys ignoring case), already"
            + " written as \"id\" at line 2"),
        ManifestParser.parse("pods/p.pod", file).diagnostics().all().stream().map(Object::toString).toList());
  }

  @Test
  void aYamlFlowMappingIsStillYaml() {
    ParseResult result = ManifestParser.parse("pods/flow.yaml",
        "{apiVersion: v1, kind: Pod, metadata: {name: flow}, spec: {containers: [{name: c, image: 'i:1'}]}}\n");
    assertEquals(List.of(), result.diagnostics().all());
    assertEquals("flow", result.manifests().get(0).name());
  }
}
