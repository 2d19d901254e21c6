package dev.peapod.engine.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peapod.engine.ManifestRejectedException;
import dev.peapod.images.oci.ImageConfig;
import dev.peapod.manifest.ManifestParser;
import dev.peapod.manifest.ParseResult;
import dev.peapod.manifest.model.PodManifest;
import dev.peapod.provider.ContainerSecurity;
import dev.peapod.provider.LinuxCapabilities;
import dev.peapod.provider.seccomp.SeccompCompiler;
import dev.peapod.provider.seccomp.SeccompProfile;
import dev.peapod.provider.seccomp.SeccompProfile.Action;
import dev.peapod.provider.seccomp.SeccompProfile.Arg;
import dev.peapod.provider.seccomp.SeccompProfile.Kind;
import dev.peapod.provider.seccomp.SeccompProfile.Op;
import dev.peapod.provider.seccomp.SeccompProfile.Rule;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kubernetes' Localhost seccomp profiles: read from the profiles directory, decoded in the format
 * Docker and the kubelet share, resolved for the container's capabilities, and hostile files refused
 * with every problem at its file:line:col.
 */
class LocalhostSeccompProfilesTest {

  /** Docker's shape: names lists, errnoRet, args null, includes/excludes, comments, archMap. */
  private static final String DOCKER_LIKE = """
      {
        "defaultAction": "SCMP_ACT_ERRNO",
        "defaultErrnoRet": 1,
        "archMap": [{"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X32"]}],
        "syscalls": [
          {"names": ["read", "write", "exit_group", "arm_fadvise64_64"], "action": "SCMP_ACT_ALLOW", "args": null,
           "comment": "", "includes": {}, "excludes": {}},
          {"names": ["personality"], "action": "SCMP_ACT_ALLOW",
           "args": [{"index": 0, "value": 8, "valueTwo": 0, "op": "SCMP_CMP_EQ"}]},
          {"names": ["mount", "umount2"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_SYS_ADMIN"]}},
          {"names": ["clone"], "action": "SCMP_ACT_ALLOW",
           "args": [{"index": 0, "value": 2114060288, "op": "SCMP_CMP_MASKED_EQ"}],
           "excludes": {"caps": ["CAP_SYS_ADMIN"], "arches": ["s390", "s390x"]}},
          {"names": ["arm_sync_file_range"], "action": "SCMP_ACT_ALLOW", "includes": {"arches": ["arm", "arm64"]}},
          {"names": ["mkdir"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13, "includes": {"minKernel": "4.8"}},
          {"names": ["rmdir"], "action": "SCMP_ACT_ALLOW", "includes": {"minKernel": "9.0"}}
        ]
      }
      """;

  @Test
  void aDockerStyleProfileIsResolvedForTheContainersCapabilities(@TempDir Path home) throws Exception {
    Path dir = Files.createDirectories(home.resolve("seccomp/profiles"));
    Files.writeString(dir.resolve("docker-like.json"), DOCKER_LIKE);
    LocalhostSeccompProfiles profiles = LocalhostSeccompProfiles.of(home, Map.of());

    LocalhostSeccompProfiles.Loaded plain = profiles.load("profiles/docker-like.json", LinuxCapabilities.DEFAULT);
    assertTrue(plain.problems().isEmpty(), plain.problems()::toString);
    SeccompProfile p = plain.profile().orElseThrow();
    assertEquals(new Action(Kind.ERRNO, 1), p.defaultAction());
    List<String> names = p.rules().stream().map(Rule::syscall).toList();
    assertEquals(List.of("read", "write", "exit_group", "arm_fadvise64_64", "personality", "clone", "mkdir"), names);
    assertEquals(List.of(new Arg(0, Op.EQ, 8, 0)), p.rules().get(4).args());
    assertEquals(new Arg(0, Op.MASKED_EQ, 2114060288L, 0), p.rules().get(5).args().get(0));
    assertEquals(new Action(Kind.ERRNO, 13), p.rules().get(6).action());

    Set<String> withAdmin = new HashSet<>(LinuxCapabilities.DEFAULT);
    withAdmin.add("SYS_ADMIN");
    List<String> admin = profiles.load("profiles/docker-like.json", withAdmin).profile().orElseThrow().rules().stream()
        .map(Rule::syscall).toList();
    assertEquals(List.of("read", "write", "exit_group", "arm_fadvise64_64", "personality", "mount", "umount2", "mkdir"),
        admin, "SYS_ADMIN includes mount and excludes the clone rule, as Docker resolves its profile");
  }

