package dev.peapod.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peapod.cli.testing.Peapod;
import dev.peapod.cli.testing.Peapod.Result;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Shapes of the Kubernetes documentation's pod examples that issue 17 made Peapod take, with the
 * real {@code ./peapod} and real VMs: pod-level resources size the VM the guest sees, and a
 * persistentVolumeClaim keeps its files over {@code rm} and a new pod until {@code peapod volume rm},
 * which refuses while a pod names it.
 */
class KubernetesDocsPodsIT {

  @TempDir
  Path home;

  private Peapod peapod;

  private void loadBusybox() throws Exception {
    peapod = new Peapod(home);
    Path layout = home.resolve("oci");
    Process p = new ProcessBuilder(Peapod.REPO.resolve("scripts/busybox-oci.sh").toString(), layout.toString(), "1",
        "from-the-image").redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), out);
    Result load = peapod.run("image", "load", layout.toString(), "--tag", "it/busybox:1");
    assertEquals(0, load.exitCode(), load::toString);
  }

  @Test
  void podLevelResourcesSizeTheVmOverTheContainersSum() throws Exception {
    loadBusybox();
    Path file = home.resolve("sized.yaml");
    Files.writeString(file, """
        apiVersion: v1
        kind: Pod
        metadata: {name: sized}
        spec:
          terminationGracePeriodSeconds: 0
          resources:
            limits: {cpu: "2", memory: 200Mi}
          containers:
          - name: app
            image: it/busybox:1
            command: [sleep, "1000"]
            resources:
              limits: {cpu: 500m, memory: 64Mi}
        """);
    Result run = peapod.run("run", "-f", file.toString());
    assertEquals(0, run.exitCode(), run::toString);
    try {
      Result seen = peapod.run("exec", "sized", "--", "sh", "-c",
          "grep -c ^processor /proc/cpuinfo; sed -n 's/^MemTotal: *\\([0-9]*\\) kB/\\1/p' /proc/meminfo");
      assertEquals(0, seen.exitCode(), seen::toString);
      String[] lines = seen.out().strip().split("\n");
      assertEquals("2", lines[0], "vCPUs from the pod's cpu limit, not the container's 500m");
      long memTotalMiB = Long.parseLong(lines[1]) / 1024;
      // 200Mi + 32 MiB for the guest = 232 MiB of RAM, of which the kernel keeps some.
      assertTrue(memTotalMiB > 150 && memTotalMiB <= 232, "MemTotal " + memTotalMiB + " MiB");
    } finally {
      peapod.run("rm", "--force", "sized");
    }

    // What the host cannot give is refused before anything is made, with both numbers.
    Files.writeString(file, Files.readString(file).replace("memory: 200Mi", "memory: 1000Gi"));
    Result huge = peapod.run("create", "-f", file.toString());
    assertEquals(1, huge.exitCode(), huge::toString);
    assertTrue(huge.err().contains(file + ":6:3: spec.resources: the VM would need 1024032 MiB of memory;"
        + " this host has "), huge::toString);
    assertEquals(0, peapod.ps().size());
  }

  @Test
  void aPodLevelPidLimitBoundsAllItsContainersTasksTogether() throws Exception {
    loadBusybox();
    Path file = home.resolve("pids.yaml");
    Files.writeString(file, """
        apiVersion: v1
        kind: Pod
        metadata: {name: pids}
        spec:
          terminationGracePeriodSeconds: 0
          resources:
            limits: {pids: "12"}
          containers:
          - {name: a, image: it/busybox:1, command: [sleep, "1000"]}
          - {name: b, image: it/busybox:1, command: [sleep, "1000"]}
        """);
    Result run = peapod.run("run", "-f", file.toString());
    assertEquals(0, run.exitCode(), run::toString);
    try {
      Result before = peapod.run("exec", "pids", "-c", "a", "--", "true");
      assertEquals(0, before.exitCode(), before::toString);
      // A fork bomb in slow motion: 30 sleepers asked for in container b; the pod's 12 tasks
      // (the two main processes and this shell among them) allow fewer, and the shell stops at
      // the first fork that fails.
      Result bomb = peapod.run("exec", "pids", "-c", "b", "--", "sh", "-c",
          "for i in $(seq 30); do sleep 100 >/dev/null 2>&1 & done");
      assertTrue(bomb.exitCode() != 0 && bomb.err().contains("can't fork"), bomb::toString);
      // The budget is the pod's, not b's: container a cannot fork now either.
      Result after = peapod.run("exec", "pids", "-c", "a", "--", "sh", "-c", "sleep 0; echo forked");
      assertTrue(after.exitCode() != 0 && after.err().contains("can't fork"), after::toString);
    } finally {
      peapod.run("rm", "--force", "pids");
    }
  }

  @Test
  void aClaimKeepsItsFilesOverRmAndANewPodUntilVolumeRm() throws Exception {
    loadBusybox();
    Path file = home.resolve("claim.yaml");
    Files.writeString(file, """
        apiVersion: v1
        kind: PersistentVolumeClaim
        metadata: {name: site, namespace: shop}
        spec:
          accessModes: [ReadWriteOnce]
          resources: {requests: {storage: 1Gi}}
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: shop-web, namespace: shop}
        spec:
          terminationGracePeriodSeconds: 0
          containers:
          - name: web
            image: it/busybox:1
            command: [sleep, "1000"]
            volumeMounts: [{name: data, mountPath: /data}]
          volumes:
          - name: data
            persistentVolumeClaim: {claimName: site}
        """);
    Result run = peapod.run("run", "-f", file.toString());
    assertEquals(0, run.exitCode(), run::toString);
    Result write = peapod.run("exec", "shop-web", "--", "sh", "-c", "echo kept > /data/note; mkdir /data/d");
    assertEquals(0, write.exitCode(), write::toString);
    Path dir = home.resolve("volumes/shop/site");
    assertEquals("kept\n", Files.readString(dir.resolve("note")));

    Result inUse = peapod.run("volume", "rm", "shop/site");
    assertEquals(4, inUse.exitCode(), inUse::toString);
    assertEquals("peapod: volume claim shop/site is used by pod shop-web; remove it first (peapod rm)\n",
        inUse.err());
    Result ls = peapod.run("volume", "ls");
    assertTrue(ls.out().lines().anyMatch(l -> l.matches("shop +site +1Gi +5 B +ReadWriteOnce +shop-web +.*")),
        ls::toString);

    assertEquals(0, peapod.run("rm", "--force", "shop-web").exitCode());
    assertEquals("kept\n", Files.readString(dir.resolve("note")), "rm keeps the claim's files");
    Result again = peapod.run("run", "-f", file.toString());
    assertEquals(0, again.exitCode(), again::toString);
    Result read = peapod.run("exec", "shop-web", "--", "cat", "/data/note");
    assertEquals("kept\n", read.out(), read::toString);
    assertEquals(0, peapod.run("rm", "--force", "shop-web").exitCode());

    Result rm = peapod.run("volume", "rm", "shop/site");
    assertEquals(0, rm.exitCode(), rm::toString);
    assertEquals("Deleted: shop/site\n", rm.out());
    assertFalse(Files.exists(dir));
    assertEquals("", peapod.run("volume", "ls", "-o", "json").out().replaceAll("\\s", "").replace("[]", ""));
  }
}
