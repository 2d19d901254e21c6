package dev.peapod.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.peapod.cli.testing.OciLayoutWriter;
import dev.peapod.cli.testing.Peapod;
import dev.peapod.cli.testing.Peapod.Result;
import dev.peapod.images.testing.LocalRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Volumes of the Kubernetes documentation's pod shapes, with the real {@code ./peapod}, real VMs
 * and a real registry (Debian's docker-registry): an image volume is pulled and cached as a
 * container image is, mounted read-only (nodev, nosuid, noexec) with a subPath selecting a
 * directory of it; a new reference is planned as a replace in the same VM, which then sees the new
 * image; and an emptyDir takes the mode its manifest gives (Kubernetes 1.37's emptyDir.mode).
 */
class ImageVolumesIT {

  @TempDir
  Path home;

  private Peapod peapod;

  @Test
  void anImageVolumeFromTheRegistryIsReadOnlyWithItsSubPathAndAReplaceBringsTheNewImage() throws Exception {
    peapod = new Peapod(home);
    loadBusybox();
    try (LocalRegistry registry = LocalRegistry.start(home.resolve("registry"))) {
      push(registry, "v1", "hello from v1\n");
      push(registry, "v2", "hello from v2\n");
      String v1 = registry.host() + "/it/dataset:v1";
      Path pods = Files.createDirectories(home.resolve("manifests"));
      Path file = pods.resolve("data.yaml");
      Files.writeString(file, """
          apiVersion: v1
          kind: Pod
          metadata: {name: data}
          spec:
            terminationGracePeriodSeconds: 0
            containers:
            - name: reader
              image: it/busybox:1
              command: [sleep, "1000"]
              volumeMounts:
              - {name: dataset, mountPath: /data}
              - {name: dataset, mountPath: /sub, subPath: part1}
              - {name: scratch, mountPath: /scratch}
            volumes:
            - name: dataset
              image: {reference: "REF", pullPolicy: IfNotPresent}
            - name: scratch
              emptyDir: {mode: 01777}
          """.replace("REF", v1));
      apply(pods);
      try {
        assertEquals("hello from v1", exec("cat", "/data/part1/hello.txt"));
        assertEquals("hello from v1", exec("cat", "/sub/hello.txt"), "subPath part1 is that directory");
        assertEquals("hello.txt\ntool.sh", exec("ls", "/sub"), "and only it");
        Result write = peapod.run("exec", "data", "--", "sh", "-c", "echo x > /data/new");
        assertTrue(write.exitCode() != 0 && write.err().contains("Read-only file system"), write::toString);
        String mount = exec("sh", "-c", "grep ' /data ' /proc/self/mounts");
        for (String option : new String[] {"ro,", "nosuid", "nodev", "noexec"}) {
          assertTrue(mount.contains(option), "mounted " + option + ": " + mount);
        }
        Result run = peapod.run("exec", "data", "--", "/data/part1/tool.sh");
        assertTrue(run.exitCode() != 0 && !run.out().contains("ran"), "noexec: " + run);
        assertEquals("1777", exec("stat", "-c", "%a", "/scratch"), "emptyDir.mode 01777: sticky, rwx for all");

        // Pulled and cached like a container image: listed, and not removable while the pod uses it.
        JsonNode volume = peapod.inspect("data").get("spec").get("volumes").get(0);
        assertEquals("dataset", volume.get("name").asText());
        String imageId = volume.get("image").asText();
        assertTrue(imageId.startsWith("sha256:"), volume::toString);
        Result images = peapod.run("image", "ls");
        assertTrue(images.out().contains(registry.host() + "/it/dataset"), images::toString);
        Result rm = peapod.run("image", "rm", v1);
        assertEquals(4, rm.exitCode(), rm::toString);

        // Another reference is a change the plan shows, carried out in the same VM.
        String boot = peapod.ps().get(0).get("vm").get("bootId").asText();
        Files.writeString(file, Files.readString(file).replace(":v1", ":v2"));
        Result plan = peapod.run("plan", "-f", pods.toString());
        assertTrue(plan.out().contains("~ data: replace (same VM)"), plan::toString);
        assertTrue(plan.out().contains("spec.volumes[dataset].image.reference: \"" + v1 + "\" -> \""
            + registry.host() + "/it/dataset:v2\""), plan::toString);
        apply(pods);
        assertEquals(boot, peapod.ps().get(0).get("vm").get("bootId").asText(), "the same VM");
        assertEquals("hello from v2", exec("cat", "/data/part1/hello.txt"));
        assertEquals("hello from v2", exec("cat", "/sub/hello.txt"));
      } finally {
        peapod.run("rm", "--force", "data");
      }
    }
  }

  private void push(LocalRegistry registry, String tag, String hello) throws Exception {
    Path layout = home.resolve("dataset-" + tag);
    new OciLayoutWriter().file("part1/hello.txt", hello).file("part1/tool.sh", "#!/bin/sh\necho ran\n")
        .file("part2/other.txt", "other\n").refName(tag).writeTo(layout);
    registry.push(layout, tag, "it/dataset:" + tag, false);
  }

  private void apply(Path pods) throws Exception {
    Result apply = peapod.run("apply", "-f", pods.toString(), "-auto-approve");
    assertEquals(0, apply.exitCode(), apply::toString);
    assertFalse(apply.err().contains("error"), apply::toString);
  }

  private String exec(String... command) throws Exception {
    String[] args = new String[command.length + 3];
    args[0] = "exec";
    args[1] = "data";
    args[2] = "--";
    System.arraycopy(command, 0, args, 3, command.length);
    Result result = peapod.run(args);
    assertEquals(0, result.exitCode(), result::toString);
    return result.out().strip();
  }

  private void loadBusybox() throws Exception {
    Path layout = home.resolve("oci");
    Process p = new ProcessBuilder(Peapod.REPO.resolve("scripts/busybox-oci.sh").toString(), layout.toString(), "1",
        "from-the-image").redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), out);
    Result load = peapod.run("image", "load", layout.toString(), "--tag", "it/busybox:1");
    assertEquals(0, load.exitCode(), load::toString);
  }
}