  /**
   * A real profile as podman and CRI-O ship it (containers/common's seccomp.json, from Debian's
   * golang-github-containers-common): its errno names, archMap, includes and excludes load, and it
   * compiles well inside the kernel's limit.
   */
  @Test
  void containersCommonsProfileLoadsAsShipped(@TempDir Path home) throws Exception {
    Path dir = Files.createDirectories(home.resolve("seccomp"));
    Files.copy(Path.of("/usr/share/containers/seccomp.json"), dir.resolve("containers-common.json"));
    LocalhostSeccompProfiles.Loaded loaded = LocalhostSeccompProfiles.of(home, Map.of())
        .load("containers-common.json", LinuxCapabilities.DEFAULT);
    assertTrue(loaded.problems().isEmpty(), loaded.problems()::toString);
    SeccompProfile p = loaded.profile().orElseThrow();
    assertEquals(new Action(Kind.ERRNO, 38), p.defaultAction(), "defaultErrno ENOSYS, defaultErrnoRet 38");
    assertTrue(p.rules().size() > 300, () -> p.rules().size() + " rules");
    assertTrue(p.rules().contains(new Rule("acct", new Action(Kind.ERRNO, 1), List.of())),
        "errno EPERM of a rule that excludes a capability the container lacks");
    int instructions = SeccompCompiler.compile(p).length / 8;
    assertTrue(instructions < SeccompCompiler.MAX_INSTRUCTIONS / 4, () -> instructions + " instructions");
  }

  @Test
  void anErrnoNameMustBeKnownAndAgreeWithErrnoRet(@TempDir Path home) throws Exception {
    Path dir = Files.createDirectories(home.resolve("seccomp"));
    Files.writeString(dir.resolve("errno.json"), """
        {"defaultAction": "SCMP_ACT_ERRNO", "defaultErrno": "ENOSYS",
         "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_ERRNO", "errno": "EACCES", "errnoRet": 1},
                      {"names": ["rmdir"], "action": "SCMP_ACT_ERRNO", "errno": "EWHATEVER"},
                      {"names": ["chdir"], "action": "SCMP_ACT_ALLOW", "errno": "EPERM"}]}
        """);
    String f = dir.resolve("errno.json").toString();
    List<String> problems = messages(LocalhostSeccompProfiles.of(home, Map.of()), "errno.json");
    assertEquals(3, problems.size(), problems::toString);
    assertEquals(f + ":2:95: syscalls[0].errnoRet: is 1, but syscalls[0].errno names errno 13", problems.get(0));
    assertTrue(problems.get(1).startsWith(f + ":3:73: syscalls[1].errno: unknown errno \"EWHATEVER\": one of E2BIG,"),
        problems.get(1));
    assertEquals(f + ":4:73: syscalls[2].errno: an errno name is only supported with SCMP_ACT_ERRNO", problems.get(2));
  }

