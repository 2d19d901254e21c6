package dev.peapod.manifest;

import static dev.peapod.manifest.Manifests.diagnostics;
import static dev.peapod.manifest.Manifests.peapod;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peapod.manifest.model.ContainerDecl;
import dev.peapod.manifest.model.PodManifest;
import dev.peapod.manifest.model.RunAs;
import dev.peapod.manifest.model.SecurityDecl;
import dev.peapod.manifest.model.SecurityDecl.SeccompType;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/**
 * Kubernetes' securityContext: pod and container level merged field by field, the "restricted"
 * Pod Security Standard accepted as written, and what a VM cannot honour refused at its line.
 */
class SecurityContextTest {

  private static final String C = "containers:";

  /** A v1 Pod meeting the "restricted" Pod Security Standard, as its documentation writes one. */
  static final String RESTRICTED = """
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
        containers:
        - name: app
          image: busybox:1.36
          securityContext:
            allowPrivilegeEscalation: false
            capabilities: {drop: [ALL]}
        """;

  @Test
  void theRestrictedStandardIsAcceptedAsWritten() {
    ParseResult parsed = ManifestParser.parse("restricted.yaml", RESTRICTED);
    assertTrue(parsed.isValid(), parsed.diagnostics().all()::toString);
    PodManifest pod = parsed.manifests().get(0);
    ContainerDecl app = pod.spec().containers().get(0);
    assertEquals(new RunAs("1000", "3000"), app.runAs());
    assertEquals(new SecurityDecl(true, Optional.of(false), List.of(), List.of("ALL"), false,
        SeccompType.RUNTIME_DEFAULT), app.security());
    assertEquals(OptionalLong.of(2000), pod.spec().security().fsGroup());
  }

  @Test
  void containerSettingsWinOverThePodsFieldByField() {
    ParseResult parsed = ManifestParser.parse(Manifests.FILE, peapod(
        "securityContext: {runAsUser: 1000, runAsGroup: 100, runAsNonRoot: true, seccompProfile: {type: Unconfined}}",
        C, "- name: a", "  image: a:1",
        "  securityContext: {runAsUser: 2000, runAsNonRoot: false, readOnlyRootFilesystem: true}",
        "- name: b", "  image: b:1"));
    assertTrue(parsed.isValid(), parsed.diagnostics().all()::toString);
    ContainerDecl a = parsed.manifests().get(0).spec().containers().get(0);
    ContainerDecl b = parsed.manifests().get(0).spec().containers().get(1);
    assertEquals(new RunAs("2000", "100"), a.runAs());
    assertEquals(new SecurityDecl(false, Optional.empty(), List.of(), List.of(), true, SeccompType.UNCONFINED),
        a.security());
    assertEquals(new RunAs("1000", "100"), b.runAs());
    assertEquals(new SecurityDecl(true, Optional.empty(), List.of(), List.of(), false, SeccompType.UNCONFINED),
        b.security());
  }

  @Test
  void podWideGroupsAndSysctlsAreKeptInOrder() {
    ParseResult parsed = ManifestParser.parse(Manifests.FILE, peapod(
        "securityContext:", "  supplementalGroups: [3000, 4000]", "  supplementalGroupsPolicy: Strict",
        "  fsGroupChangePolicy: Always",
        "  sysctls: [{name: net.ipv4.ip_local_port_range, value: 1024 65000}, {name: kernel/sem, value: 1 2 3 4}]",
        C, "- name: a", "  image: a:1"));
    assertTrue(parsed.isValid(), parsed.diagnostics().all()::toString);
    var security = parsed.manifests().get(0).spec().security();
    assertEquals(List.of(3000L, 4000L), security.supplementalGroups());
    assertTrue(security.strictGroups());
    assertEquals("Always", security.fsGroupChangePolicy());
    assertEquals(List.of(Map.entry("net.ipv4.ip_local_port_range", "1024 65000"), Map.entry("kernel/sem", "1 2 3 4")),
        List.copyOf(security.sysctls().entrySet()));
  }

  @Test
  void fieldsWithoutEffectInAVmAreAcceptedSilently() {
    assertEquals(List.of(), diagnostics(peapod(
        "securityContext: {appArmorProfile: {type: RuntimeDefault}}", "hostUsers: false",
        C, "- name: a", "  image: a:1",
        "  securityContext: {privileged: false, procMount: Default, appArmorProfile: {type: Unconfined}}")));
    assertEquals(List.of(), diagnostics("apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  annotations:\n"
        + "    container.apparmor.security.beta.kubernetes.io/a: runtime/default\n"
        + "spec:\n  containers: [{name: a, image: a:1}]\n"));
  }

