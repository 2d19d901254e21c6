package dev.peapod.kubernetes.chart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The chart, with Helm embedded (helm-java, offline): {@code lint --strict}, {@code template} with
 * default and other values, every rendered object parsed into fabric8's models with no field left
 * over, the agent's RBAC rules exactly the calls it makes, and values the schema refuses.
 */
class ChartTest {

  private static final Path CHART = Path.of(System.getProperty("peapod.repo", "../.."))
      .toAbsolutePath().normalize().resolve("charts/peapod");
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  private static List<HasMetadata> render(Map<String, Object> values) {
    var template = new Helm(CHART).template().withName("peapod").withNamespace("peapod-system")
        .withKubeVersion("1.30.0");
    values.forEach(template::set);
    List<HasMetadata> objects = new ArrayList<>();
    for (String document : template.call().split("(?m)^---\\s*$")) {
      if (document.lines().anyMatch(l -> l.startsWith("kind:"))) {
        try {
          objects.add(SERIALIZATION.unmarshal(document, HasMetadata.class));
        } catch (IllegalArgumentException e) {
          throw new AssertionError("rendered object does not parse: " + e.getMessage() + "\n" + document, e);
        }
      }
    }
    return objects;
  }

  @SuppressWarnings("unchecked")
  private static <T> T only(List<HasMetadata> objects, Class<T> type) {
    List<HasMetadata> of = objects.stream().filter(type::isInstance).toList();
    assertEquals(1, of.size(), type.getSimpleName() + " in " + objects);
    return (T) of.get(0);
  }

  @Test
  void lintsStrictly() {
    LintResult result = new Helm(CHART).lint().strict().call();
    assertFalse(result.isFailed(), result.getMessages().toString());
  }

  @Test
  void rendersObjectsThatParseWithNoUnknownField() throws Exception {
    List<HasMetadata> objects = render(Map.of());
    assertEquals(Set.of("ServiceAccount", "ClusterRole", "ClusterRoleBinding", "DaemonSet", "ConfigMap"),
        objects.stream().map(HasMetadata::getKind).collect(Collectors.toSet()));
    for (HasMetadata object : objects) {
      List<String> unknown = new ArrayList<>();
      leftOver(object, object.getKind(), unknown, new IdentityHashMap<>());
      assertEquals(List.of(), unknown, "fields fabric8's model does not know");
    }
    DaemonSet agent = only(objects, DaemonSet.class);
    Container container = agent.getSpec().getTemplate().getSpec().getContainers().get(0);
    assertEquals("peapod/agent:0.1.0", container.getImage());
    assertEquals(List.of("serve", "--source", "k8s=k8s:", "--listen", "0.0.0.0:7070"), container.getArgs());
    assertTrue(container.getSecurityContext().getPrivileged());
    assertEquals("spec.nodeName", container.getEnv().stream().filter(e -> e.getName().equals("NODE_NAME"))
        .findFirst().orElseThrow().getValueFrom().getFieldRef().getFieldPath());
    assertEquals("/q/health/live", container.getLivenessProbe().getHttpGet().getPath());
    assertEquals("/var/lib/peapod", agent.getSpec().getTemplate().getSpec().getVolumes().get(0).getHostPath()
        .getPath());
    assertEquals("true", agent.getSpec().getTemplate().getMetadata().getAnnotations().get("prometheus.io/scrape"));
    assertEquals("peapod-system", agent.getMetadata().getNamespace());
  }

  /**
   * The dashboard's ConfigMap carries the label Grafana's sidecar selects on and the chart's
   * dashboards/peapod.json unchanged, which parses as JSON (DirectorySourceIT checks that every
   * metric it queries is served); values turn it off or move it.
   */
  @Test
  void theDashboardIsAConfigMapTheGrafanaSidecarFinds() throws Exception {
    ConfigMap dashboard = only(render(Map.of()), ConfigMap.class);
    assertEquals("peapod-dashboard", dashboard.getMetadata().getName());
    assertEquals("peapod-system", dashboard.getMetadata().getNamespace());
    assertEquals("1", dashboard.getMetadata().getLabels().get("grafana_dashboard"));
    String json = Files.readString(CHART.resolve("dashboards/peapod.json"));
    assertEquals(json.strip(), dashboard.getData().get("peapod.json"));
    JsonNode parsed = new ObjectMapper().readTree(dashboard.getData().get("peapod.json"));
    assertEquals("peapod", parsed.get("uid").asText());
    assertTrue(parsed.get("panels").size() >= 8, "panels");

    assertTrue(render(Map.of("dashboard.enabled", false)).stream().noneMatch(ConfigMap.class::isInstance));
    ConfigMap moved = only(render(Map.of("dashboard.namespace", "monitoring", "dashboard.annotations.grafana_folder",
        "Peapod")), ConfigMap.class);
    assertEquals("monitoring", moved.getMetadata().getNamespace());
    assertEquals("Peapod", moved.getMetadata().getAnnotations().get("grafana_folder"));
  }