  @Test
  void aHostileProfileIsRefusedWithEveryProblemAtItsPlace(@TempDir Path home) throws Exception {
    Path dir = Files.createDirectories(home.resolve("seccomp"));
    Path file = dir.resolve("bad.json");
    Files.writeString(file, """
        {
          "defaultAction": "SCMP_ACT_ALLOW",
          "defaultErrnoRet": 1,
          "listenerPath": "/run/agent.sock",
          "flags": ["SECCOMP_FILTER_FLAG_NOPE"],
          "syscalls": [
            {"names": ["mkdir", "Mk Dir"], "action": "SCMP_ACT_ERRNO", "errnoRet": 70000},
            {"names": ["chmod"], "action": "SCMP_ACT_NOTIFY"},
            {"names": ["chown"], "action": "SCMP_ACT_KILL", "args": [{"index": 6, "value": -1, "op": "SCMP_CMP_ALMOST"}]},
            {"action": "SCMP_ACT_ALLOW", "rules": []},
            "mount"
          ]
        }
        """);
    List<String> problems = LocalhostSeccompProfiles.of(home, Map.of()).load("bad.json", LinuxCapabilities.DEFAULT)
        .problems().all().stream().map(Object::toString).toList();
    String f = file.toString();
    assertEquals(List.of(
        f + ":3:22: defaultErrnoRet: errnoRet is only supported with SCMP_ACT_ERRNO and SCMP_ACT_TRACE",
        f + ":5:13: flags: unknown flag \"SECCOMP_FILTER_FLAG_NOPE\": one of SECCOMP_FILTER_FLAG_LOG,"
            + " SECCOMP_FILTER_FLAG_SPEC_ALLOW, SECCOMP_FILTER_FLAG_TSYNC, SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
        f + ":4:19: listenerPath: user notification is not supported by Peapod: no agent in the guest takes"
            + " SCMP_ACT_NOTIFY's notifications",
        f + ":7:25: syscalls[0].names: invalid system call name \"Mk Dir\": lower-case letters, digits and _",
        f + ":7:76: syscalls[0].errnoRet: must be between 0 and 4095, not 70000",
        f + ":8:36: syscalls[1].action: SCMP_ACT_NOTIFY is not supported by Peapod: no agent in the guest takes its"
            + " notifications",
        f + ":9:72: syscalls[2].args[0].index: must be between 0 and 5, not 6",
        f + ":9:84: syscalls[2].args[0].value: must be between 0 and 18446744073709551615, not -1",
        f + ":9:94: syscalls[2].args[0].op: unknown operator \"SCMP_CMP_ALMOST\": one of SCMP_CMP_EQ, SCMP_CMP_GE,"
            + " SCMP_CMP_GT, SCMP_CMP_LE, SCMP_CMP_LT, SCMP_CMP_MASKED_EQ, SCMP_CMP_NE",
        f + ":10:34: syscalls[3].rules: unknown field in a seccomp profile",
        f + ":10:5: syscalls[3].names: required field is missing: the system calls this rule is about",
        f + ":11:5: syscalls[4]: must be an object, not a string (mount)"), problems);
  }

  @Test
  void brokenJsonTooLargeFilesAndTooLongProgramsAreRefused(@TempDir Path home) throws Exception {
    Path dir = Files.createDirectories(home.resolve("seccomp"));
    LocalhostSeccompProfiles profiles = LocalhostSeccompProfiles.of(home, Map.of());
    Files.writeString(dir.resolve("broken.json"), "{\n  \"defaultAction\": \"SCMP_ACT_ALLOW\",\n  \"syscalls\": [\n}\n");
    assertEquals(List.of(dir.resolve("broken.json") + ":4:1: invalid JSON: Unexpected close marker '}':"
        + " expected ']' (for Array starting at [Source: REDACTED (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION`"
        + " disabled); line: 3, column: 15])"), messages(profiles, "broken.json"));

    Files.writeString(dir.resolve("two.json"), "{\"defaultAction\": \"SCMP_ACT_ALLOW\"} {}");
    assertEquals(List.of(dir.resolve("two.json") + ": holds 2 JSON values: a seccomp profile is one JSON object"),
        messages(profiles, "two.json"));

    StringBuilder big = new StringBuilder("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [");
    while (big.length() <= LocalhostSeccompProfiles.MAX_BYTES) {
      big.append("{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\"},");
    }
    Files.writeString(dir.resolve("big.json"), big.append("{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\"}]}"));
    assertEquals(List.of(dir.resolve("big.json") + ": is larger than 1048576 bytes, the most a seccomp profile may be"),
        messages(profiles, "big.json"));

    StringBuilder many = new StringBuilder("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [");
    for (int i = 0; i < 700; i++) {
      many.append(i == 0 ? "" : ",").append("{\"names\": [\"ioctl\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [")
          .append("{\"index\": 1, \"value\": ").append(i).append(", \"op\": \"SCMP_CMP_EQ\"}]}");
    }
    Files.writeString(dir.resolve("long.json"), many.append("]}"));
    List<String> tooLong = messages(profiles, "long.json");
    assertEquals(1, tooLong.size(), tooLong::toString);
    assertTrue(tooLong.get(0).startsWith(dir.resolve("long.json") + ": cannot be loaded: it compiles to 49"),
        tooLong.get(0));
  }