  @Test
  void whatAVmCannotHonourIsRefusedWithTheReason() {
    assertEquals(List.of(
        "pods/web.yaml:7:57: spec.securityContext.seccompProfile.localhostProfile: must not contain '..'",
        "pods/web.yaml:8:22: spec.securityContext.sysctls[0].name: sysctl \"kernel.core_pattern\" is not"
            + " supported by Peapod: only namespaced sysctls (net.*, kernel.shm*, kernel.msg*, kernel.sem,"
            + " fs.mqueue.*) are set, since the others would change the kernel guest-init and every container"
            + " of the VM run on",
        "pods/web.yaml:13:18: spec.containers[0].securityContext.procMount: procMount Unmasked is not"
            + " supported by Peapod: the paths of the VM's /proc that runc masks (kcore, sysrq-trigger, ...)"
            + " stay masked in every container; use Default",
        "pods/web.yaml:14:31: spec.containers[0].securityContext.appArmorProfile.type: AppArmor profiles are"
            + " not loaded: the guest kernel has no AppArmor (containers are confined by capabilities, seccomp"
            + " and their VM); use RuntimeDefault or Unconfined",
        "pods/web.yaml:15:39: spec.containers[0].securityContext.capabilities.add[1]: unknown capability"
            + " \"NET_FLY\": Linux capabilities are named like NET_ADMIN or CAP_NET_ADMIN, or ALL",
        "pods/web.yaml:16:7: spec.containers[0].securityContext.seLinuxOptions: field not supported by"
            + " Peapod (the guest kernel has no SELinux; containers are confined by capabilities, seccomp and"
            + " their VM)"),
        diagnostics(peapod(
            "securityContext:", "  seccompProfile: {type: Localhost, localhostProfile: ../my.json}",
            "  sysctls: [{name: kernel.core_pattern, value: \"|/bin/sh\"}]",
            C, "- name: a", "  image: a:1", "  securityContext:",
            "    procMount: Unmasked",
            "    appArmorProfile: {type: Localhost, localhostProfile: k8s-deny-write}",
            "    capabilities: {add: [NET_ADMIN, NET_FLY, cap_sys_time]}",
            "    seLinuxOptions: {level: \"s0:c123,c456\"}")));
  }

  @Test
  void aLocalhostSeccompProfileIsKeptWithItsPathAndInheritedFromThePod() {
    ParseResult parsed = ManifestParser.parse(Manifests.FILE, peapod(
        "securityContext: {seccompProfile: {type: Localhost, localhostProfile: profiles/deny-mkdir.json}}",
        C, "- name: a", "  image: a:1", "- name: b", "  image: b:1",
        "  securityContext: {seccompProfile: {type: RuntimeDefault}}"));
    assertTrue(parsed.isValid(), parsed.diagnostics().all()::toString);
    PodManifest pod = parsed.manifests().get(0);
    SecurityDecl a = pod.spec().containers().get(0).security();
    assertEquals(SeccompType.LOCALHOST, a.seccomp());
    assertEquals("profiles/deny-mkdir.json", a.localhostProfile());
    assertEquals(SeccompType.RUNTIME_DEFAULT, pod.spec().containers().get(1).security().seccomp());
    assertEquals("", pod.spec().containers().get(1).security().localhostProfile());
  }

  @Test
  void aLocalhostProfileMustNameAPathBelowTheProfilesDirectory() {
    assertEquals(List.of(
        "pods/web.yaml:10:30: spec.containers[0].securityContext.seccompProfile.localhostProfile: must be set when"
            + " seccomp type is Localhost",
        "pods/web.yaml:14:59: spec.containers[1].securityContext.seccompProfile.localhostProfile: must be a"
            + " relative path (to the host's seccomp profiles directory), not an absolute one",
        "pods/web.yaml:18:59: spec.containers[2].securityContext.seccompProfile.localhostProfile: must not"
            + " contain '..'",
        "pods/web.yaml:22:60: spec.containers[3].securityContext.seccompProfile.localhostProfile: can only be"
            + " set when type is Localhost"),
        diagnostics(peapod(C, "- name: a", "  image: a:1", "  securityContext:",
            "    seccompProfile: {type: Localhost}",
            "- name: b", "  image: a:1", "  securityContext:",
            "    seccompProfile: {type: Localhost, localhostProfile: /etc/shadow}",
            "- name: c", "  image: a:1", "  securityContext:",
            "    seccompProfile: {type: Localhost, localhostProfile: a/../../x.json}",
            "- name: d", "  image: a:1", "  securityContext:",
            "    seccompProfile: {type: Unconfined, localhostProfile: x.json}")));
  }

  @Test
  void noEscalationWithSysAdminIsRefusedAsKubernetesRefusesIt() {
    assertEquals(List.of(
        "pods/web.yaml:9:49: spec.containers[0].securityContext.allowPrivilegeEscalation: cannot set"
            + " allowPrivilegeEscalation to false and capabilities.add CAP_SYS_ADMIN (as in Kubernetes:"
            + " SYS_ADMIN always allows escalation)"),
        diagnostics(peapod(C, "- name: a", "  image: a:1",
            "  securityContext: {allowPrivilegeEscalation: false, capabilities: {add: [CAP_SYS_ADMIN]}}")));
  }

  @Test
  void theAppArmorAnnotationFollowsTheFieldsRule() {
    assertEquals(List.of(
        "pods/web.yaml:6:5: metadata.annotations[\"container.apparmor.security.beta.kubernetes.io/a\"]:"
            + " AppArmor profiles are not loaded: the guest kernel has no AppArmor (containers are confined by"
            + " capabilities, seccomp and their VM); use RuntimeDefault or Unconfined"),
        diagnostics("apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  annotations:\n"
            + "    container.apparmor.security.beta.kubernetes.io/a: localhost/k8s-apparmor-example-deny-write\n"
            + "spec:\n  containers: [{name: a, image: a:1}]\n"));
  }
}
