package dev.peapod.plan;

import static dev.peapod.plan.Pods.actual;
import static dev.peapod.plan.Pods.applied;
import static dev.peapod.plan.Pods.desired;
import static dev.peapod.plan.Pods.manifest;
import static dev.peapod.plan.Pods.web;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peapod.manifest.model.PodManifest;
import dev.peapod.provider.PodState;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PlannerTest {

  private static final Planner PLANNER =
      new Planner(Clock.fixed(Instant.parse("2026-11-23T12:00:00Z"), ZoneOffset.UTC));

  private static final String WEB_V1 = """
        containers:
          - name: web
            image: web:1
            env:
              - {name: A, value: "1"}
              - {name: B, value: "2"}
            ports:
              - {containerPort: 80, hostPort: 8080}
          - name: sidecar
            image: fetcher:1
            ports:
              - {containerPort: 9000}
        volumes:
          - {name: cache, emptyDir: {}}
          - {name: logs, emptyDir: {}}
      """;

  /** One row: what was applied (and the provider's state), what is desired, what the plan says. */
  record Row(String name, PodManifest applied, PodState state, PodManifest desired,
      String action, List<String> reasons, List<String> diff) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Arguments> rows() {
    PodManifest v1 = manifest("web", WEB_V1);
    return Stream.of(
        row("unchanged running pod plans nothing", v1, PodState.RUNNING, v1, null, List.of(), List.of()),
        row("same spec written differently plans nothing", v1, PodState.RUNNING, manifest("web", """
              restartPolicy: Always
              terminationGracePeriodSeconds: 30
              volumes:
                - {name: logs, emptyDir: {}}
                - {name: cache, emptyDir: {}}
              containers:
                - name: web
                  image: web:1
                  ports:
                    - {containerPort: 80, hostPort: 8080, protocol: TCP}
                  env:
                    - {name: A, value: "1"}
                    - {name: B, value: "2"}
                - name: sidecar
                  image: fetcher:1
                  ports:
                    - {containerPort: 9000}
            """), null, List.of(), List.of()),
        row("image change replaces in the same VM", v1, PodState.RUNNING,
            manifest("web", WEB_V1.replace("web:1", "web:2")), "replace",
            List.of("image of container \"web\" changed"),
            List.of("~ spec.containers[web].image: \"web:1\" -> \"web:2\"")),
        row("env change names the entries", v1, PodState.RUNNING,
            manifest("web", WEB_V1.replace("{name: B, value: \"2\"}", "{name: C, value: \"3\"}")), "replace",
            List.of("env of container \"web\" changed"),
            List.of("- spec.containers[web].env[B]: \"2\"", "+ spec.containers[web].env[C]: \"3\"")),
        row("env order counts", v1, PodState.RUNNING,
            manifest("web", WEB_V1.replace("{name: A, value: \"1\"}", "{name: X}")
                .replace("{name: B, value: \"2\"}", "{name: A, value: \"1\"}")
                .replace("{name: X}", "{name: B, value: \"2\"}")), "replace",
            List.of("env of container \"web\" changed"),
            List.of("~ spec.containers[web].env (order): [\"A\",\"B\"] -> [\"B\",\"A\"]")),
        row("a container's securityContext is applied by guest-init: replaced in the same VM", v1,
            PodState.RUNNING, manifest("web", WEB_V1.replace("image: web:1\n", "image: web:1\n"
                + "      securityContext: {readOnlyRootFilesystem: true, capabilities: {drop: [ALL]}}\n")), "replace",
            List.of("securityContext of container \"web\" changed (guest-init applies it when it starts the"
                + " container, so the container is replaced in the same VM)"),
            List.of("+ spec.containers[web].securityContext: {\"capabilities\":{\"drop\":[\"ALL\"]},"
                + "\"readOnlyRootFilesystem\":true}")),
        row("a pod's sysctls and fsGroup replace in the same VM too", v1, PodState.RUNNING,
            manifest("web", WEB_V1 + "  securityContext: {fsGroup: 2000}\n"), "replace",
            List.of("pod securityContext changed (fsGroup, supplementalGroups and sysctls are applied when the"
                + " pod's containers start, so they are replaced in the same VM)"),
            List.of("+ spec.securityContext: {\"fsGroup\":2000}")),
        row("memory change needs a new VM", v1, PodState.RUNNING,
            manifest("web", WEB_V1 + "  vm: {memory: 256Mi}\n"), "recreate",
            List.of("VM memory changed (needs a new VM: CPUs and memory are not resized in place)"),
            List.of("~ spec.vm.memory: \"128Mi\" -> \"256Mi\"")),
        row("host port change is a container change (forwards change over QMP)", v1, PodState.RUNNING,
            manifest("web", WEB_V1.replace("hostPort: 8080", "hostPort: 8081")), "replace",
            List.of("ports of container \"web\" changed"),
            List.of("~ spec.containers[web].ports[80/TCP].hostPort: 8080 -> 8081")),
        row("hostPath path change needs a new VM", withHostPath("/srv/a"), PodState.RUNNING, withHostPath("/srv/b"),
            "recreate", List.of("volume \"data\" changed (needs a new VM)"),
            List.of("~ spec.volumes[data].hostPath.path: \"/srv/a\" -> \"/srv/b\"")),
        row("hostPath volume added needs a new VM", v1, PodState.RUNNING,
            manifest("web", WEB_V1.replace("  volumes:", "  volumes:\n    - {name: data, hostPath: {path: /srv/a}}")),
            "recreate", List.of("volume \"data\" added (needs a new VM)"), null),
        row("an image volume's new reference is replaced in the same VM (through its image share)",
            withImageVolume("data:1"), PodState.RUNNING, withImageVolume("data:2"), "replace",
            List.of("volume \"data\" changed"),
            List.of("~ spec.volumes[data].image.reference: \"data:1\" -> \"data:2\"")),
        row("another namespace is another pod: a new VM", v1, PodState.RUNNING, inNamespace("shop"), "recreate",
            List.of("namespace changed (needs a new VM)"), List.of("+ metadata.namespace: \"shop\"")),
        row("a port without host port is a container change", v1, PodState.RUNNING,
            manifest("web", WEB_V1.replace("containerPort: 9000", "containerPort: 9001")), "replace",
            List.of("ports of container \"sidecar\" changed"),
            List.of("- spec.containers[sidecar].ports[9000/TCP]: {\"containerPort\":9000,\"hostIP\":\"\",\"hostPort\":0,\"name\":\"\",\"protocol\":\"TCP\"}",
                "+ spec.containers[sidecar].ports[9001/TCP]: {\"containerPort\":9001,\"hostIP\":\"\",\"hostPort\":0,\"name\":\"\",\"protocol\":\"TCP\"}")),
        row("container added", v1, PodState.RUNNING,
            manifest("web", WEB_V1.replace("  volumes:", "    - name: cron\n      image: cron:1\n  volumes:")), "replace",
            List.of("container \"cron\" added"), null),
        row("container order counts", manifest("web", """
              containers:
                - {name: a, image: x:1}
                - {name: b, image: x:1}
            """), PodState.RUNNING, manifest("web", """
              containers:
                - {name: b, image: x:1}
                - {name: a, image: x:1}
            """), "replace",
            List.of("the order of containers changed"),
            List.of("~ spec.containers (order): [\"a\",\"b\"] -> [\"b\",\"a\"]")),
        row("hostname is a pod setting", v1, PodState.RUNNING,
            manifest("web", WEB_V1 + "  hostname: www\n"), "replace",
            List.of("hostname changed"), List.of("~ spec.hostname: \"web\" -> \"www\"")),
        row("labels only update the record", v1, PodState.RUNNING, labelled(v1), "update",
            List.of("labels changed"), List.of("+ metadata.labels.tier: \"front\"")),
        row("created pod desired running starts", v1, PodState.CREATED, v1, "start",
            List.of("it is Created and its manifest wants it Running"), List.of()),
        row("dead VM starts again", v1, PodState.VM_GONE, v1, "start",
            List.of("its VM ended"), List.of()),
        row("desired Created stops", v1, PodState.RUNNING, manifest("web", WEB_V1 + "  state: Created\n"), "stop",
            List.of("its manifest wants it Created"), List.of()),
        row("desired Created and already Created plans nothing", v1, PodState.CREATED,
            manifest("web", WEB_V1 + "  state: Created\n"), null, List.of(), List.of()),
        row("container change without a VM recreates", v1, PodState.CREATED,
            manifest("web", WEB_V1.replace("web:1", "web:2")), "recreate",
            List.of("image of container \"web\" changed", "it has no running VM to replace containers in"), null),
        row("created pod gets labels and starts", v1, PodState.CREATED, labelled(v1), "start",
            List.of("it is Created and its manifest wants it Running", "labels changed"), null));
  }

  private static PodManifest withHostPath(String path) {
    return manifest("web", WEB_V1.replace("  volumes:", "  volumes:\n    - {name: data, hostPath: {path: " + path + "}}"));
  }

  private static PodManifest withImageVolume(String reference) {
    return manifest("web", WEB_V1.replace("  volumes:", "  volumes:\n    - {name: data, image: {reference: \""
        + reference + "\", pullPolicy: IfNotPresent}}"));
  }

  private static PodManifest inNamespace(String namespace) {
    return dev.peapod.manifest.ManifestParser.parse("pods/web.yaml", "apiVersion: peapod.dev/v1alpha1\nkind: PeaPod\n"
        + "metadata:\n  name: web\n  namespace: " + namespace + "\nspec:\n" + WEB_V1).manifests().get(0);
  }

  private static PodManifest labelled(PodManifest m) {
    return manifest("web", WEB_V1).equals(m) ? labelledWeb() : m;
  }

  private static PodManifest labelledWeb() {
    String text = "apiVersion: peapod.dev/v1alpha1\nkind: PeaPod\nmetadata:\n  name: web\n  labels: {tier: front}\nspec:\n"
        + WEB_V1;
    return dev.peapod.manifest.ManifestParser.parse("pods/web.yaml", text).manifests().get(0);
  }

  private static Arguments row(String name, PodManifest applied, PodState state, PodManifest desired,
      String action, List<String> reasons, List<String> diff) {
    return Arguments.of(new Row(name, applied, state, desired, action, reasons, diff));
  }

  @ParameterizedTest
  @MethodSource("rows")
  void plansOnePod(Row row) {
    ActualState actual = ActualState.of(List.of(actual(row.applied(), row.state())), "rev-1");
    Plan plan = PLANNER.plan(List.of(desired(row.desired())), actual, PlanOptions.DEFAULT);
    if (row.action() == null) {
      assertFalse(plan.hasChanges(), () -> "expected no change, got " + plan.changes());
      assertEquals(1, plan.unchanged());
      return;
    }
    assertEquals(1, plan.changes().size());
    Change change = plan.changes().get(0);
    assertEquals(row.action(), change.action().verb());
    assertEquals(row.reasons(), change.reasons().stream().map(Reason::text).toList());
    if (row.diff() != null) {
      assertEquals(row.diff(), change.diff().stream().map(PlannerTest::line).toList());
    }
  }

  private static String line(FieldChange f) {
    String before = f.before() == null ? null : NormalizedPod.json(plain(f.before()));
    String after = f.after() == null ? null : NormalizedPod.json(plain(f.after()));
    return f.symbol() + " " + f.path() + ": "
        + (before == null ? after : after == null ? before : before + " -> " + after);
  }

  private static Object plain(Object o) {
    return o instanceof java.util.Map<?, ?> m ? new java.util.TreeMap<>(m) : o;
  }

  /** A pod whose volume shows ConfigMap {@code cfg} (and env takes ConfigMap {@code env} when {@code inEnv}). */
  private static PodManifest withConfigFiles(String value, boolean inEnv) {
    PodManifest m = manifest("web", """
          containers:
            - name: web
              image: web:1
              volumeMounts: [{name: cfg, mountPath: /etc/cfg}]
        %s
          volumes:
            - {name: cfg, configMap: {name: cfg}}
        """.formatted(inEnv ? "      envFrom: [{configMapRef: {name: cfg}}]" : ""));
    return m.withInputs(List.of(new dev.peapod.manifest.model.ConfigObject(
        dev.peapod.manifest.model.ConfigObject.Kind.CONFIG_MAP, "default", "cfg", "",
        java.util.Map.of("k", value.getBytes(java.nio.charset.StandardCharsets.UTF_8)), "c.yaml", 1, 1)));
  }

  @Test
  void aConfigMapOnlyAVolumeShowsIsRefreshedInPlaceAndOneInEnvReplaces() {
    ActualPod running = actual(withConfigFiles("a", false), PodState.RUNNING);
    Plan plan = PLANNER.plan(List.of(desired(withConfigFiles("b", false))), ActualState.of(List.of(running), "r"),
        PlanOptions.DEFAULT);
    Change change = plan.changes().get(0);
    assertEquals(Action.REFRESH, change.action());
    assertEquals(List.of("configmap \"cfg\" changed (its files are written into the running VM in place, as the"
        + " kubelet updates them; nothing restarts)"), change.reasons().stream().map(Reason::text).toList());
    assertEquals(Reason.Kind.RefreshBecauseFilesChanged, change.reasons().get(0).kind());
    assertEquals("Plan: 0 to create, 0 to start, 0 to replace, 0 to update, 1 to refresh, 0 to recreate, 0 to stop,"
        + " 0 to remove.", plan.summary());

    ActualPod created = actual(withConfigFiles("a", false), PodState.CREATED);
    assertEquals(Action.RECREATE, PLANNER.plan(List.of(desired(withConfigFiles("b", false))),
        ActualState.of(List.of(created), "r"), PlanOptions.DEFAULT).changes().get(0).action(),
        "without a VM the recorded files are replaced with the record");

    ActualPod inEnv = actual(withConfigFiles("a", true), PodState.RUNNING);
    assertEquals(Action.REPLACE, PLANNER.plan(List.of(desired(withConfigFiles("b", true))),
        ActualState.of(List.of(inEnv), "r"), PlanOptions.DEFAULT).changes().get(0).action(),
        "a variable takes its value when the container starts: as in Kubernetes, it needs new containers");
  }

  @Test
  void newPodIsCreatedAndStarted() {
    Plan plan = PLANNER.plan(List.of(desired(web("web:1"))), ActualState.empty(), PlanOptions.DEFAULT);
    Change change = plan.changes().get(0);
    assertEquals(Action.CREATE, change.action());
    assertEquals("it does not exist yet", change.reasons().get(0).text());
    assertEquals("create, then start", PlanRenderer.what(change));
  }

  @Test
  void recordWithoutProviderPodIsCreatedAgain() {
    ActualPod gone = new ActualPod("web", Optional.empty(), "",
        Optional.of(applied(web("web:1"), AppliedRecord.MANAGED_BY_APPLY)));
    Plan plan = PLANNER.plan(List.of(desired(web("web:1"))), ActualState.of(List.of(gone), "r"), PlanOptions.DEFAULT);
    assertEquals(Action.CREATE, plan.changes().get(0).action());
    assertEquals("it was removed outside apply", plan.changes().get(0).reasons().get(0).text());
  }

  @Test
  void providerPodWithoutRecordIsRecreated() {
    ActualPod unrecorded = new ActualPod("web", Optional.of(PodState.RUNNING), "", Optional.empty());
    Plan plan = PLANNER.plan(List.of(desired(web("web:1"))), ActualState.of(List.of(unrecorded), "r"),
        PlanOptions.DEFAULT);
    assertEquals(Action.RECREATE, plan.changes().get(0).action());
    assertEquals(Reason.Kind.RecreateBecauseNoRecordedManifest, plan.changes().get(0).reasons().get(0).kind());
  }

  /** A VM the provider wants replaced (QEMU run as root by an older Peapod): recreated though nothing changed. */
  @Test
  void aVmTheProviderNeedsReplacedIsRecreatedWithItsReason() {
    PodManifest v1 = web("web:1");
    ActualPod pod = new ActualPod("web", Optional.of(PodState.RUNNING), "",
        Optional.of(applied(v1, AppliedRecord.MANAGED_BY_APPLY)), Optional.of("its VM runs QEMU as root"));
    Plan plan = PLANNER.plan(List.of(desired(v1)), ActualState.of(List.of(pod), "r"), PlanOptions.DEFAULT);
    Change change = plan.changes().get(0);
    assertEquals(Action.RECREATE, change.action());
    assertEquals(List.of(new Reason(Reason.Kind.RecreateBecauseProviderNeedsNewVm, "its VM runs QEMU as root")),
        change.reasons());

    Plan replace = PLANNER.plan(List.of(desired(web("web:2"))), ActualState.of(List.of(pod), "r"), PlanOptions.DEFAULT);
    assertEquals(Action.RECREATE, replace.changes().get(0).action(), "a replace would keep the old VM");

    ActualPod stopped = new ActualPod("web", Optional.of(PodState.CREATED), "",
        Optional.of(applied(v1, AppliedRecord.MANAGED_BY_APPLY)), Optional.of("its VM runs QEMU as root"));
    assertEquals(Action.START, PLANNER.plan(List.of(desired(v1)), ActualState.of(List.of(stopped), "r"),
        PlanOptions.DEFAULT).changes().get(0).action(), "no running VM: its start makes a new one");
  }

  @Test
  void interruptedReplaceIsDoneAgainInTheRunningVm() {
    PodManifest v1 = web("web:1");
    AppliedRecord record = applied(v1, AppliedRecord.MANAGED_BY_APPLY).begin(Action.REPLACE, Pods.APPLIED_AT);
    ActualPod pod = new ActualPod("web", Optional.of(PodState.RUNNING), "", Optional.of(record));
    Plan plan = PLANNER.plan(List.of(desired(web("web:2"))), ActualState.of(List.of(pod), "r"), PlanOptions.DEFAULT);
    Change change = plan.changes().get(0);
    assertEquals(Action.REPLACE, change.action());
    assertEquals(List.of("the last apply did not finish its replace (started 2026-11-23T10:00:00Z)",
        "image of container \"web\" changed"), change.reasons().stream().map(Reason::text).toList());

    Plan same = PLANNER.plan(List.of(desired(v1)), ActualState.of(List.of(pod), "r"), PlanOptions.DEFAULT);
    assertEquals(Action.REPLACE, same.changes().get(0).action(), "even with the old spec desired again");
  }

  @Test
  void interruptedCreateIsRecreated() {
    AppliedRecord record = new AppliedRecord("web", AppliedRecord.MANAGED_BY_APPLY, "pods/web.yaml", null, null, null,
        Optional.of(new AppliedRecord.Pending(Action.CREATE, Pods.APPLIED_AT)));
    ActualPod pod = new ActualPod("web", Optional.of(PodState.CREATED), "", Optional.of(record));
    Plan plan = PLANNER.plan(List.of(desired(web("web:1"))), ActualState.of(List.of(pod), "r"), PlanOptions.DEFAULT);
    assertEquals(Action.RECREATE, plan.changes().get(0).action());
    assertEquals(Reason.Kind.RedoBecauseLastApplyInterrupted, plan.changes().get(0).reasons().get(0).kind());
  }

  @Test
  void prunesOnlyPodsApplyManages() {
    PodManifest a = manifest("a", "  containers: [{name: c, image: x:1}]\n");
    PodManifest b = manifest("b", "  containers: [{name: c, image: x:1}]\n");
    PodManifest handMade = manifest("hand", "  containers: [{name: c, image: x:1}]\n");
    ActualState actual = ActualState.of(List.of(actual(a, PodState.RUNNING), actual(b, PodState.RUNNING),
        new ActualPod("hand", Optional.of(PodState.RUNNING), "",
            Optional.of(applied(handMade, AppliedRecord.MANAGED_BY_CLI))),
        new ActualPod("foreign", Optional.of(PodState.RUNNING), "", Optional.empty())), "r");
    Plan plan = PLANNER.plan(List.of(desired(a)), actual, PlanOptions.DEFAULT);
    assertEquals(List.of("b"), plan.changes().stream().map(Change::pod).toList());
    assertEquals(Action.REMOVE, plan.changes().get(0).action());
    assertEquals("no manifest declares it any more", plan.changes().get(0).reasons().get(0).text());
    assertTrue(plan.refusal().isEmpty());
  }

  @Test
  void emptyDesiredStateNeverRemovesEverythingSilently() {
    PodManifest a = manifest("a", "  containers: [{name: c, image: x:1}]\n");
    ActualState actual = ActualState.of(List.of(actual(a, PodState.RUNNING)), "r");
    Plan plan = PLANNER.plan(List.of(), actual, PlanOptions.DEFAULT);
    assertEquals(Action.REMOVE, plan.changes().get(0).action());
    assertEquals(Optional.of("this plan removes every pod apply owns (1 of 1); if that is intended, "
        + "plan again with --allow-mass-removal"), plan.refusal());
    assertTrue(PLANNER.plan(List.of(), actual, PlanOptions.DEFAULT.withAllowMassRemoval(true)).refusal().isEmpty());
  }

  @Test
  void twoDirectoriesAppliedSideBySideNeverPruneEachOther() {
    PodManifest a = manifest("a", "  containers: [{name: c, image: x:1}]\n");
    PodManifest b = manifest("b", "  containers: [{name: c, image: x:1}]\n");
    ActualState actual = ActualState.of(List.of(owned(a, "dir:/srv/one"), owned(b, "dir:/srv/two")), "r");
    Plan plan = PLANNER.plan(List.of(), actual, PlanOptions.DEFAULT.withOwner("dir:/srv/two", false)
        .withAllowMassRemoval(true));
    assertEquals(List.of("b"), plan.changes().stream().map(Change::pod).toList());
    assertEquals("dir:/srv/two", plan.owner());
  }

  @Test
  void aPodAnotherSourceOwnsIsAConflictAndLeftAlone() {
    PodManifest mine = manifest("web", "  containers: [{name: c, image: x:2}]\n");
    PodManifest theirs = manifest("web", "  containers: [{name: c, image: x:1}]\n");
    ActualState actual = ActualState.of(List.of(owned(theirs, "git:git://h/p.git#main//prod")), "r");
    Plan plan = PLANNER.plan(List.of(desired(mine)), actual, PlanOptions.DEFAULT.withOwner("dir:/srv/one", false));
    assertTrue(plan.changes().isEmpty());
    assertEquals(List.of(new Conflict("web", "git:git://h/p.git#main//prod", "pods/web.yaml")), plan.conflicts());
    assertEquals("pod \"web\" is owned by git:git://h/p.git#main//prod; declared here in pods/web.yaml; it is left"
        + " alone (take it over with --take-over)", plan.conflicts().get(0).text());

    Plan takeOver = PLANNER.plan(List.of(desired(mine)), actual, PlanOptions.DEFAULT.withOwner("dir:/srv/one", true));
    assertEquals(Action.REPLACE, takeOver.changes().get(0).action());
    assertTrue(takeOver.conflicts().isEmpty());
  }

  @Test
  void handMadeAndLegacyPodsAreAdoptedButNeverPrunedByANewSource() {
    PodManifest hand = manifest("hand", "  containers: [{name: c, image: x:1}]\n");
    PodManifest old = manifest("old", "  containers: [{name: c, image: x:1}]\n");
    ActualState actual = ActualState.of(List.of(owned(hand, Owners.CLI), owned(old, Owners.LEGACY_APPLY)), "r");
    PlanOptions dir = PlanOptions.DEFAULT.withOwner("dir:/srv/one", false).withAllowMassRemoval(true);
    Plan declared = PLANNER.plan(List.of(desired(hand), desired(old)), actual, dir);
    assertTrue(declared.conflicts().isEmpty());
    assertEquals(2, declared.unchanged());
    assertTrue(PLANNER.plan(List.of(), actual, dir).changes().isEmpty());
  }

  @Test
  void massRemovalIsCountedAmongTheSourcesOwnPods() {
    PodManifest a = manifest("a", "  containers: [{name: c, image: x:1}]\n");
    PodManifest other = manifest("other", "  containers: [{name: c, image: x:1}]\n");
    ActualState actual = ActualState.of(List.of(owned(a, "dir:/one"), owned(other, "dir:/two")), "r");
    Plan plan = PLANNER.plan(List.of(), actual, PlanOptions.DEFAULT.withOwner("dir:/one", false));
    assertEquals(Optional.of("this plan removes every pod dir:/one owns (1 of 1); if that is intended, "
        + "plan again with --allow-mass-removal"), plan.refusal());
  }

  private static ActualPod owned(PodManifest manifest, String owner) {
    return new ActualPod(manifest.name(), Optional.of(PodState.RUNNING), "", Optional.of(applied(manifest, owner)));
  }

  @Test
  void removingMoreThanTheLimitIsRefused() {
    List<ActualPod> pods = new ArrayList<>();
    List<DesiredPod> keep = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      PodManifest m = manifest("p" + i, "  containers: [{name: c, image: x:1}]\n");
      pods.add(actual(m, PodState.RUNNING));
      if (i < 3) {
        keep.add(desired(m));
      }
    }
    Plan plan = PLANNER.plan(keep, ActualState.of(pods, "r"), PlanOptions.DEFAULT);
    assertEquals(7, plan.counts().get(Action.REMOVE));
    assertEquals(Optional.of("this plan removes 7 pods, more than the limit of 5; if that is intended, "
        + "plan again with --allow-mass-removal"), plan.refusal());
  }

  @Test
  void targetsLimitThePlan() {
    PodManifest a = manifest("a", "  containers: [{name: c, image: x:1}]\n");
    PodManifest b = manifest("b", "  containers: [{name: c, image: x:1}]\n");
    Plan plan = PLANNER.plan(List.of(desired(a), desired(b)), ActualState.empty(),
        PlanOptions.DEFAULT.withTargets(Set.of("b", "zzz")));
    assertEquals(List.of("b"), plan.changes().stream().map(Change::pod).toList());
    assertEquals(List.of("--target zzz: no manifest declares it and no such pod exists",
        "only the targeted pods were planned; the others may differ from their manifests"), plan.warnings());
  }

  @Test
  void summaryCountsEveryAction() {
    PodManifest a = manifest("a", "  containers: [{name: c, image: x:1}]\n");
    PodManifest b = manifest("b", "  containers: [{name: c, image: x:1}]\n");
    Plan plan = PLANNER.plan(List.of(desired(a), desired(b)), ActualState.empty(), PlanOptions.DEFAULT);
    assertEquals("Plan: 2 to create, 0 to start, 0 to replace, 0 to update, 0 to recreate, 0 to stop, 0 to remove.",
        plan.summary());
  }

  @Test
  void recordReadBackFromJsonEqualsTheManifest() throws Exception {
    PodManifest v1 = manifest("web", WEB_V1);
    var mapper = new com.fasterxml.jackson.databind.ObjectMapper();
    @SuppressWarnings("unchecked")
    java.util.Map<String, Object> readBack = mapper.readValue(
        mapper.writeValueAsString(NormalizedPod.canonicalTree(v1)), java.util.Map.class);
    assertEquals(NormalizedPod.of(v1).hash(), NormalizedPod.ofCanonicalTree(readBack).hash());
  }
}