  @Test
  void aFieldTheModelDoesNotKnowIsFound() throws Exception {
    HasMetadata typo = SERIALIZATION.unmarshal("""
        apiVersion: apps/v1
        kind: DaemonSet
        metadata: {name: x}
        spec:
          template:
            spec:
              containers: [{name: a, image: b, imagePullPolice: Always}]
        """, HasMetadata.class);
    List<String> unknown = new ArrayList<>();
    leftOver(typo, "DaemonSet", unknown, new IdentityHashMap<>());
    assertEquals(1, unknown.size(), unknown.toString());
    assertTrue(unknown.get(0).endsWith("[imagePullPolice]"), unknown.toString());
  }

  @Test
  void rendersOtherValues() {
    List<HasMetadata> objects = render(Map.of("nodeSelector.peapod\\.dev/vms", "yes", "hostStateDir", "/srv/peapod",
        "port", 9090, "metrics.scrape", false, "image.tag", "dev"));
    DaemonSet agent = only(objects, DaemonSet.class);
    var pod = agent.getSpec().getTemplate().getSpec();
    assertEquals(Map.of("peapod.dev/vms", "yes"), pod.getNodeSelector());
    assertEquals("/srv/peapod", pod.getVolumes().get(0).getHostPath().getPath());
    assertEquals(9090, pod.getContainers().get(0).getPorts().get(0).getContainerPort());
    assertEquals("peapod/agent:dev", pod.getContainers().get(0).getImage());
    assertTrue(agent.getSpec().getTemplate().getMetadata().getAnnotations() == null
        || agent.getSpec().getTemplate().getMetadata().getAnnotations().isEmpty());
  }

  /**
   * The calls dev.peapod.kubernetes makes: NodeAgent lists and watches PeaPods (its informer)
   * and gets one to confirm an orphan; PeaPodWriter patches finalizers (JSON Patch on the
   * object) and status (on /status); AgentEvents creates Events; Placement lists and watches
   * placeholder Pods, gets one to confirm it is gone, creates and deletes them, and patches the
   * PeaPods it binds; ConfigWatches lists and watches the ConfigMaps and Secrets PeaPods refer to,
   * each by name (never a get, and never all of a namespace). Nothing more is granted; NodeAgentIT
   * compares the same rules with the requests a real agent made.
   */
  @Test
  void rbacGrantsExactlyTheCallsTheAgentMakes() {
    ClusterRole role = only(render(Map.of()), ClusterRole.class);
    Set<String> granted = new TreeSet<>();
    for (PolicyRule rule : role.getRules()) {
      for (String group : rule.getApiGroups()) {
        for (String resource : rule.getResources()) {
          rule.getVerbs().forEach(verb -> granted.add(group + "/" + resource + " " + verb));
        }
      }
    }
    assertEquals(new TreeSet<>(List.of("peapod.dev/peapods get", "peapod.dev/peapods list",
        "peapod.dev/peapods watch", "peapod.dev/peapods patch", "peapod.dev/peapods/status patch",
        "/events create", "/pods get", "/pods list", "/pods watch", "/pods create", "/pods delete",
        "/configmaps list", "/configmaps watch", "/secrets list", "/secrets watch")), granted);
  }

  @Test
  void theSchemaRefusesBadValues() {
    Exception wrongType = assertThrows(Exception.class, () -> render(Map.of("port", "http")));
    assertTrue(wrongType.getMessage().contains("port"), wrongType.getMessage());
    Exception unknown = assertThrows(Exception.class, () -> render(Map.of("replicas", 3)));
    assertTrue(unknown.getMessage().contains("replicas"), unknown.getMessage());
    Exception relative = assertThrows(Exception.class, () -> render(Map.of("hostStateDir", "var/lib/peapod")));
    assertTrue(relative.getMessage().contains("hostStateDir"), relative.getMessage());
  }

  /** Every non-empty additionalProperties map in the object graph: what the model did not know. */
  private static void leftOver(Object value, String path, List<String> unknown, Map<Object, Boolean> seen)
      throws Exception {
    if (value == null || seen.put(value, true) != null) {
      return;
    }
    if (value instanceof Collection<?> items) {
      int i = 0;
      for (Object item : items) {
        leftOver(item, path + "[" + i++ + "]", unknown, seen);
      }
      return;
    }
    if (value instanceof Map<?, ?> map) {
      for (Map.Entry<?, ?> e : map.entrySet()) {
        leftOver(e.getValue(), path + "." + e.getKey(), unknown, seen);
      }
      return;
    }
    if (!(value instanceof KubernetesResource)) {
      return;
    }
    for (Method getter : value.getClass().getMethods()) {
      if (getter.getParameterCount() != 0 || !getter.getName().startsWith("get")
          || getter.getDeclaringClass() == Object.class) {
        continue;
      }
      Object child = getter.invoke(value);
      if (getter.getName().equals("getAdditionalProperties")) {
        if (child instanceof Map<?, ?> extra && !extra.isEmpty()) {
          unknown.add(path + ": " + extra.keySet());
        }
        continue;
      }
      leftOver(child, path + "." + getter.getName().substring(3), unknown, seen);
    }
  }
}
