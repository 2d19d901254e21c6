package dev.peapod.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.peapod.cli.testing.Peapod;
import dev.peapod.cli.testing.Peapod.Result;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Volumes of files end to end, with the real {@code ./peapod} and real VMs: configMap, downwardAPI
 * and projected volumes seen by the container with their modes and group, a changed ConfigMap and a
 * changed label written into the running VM in place (same boot id, same process, the subPath file
 * as it was), HyperContainer's pod files, and hostile manifests refused before anything runs. The
 * pod files are this test's own corpus under {@code src/test/resources/podfiles/}.
 */
class FileVolumesIT {

  @TempDir
  Path home;

  private Path pods;
  private Peapod peapod;

  @BeforeEach
  void image() throws Exception {
    peapod = new Peapod(home);
    pods = Files.createDirectories(home.resolve("repo/pods"));
    Path layout = home.resolve("oci");
    Result built = peapod.exec("", List.of(Peapod.REPO.resolve("scripts/busybox-oci.sh").toString(),
        layout.toString(), "1", "image-1"), Map.of());
    assertEquals(0, built.exitCode(), built::toString);
    Result load = peapod.run("image", "load", layout.toString(), "--tag", "it/bb:1");
    assertEquals(0, load.exitCode(), load::toString);
  }

  @AfterEach
  void removeEverything() throws Exception {
    for (JsonNode pod : peapod.ps()) {
      peapod.run("rm", "--force", pod.get("name").asText());
    }
  }

  @Test
  void volumesOfFilesAreSeenAndAChangedConfigMapOrLabelIsWrittenInPlace() throws Exception {
    copy("podfiles/volumes.yaml", pods.resolve("volumes.yaml"));
    writeConfig("lives=3");
    apply(pods);

    assertEquals("lives=3\n" + "color=purple\n" + "lives=3\n" + "tier=\"front\"\n" + "64\n" + "color=purple\n"
        + "files\n", sh("files", "cat /etc/game/game.properties /etc/game/ui.properties /etc/lives.conf"
        + " /etc/podinfo/labels; echo; cat /etc/podinfo/mem_limit; echo; cat /projected/my-group/ui"
        + " /projected/name; echo"));
    // modes as declared, the group fsGroup (readable by it), the kubelet's layout
    assertEquals("440 2000\n440 2000\n440 2000\n640 2000\n..data/game.properties\n",
        sh("files", "stat -L -c '%a %g' /etc/game/game.properties /etc/game/ui.properties /etc/podinfo/mem_limit"
            + " /projected/my-group/ui; readlink /etc/game/game.properties"));
    assertTrue(sh("files", "touch /etc/game/x 2>&1; echo $?").contains("Read-only file system"),
        "a volume of files is read-only in the container");

    String inspect = peapod.inspect("files").toString();
    assertTrue(inspect.contains("\"path\":\"game.properties\",\"mode\":\"0440\",\"bytes\":8"), inspect);
    assertFalse(inspect.contains("lives=3") || inspect.contains("bGl2ZXM9Mw"), "inspect shows a volume's files by path, mode and size, not their bytes");

    String boot = bootId("files");
    String process = sh("files", "pidof sleep");
    writeConfig("lives=4");
    Result plan = peapod.run("plan", "-f", pods.toString(), "--detailed-exitcode");
    assertEquals(2, plan.exitCode(), plan::toString);
    assertTrue(plan.out().contains("~ files: refresh (files in place)"), plan::toString);
    assertTrue(plan.out().contains("because configmap \"game-config\" changed (its files are written into the"
        + " running VM in place, as the kubelet updates them; nothing restarts)"), plan::toString);
    assertTrue(plan.out().contains("1 to refresh"), plan::toString);
    apply(pods);
    assertEquals(boot, bootId("files"), "the same VM");
    assertEquals(process, sh("files", "pidof sleep"), "the same process: nothing restarted");
    assertEquals("lives=4\nlives=3\n", sh("files", "cat /etc/game/game.properties /etc/lives.conf"),
        "the volume shows the new ConfigMap, the subPath file stays as it was (as in Kubernetes)");

    Files.writeString(pods.resolve("volumes.yaml"),
        Files.readString(pods.resolve("volumes.yaml")).replace("tier: front", "tier: back"));
    Result relabel = peapod.run("plan", "-f", pods.toString());
    assertTrue(relabel.out().contains("~ files: refresh (files in place)")
        && relabel.out().contains("labels or annotations shown in volume \"podinfo\" changed"), relabel::toString);
    apply(pods);
    assertEquals("tier=\"back\"", sh("files", "cat /etc/podinfo/labels"));
    assertEquals(process, sh("files", "pidof sleep"));
    assertEquals(boot, bootId("files"));
  }

  @Test
  void hyperContainerFilesReachTheContainer() throws Exception {
    Path hyper = Files.createDirectories(home.resolve("hyper"));
    copy("podfiles/files.pod", hyper.resolve("files.pod"));
    Files.writeString(hyper.resolve("notes.txt"), "read from the host\n");
    apply(hyper);
    assertEquals("greeting=hello\nhello\nread from the host\n640 1000 0\n755\n",
        sh("hyper-files", "cat /etc/app.conf; /usr/local/bin/hello; cat /srv/notes.txt; stat -c '%a %u %g' /etc/app.conf;"
            + " stat -c '%a' /usr/local/bin/hello"));
  }

