package dev.peapod.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.peapod.cli.testing.Peapod;
import dev.peapod.cli.testing.Peapod.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kubernetes' securityContext honoured inside a real VM, asserted from inside the containers with
 * the real {@code ./peapod}: a Pod meeting the "restricted" Pod Security Standard runs as written
 * (uid, no capabilities, no_new_privs, seccomp), a read-only root refuses writes while an fsGroup
 * owns the emptyDir, capabilities are added and dropped, a namespaced sysctl is set, and
 * runAsNonRoot keeps a root image from starting with the kubelet's message, shown by {@code ps}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class SecurityContextIT {

  /** As Kubernetes' Pod Security Standards page writes a restricted Pod, plus an fsGroup and a sysctl. */
  private static final String RESTRICTED = """
      apiVersion: v1
      kind: Pod
      metadata: {name: restricted}
      spec:
        securityContext:
          runAsNonRoot: true
          runAsUser: 1000
          runAsGroup: 3000
          fsGroup: 2000
          seccompProfile: {type: RuntimeDefault}
          sysctls: [{name: net.core.somaxconn, value: "1024"}]
        volumes: [{name: data, emptyDir: {}}]
        containers:
        - name: app
          image: it/busybox:1
          command: [sleep, "100000"]
          securityContext:
            allowPrivilegeEscalation: false
            capabilities: {drop: [ALL]}
        - name: ro
          image: it/busybox:1
          command: [sleep, "100000"]
          volumeMounts: [{name: data, mountPath: /data}]
          securityContext:
            allowPrivilegeEscalation: false
            capabilities: {drop: [ALL]}
            readOnlyRootFilesystem: true
        - name: admin
          image: it/busybox:1
          command: [sleep, "100000"]
          securityContext:
            runAsUser: 0
            runAsNonRoot: false
            capabilities: {add: [CAP_NET_ADMIN], drop: [net_raw]}
      """;

  /** The image runs as root: runAsNonRoot must keep it from starting. */
  private static final String ROOTFUL = """
      apiVersion: peapod.dev/v1alpha1
      kind: PeaPod
      metadata: {name: rootful}
      spec:
        securityContext: {runAsNonRoot: true}
        containers:
        - name: main
          image: it/busybox:1
          command: [sleep, "100000"]
      """;

  @TempDir
  static Path home;

  private Peapod peapod;

  @BeforeAll
  void loadImage() throws Exception {
    peapod = new Peapod(home);
    Path layout = home.resolve("oci");
    Result build = peapod.exec("", List.of(Peapod.REPO.resolve("scripts/busybox-oci.sh").toString(),
        layout.toString(), "1", "secctx"), Map.of());
    assertEquals(0, build.exitCode(), build::toString);
    Result load = peapod.run("image", "load", layout.toString(), "--tag", "it/busybox:1");
    assertEquals(0, load.exitCode(), load::toString);
  }

  @AfterAll
  void killVms() {
    peapod.killAllVms();
  }

  @Test
  void aRestrictedPodRunsAsWrittenAndEachContainerIsConfinedAsItsContextSays() throws Exception {
    Path file = home.resolve("restricted.yaml");
    Files.writeString(file, RESTRICTED);
    Result run = peapod.run("run", "-f", file.toString());
    assertEquals(0, run.exitCode(), run::toString);
    try {
      assertEquals("1000\n3000\n3000 2000\nCapPrm:\t0000000000000000\nCapEff:\t0000000000000000\n"
              + "CapBnd:\t0000000000000000\nNoNewPrivs:\t1\nSeccomp:\t2\n1024\n",
          exec("app", "id -u; id -g; id -G; grep -E '^(CapPrm|CapEff|CapBnd|NoNewPrivs|Seccomp):' /proc/self/status;"
              + " cat /proc/sys/net/core/somaxconn"));
      assertEquals("read-only\n2000\n2777 2000\n",
          exec("ro", "touch /x 2>/dev/null || echo read-only; touch /data/f && stat -c %g /data/f;"
              + " stat -c '%a %g' /data"));
      // Root with NET_ADMIN added to and NET_RAW dropped from the default set; no_new_privs stays on, since
      // the container did not ask for escalation.
      assertEquals("0\nCapEff:\t00000000a80415fb\nNoNewPrivs:\t1\nSeccomp:\t2\n",
          exec("admin", "id -u; grep -E '^(CapEff|NoNewPrivs|Seccomp):' /proc/self/status"));
    } finally {
      Result rm = peapod.run("rm", "--force", "restricted");
      assertEquals(0, rm.exitCode(), rm::toString);
    }
  }

  @Test
  void runAsNonRootKeepsARootImageFromStartingWithTheKubeletsMessage() throws Exception {
    Path file = home.resolve("rootful.yaml");
    Files.writeString(file, ROOTFUL);
    Result run = peapod.run("run", "-f", file.toString());
    String message = "container has runAsNonRoot and image will run as root (pod: \"rootful\", container: main)";
    assertEquals(1, run.exitCode(), run::toString);
    assertTrue(run.err().contains(message), run::toString);
    Result create = peapod.run("create", "-f", file.toString());
    Result start = peapod.run("start", "rootful");
    assertEquals(1, start.exitCode(), create + "\n" + start);
    assertTrue(start.err().contains(message), start::toString);
    JsonNode ps = peapod.ps();
    assertTrue(ps.toString().contains("rootful") && ps.toString().contains("container has runAsNonRoot"),
        () -> "ps -o json: " + ps);
    Result rm = peapod.run("rm", "--force", "rootful");
    assertEquals(0, rm.exitCode(), rm::toString);
  }

  /**
   * A Localhost profile from $PEAPOD_HOME/seccomp: the container whose profile denies mkdir with
   * EPERM cannot make a directory (the main process and an exec alike), while everything else works
   * and the other container, under RuntimeDefault, makes one; a third runs under containers/common's
   * real profile, which lets it read the kernel log that RuntimeDefault keeps from it; a malformed
   * profile keeps the pod from running, with the profile's file:line:col.
   */
  @Test
  void aLocalhostProfileThatDeniesMkdirMakesMkdirFailInsideWhileTheRestWorks() throws Exception {
    Path profiles = Files.createDirectories(home.resolve("seccomp/profiles"));
    Files.writeString(profiles.resolve("deny-mkdir.json"), """
        {
          "defaultAction": "SCMP_ACT_ALLOW",
          "syscalls": [
            {"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}
          ]
        }
        """);
    // containers/common's profile as podman and CRI-O ship it: it allows syslog(2), which Docker's
    // default profile (RuntimeDefault) keeps from a container without CAP_SYSLOG.
    Files.copy(Path.of("/usr/share/containers/seccomp.json"), home.resolve("seccomp/containers-common.json"),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    Path file = home.resolve("localhost.yaml");
    Files.writeString(file, """
        apiVersion: v1
        kind: Pod
        metadata: {name: seccomp-local}
        spec:
          containers:
          - name: denied
            image: it/busybox:1
            command: [sh, -c, "mkdir /tmp/from-main 2>/tmp/main.err; echo $? > /tmp/main.rc; exec sleep 100000"]
            securityContext:
              seccompProfile: {type: Localhost, localhostProfile: profiles/deny-mkdir.json}
          - name: default
            image: it/busybox:1
            command: [sleep, "100000"]
          - name: common
            image: it/busybox:1
            command: [sleep, "100000"]
            securityContext:
              seccompProfile: {type: Localhost, localhostProfile: containers-common.json}
        """);
    Result run = peapod.run("run", "-f", file.toString());
    assertEquals(0, run.exitCode(), run::toString);
    try {
      assertEquals("1\nmkdir: can't create directory '/tmp/from-main': Operation not permitted\n",
          exec("seccomp-local", "denied", "cat /tmp/main.rc /tmp/main.err"));
      assertEquals("mkdir: can't create directory '/tmp/d': Operation not permitted\n1\nwritten\nSeccomp:\t2\n",
          exec("seccomp-local", "denied", "mkdir /tmp/d 2>&1; echo $?; echo x > /tmp/f && rm /tmp/f && echo written;"
              + " grep '^Seccomp:' /proc/self/status"));
      assertEquals("made\ndmesg refused\n", exec("seccomp-local", "default",
          "mkdir /tmp/d && echo made; dmesg > /dev/null 2>&1 || echo dmesg refused"));
      assertEquals("made\ndmesg read\nSeccomp:\t2\n", exec("seccomp-local", "common",
          "mkdir /tmp/d && echo made; dmesg > /dev/null && echo dmesg read; grep '^Seccomp:' /proc/self/status"));
    } finally {
      Result rm = peapod.run("rm", "--force", "seccomp-local");
      assertEquals(0, rm.exitCode(), rm::toString);
    }

    Files.writeString(profiles.resolve("deny-mkdir.json"), "{\"defaultAction\": \"SCMP_ACT_ALLOW\",\n"
        + " \"syscalls\": [{\"names\": [\"mkdir\"], \"action\": \"SCMP_ACT_DENY\"}]}\n");
    Result refused = peapod.run("run", "-f", file.toString());
    assertEquals(1, refused.exitCode(), refused::toString);
    assertTrue(refused.err().contains(profiles.resolve("deny-mkdir.json") + ":2:46: syscalls[0].action: unknown"
        + " action \"SCMP_ACT_DENY\""), refused::toString);
    assertTrue(refused.err().contains(file + ":"), refused::toString);
    JsonNode ps = peapod.ps();
    assertTrue(!ps.toString().contains("seccomp-local"), () -> "nothing was created: " + ps);
  }

  private String exec(String container, String script) throws Exception {
    return exec("restricted", container, script);
  }

  private String exec(String pod, String container, String script) throws Exception {
    Result r = peapod.run("exec", pod, "-c", container, "--", "sh", "-c", script);
    assertEquals(0, r.exitCode(), r::toString);
    return r.out();
  }
}