  @Test
  void aProfileMustBeARegularFileReallyBelowTheDirectory(@TempDir Path home) throws Exception {
    Path dir = Files.createDirectories(home.resolve("seccomp"));
    Files.writeString(home.resolve("outside.json"), "{\"defaultAction\": \"SCMP_ACT_ALLOW\"}");
    Files.createSymbolicLink(dir.resolve("link.json"), home.resolve("outside.json"));
    Files.createSymbolicLink(dir.resolve("shadow.json"), Path.of("/etc/shadow"));
    Files.createDirectories(dir.resolve("a-dir"));
    LocalhostSeccompProfiles profiles = LocalhostSeccompProfiles.of(home, Map.of());
    assertEquals(List.of(dir.resolve("link.json") + ": resolves to " + home.toRealPath().resolve("outside.json")
        + ", outside the profiles directory " + dir.toRealPath()), messages(profiles, "link.json"));
    assertEquals(List.of(dir.resolve("shadow.json") + ": resolves to /etc/shadow, outside the profiles directory "
        + dir.toRealPath()), messages(profiles, "shadow.json"));
    assertEquals(List.of(dir.resolve("a-dir") + ": is not a regular file"), messages(profiles, "a-dir"));
    assertEquals(List.of(dir.resolve("none.json") + ": no such seccomp profile in " + dir),
        messages(profiles, "none.json"));
    Path elsewhere = Files.createDirectories(home.resolve("elsewhere"));
    Files.writeString(elsewhere.resolve("ok.json"), "{\"defaultAction\": \"SCMP_ACT_LOG\"}");
    assertEquals(new Action(Kind.LOG, 0), LocalhostSeccompProfiles.of(home, Map.of("PEAPOD_SECCOMP_DIR",
        elsewhere.toString())).load("ok.json", Set.of()).profile().orElseThrow().defaultAction());
  }

  @Test
  void theManifestNamesTheProfileAndNothingIsPulledForABadOne(@TempDir Path home) throws Exception {
    Path dir = Files.createDirectories(home.resolve("seccomp/profiles"));
    Files.writeString(dir.resolve("deny-mkdir.json"), """
        {"defaultAction": "SCMP_ACT_ALLOW",
         "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"}]}
        """);
    Files.writeString(dir.resolve("bad.json"), "{\"defaultAction\": \"SCMP_ACT_MAYBE\"}");
    ManifestToPodSpecTest.FakeImages images = new ManifestToPodSpecTest.FakeImages()
        .with("busybox:1", ImageConfig.of(null, List.of("sh"), List.of("PATH=/bin"), "", ""));
    HostPathAllowList allow = HostPathAllowList.load(home, Map.of());

    ContainerSecurity security = new ManifestToPodSpec(images, allow).convert(parse("""
        apiVersion: v1
        kind: Pod
        metadata: {name: web}
        spec:
          securityContext:
            seccompProfile: {type: Localhost, localhostProfile: profiles/deny-mkdir.json}
          containers:
            - name: main
              image: busybox:1
        """)).spec().containers().get(0).security();
    assertEquals(ContainerSecurity.Seccomp.LOCALHOST, security.seccomp());
    assertEquals(List.of("mkdir", "mkdirat"), security.localhostProfile().rules().stream().map(Rule::syscall).toList());

    images.asked.clear();
    PodManifest bad = parse("""
        apiVersion: v1
        kind: Pod
        metadata: {name: web}
        spec:
          containers:
            - name: main
              image: busybox:1
              securityContext:
                seccompProfile: {type: Localhost, localhostProfile: profiles/bad.json}
        """);
    ManifestRejectedException e = assertThrows(ManifestRejectedException.class,
        () -> new ManifestToPodSpec(images, allow).convert(bad));
    assertEquals(List.of(
        "pod.yaml:9:43: spec.containers[0].securityContext.seccompProfile.localhostProfile: seccomp profile"
            + " \"profiles/bad.json\" of container \"main\" cannot be used (" + dir.resolve("bad.json") + "; see below)",
        dir.resolve("bad.json") + ":1:19: defaultAction: unknown action \"SCMP_ACT_MAYBE\": one of SCMP_ACT_ALLOW,"
            + " SCMP_ACT_ERRNO, SCMP_ACT_KILL, SCMP_ACT_KILL_PROCESS, SCMP_ACT_KILL_THREAD, SCMP_ACT_LOG, SCMP_ACT_TRACE,"
            + " SCMP_ACT_TRAP"), e.diagnostics().stream().map(Object::toString).toList());
    assertEquals(List.of(), images.asked, "nothing pulled for a pod that cannot run");
  }

  private static List<String> messages(LocalhostSeccompProfiles profiles, String name) {
    return profiles.load(name, LinuxCapabilities.DEFAULT).problems().all().stream().map(Object::toString).toList();
  }

  private static PodManifest parse(String yaml) {
    ParseResult result = ManifestParser.parse("pod.yaml", yaml);
    assertTrue(result.isValid(), result.diagnostics()::toString);
    return result.manifests().get(0);
  }
}