  /**
   * {@code inspect -o yaml} of a HyperContainer pod writes its files as the volume {@code
   * hyperd-files} with their bytes (the {@code file://} one as its URI), so the document applies
   * back with no changes.
   */
  @Test
  void aHyperContainerPodsInspectYamlKeepsItsFilesAndPlansNoChanges() throws Exception {
    Path hyper = Files.createDirectories(home.resolve("hyper"));
    copy("podfiles/files.pod", hyper.resolve("files.pod"));
    Files.writeString(hyper.resolve("notes.txt"), "read from the host\n");
    Result run = peapod.run("run", "-f", hyper.resolve("files.pod").toString());
    assertEquals(0, run.exitCode(), run::toString);
    Result yaml = peapod.run("inspect", "hyper-files", "-o", "yaml");
    assertEquals(0, yaml.exitCode(), yaml::toString);
    assertTrue(yaml.out().contains("name: hyperd-files") && yaml.out().contains("greeting=hello")
        && yaml.out().contains("uri: file://notes.txt"), yaml::toString);
    Path saved = hyper.resolve("back.yaml");
    Files.writeString(saved, yaml.out());
    Result plan = peapod.run("plan", "-f", saved.toString(), "--detailed-exitcode");
    assertEquals(0, plan.exitCode(), () -> plan + "\n" + yaml.out());
    assertTrue(plan.out().contains("No changes."), plan::toString);
  }

  @Test
  void hostileManifestsAreRefusedBeforeAnythingRuns() throws Exception {
    writeConfig("lives=3");
    Files.writeString(pods.resolve("escape.yaml"), """
        apiVersion: v1
        kind: Pod
        metadata: {name: escape}
        spec:
          containers: [{name: app, image: "it/bb:1", command: [sleep, "100000"]}]
          volumes:
            - name: cfg
              configMap:
                name: game-config
                items: [{key: game.properties, path: ../../etc/shadow}]
        """);
    Result plan = peapod.run("plan", "-f", pods.toString());
    assertEquals(1, plan.exitCode(), plan::toString);
    assertTrue(plan.err().contains(pods.resolve("escape.yaml") + ":10:46: spec.volumes[0].configMap.items[0].path:"
        + " invalid path \"../../etc/shadow\": must not contain '..'"), plan::toString);
    Files.delete(pods.resolve("escape.yaml"));

    // A hyperd file may name only host files a hostPath could share.
    Path hyper = Files.createDirectories(home.resolve("hyper"));
    Files.writeString(hyper.resolve("steal.pod"), """
        {"id": "steal", "containers": [{"name": "app", "image": "it/bb:1",
          "files": [{"filename": "f", "path": "/stolen"}]}],
         "files": [{"name": "f", "uri": "file:///etc/shadow"}]}
        """);
    Result steal = peapod.run("plan", "-f", hyper.toString());
    assertEquals(1, steal.exitCode(), steal::toString);
    assertTrue(steal.err().contains("volume \"hyperd-files\": file \"app/0\": hostPath /etc/shadow is outside the"
        + " directories manifests may share"), steal::toString);

    // Nine ConfigMaps of ~1 MiB (Kubernetes' limit for one) are more than a pod's VM keeps in memory.
    StringBuilder big = new StringBuilder("""
        apiVersion: v1
        kind: Pod
        metadata: {name: big}
        spec:
          containers: [{name: app, image: "it/bb:1", command: [sleep, "100000"]}]
          volumes:
        """);
    String mib = "x".repeat(1000 * 1024);
    for (int i = 0; i < 9; i++) {
      big.append("    - {name: v").append(i).append(", configMap: {name: big").append(i).append("}}\n");
      Files.writeString(pods.resolve("big" + i + ".yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: big"
          + i + "}\ndata:\n  k: " + mib + "\n");
    }
    Files.writeString(pods.resolve("big.yaml"), big.toString());
    Result oversize = peapod.run("apply", "-f", pods.toString(), "-auto-approve");
    assertEquals(1, oversize.exitCode(), oversize::toString);
    assertTrue(oversize.err().contains("the pod's volumes of files hold 9216000 bytes together, over the limit of"
        + " 8388608 bytes (8 MiB) per pod"), oversize::toString);
    assertFalse(peapod.ps().toString().contains("\"big\""), "nothing was created");
  }

  private String sh(String pod, String command) throws Exception {
    Result r = peapod.run("exec", pod, "--", "sh", "-c", command);
    assertEquals(0, r.exitCode(), r::toString);
    return r.out();
  }

  private void writeConfig(String lives) throws IOException {
    Files.writeString(pods.resolve("config.yaml"), """
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: game-config
        data:
          game.properties: "%s\\n"
          ui.properties: "color=purple\\n"
        """.formatted(lives));
  }

  private static void copy(String resource, Path to) throws IOException {
    try (InputStream in = FileVolumesIT.class.getResourceAsStream("/" + resource)) {
      Files.write(to, in.readAllBytes());
    }
  }

  private void apply(Path dir) throws Exception {
    Result apply = peapod.run("apply", "-f", dir.toString(), "-auto-approve");
    assertEquals(0, apply.exitCode(), apply::toString);
  }

  private String bootId(String pod) throws Exception {
    for (JsonNode p : peapod.ps()) {
      if (p.get("name").asText().equals(pod)) {
        return p.get("vm").get("bootId").asText();
      }
    }
    throw new AssertionError("no pod " + pod);
  }
}
