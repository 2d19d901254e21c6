package dev.peapod.controller.it;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.math.BigDecimal;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Plays the Kubernetes scheduler against the mock API server, which has none: binds each Pod
 * without a node to a Node that passes the filters the real scheduler applies to placeholders
 * (NodeResourcesFit on cpu and memory requests against allocatable minus what is bound there,
 * nodeSelector, NoSchedule/NoExecute taints against tolerations), scoring by the least allocated
 * memory share as its default NodeResourcesFit scoring does; ties go to the first Node by name.
 * A Pod that fits nowhere stays Pending. Affinity is not evaluated (the agents copy it; this
 * scheduler would need the whole affinity grammar to judge it, and it is not what is tested).
 *
 * <p>It binds by setting {@code spec.nodeName} with a JSON Patch, since the mock server has no
 * {@code pods/binding} subresource; on a real cluster only the scheduler binds, so nothing the
 * agents do depends on how.
 */
final class TestScheduler implements AutoCloseable {

  private final KubernetesClient client;
  private final Thread loop;
  private volatile boolean running = true;

  TestScheduler(KubernetesClient client) {
    this.client = client;
    this.loop = new Thread(this::run, "test-scheduler");
    this.loop.setDaemon(true);
  }

  TestScheduler start() {
    loop.start();
    return this;
  }

  private void run() {
    while (running) {
      try {
        scheduleOnce();
        Thread.sleep(50);
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        System.err.println("test scheduler: " + e.getMessage());
      }
    }
  }

  /** One round: every pending Pod, oldest first, gets a node if one fits. */
  synchronized void scheduleOnce() {
    List<Node> nodes = client.nodes().list().getItems().stream()
        .sorted(Comparator.comparing(n -> n.getMetadata().getName())).toList();
    List<Pod> pods = client.pods().inAnyNamespace().list().getItems();
    for (Pod pod : pods.stream().filter(p -> p.getSpec().getNodeName() == null)
        .sorted(Comparator.comparing(p -> Objects.toString(p.getMetadata().getCreationTimestamp(), ""))).toList()) {
      if (pod.getMetadata().getDeletionTimestamp() != null) {
        continue;
      }
      Optional<Node> best = nodes.stream().filter(n -> fits(pod, n, pods)).max(
          Comparator.comparing((Node n) -> free(n, pods, "memory").divide(allocatable(n, "memory"), 6,
              java.math.RoundingMode.HALF_UP)).thenComparing(n -> n.getMetadata().getName(),
              Comparator.reverseOrder()));
      if (best.isPresent()) {
        client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName())
            .patch(PatchContext.of(PatchType.JSON), "[{\"op\":\"add\",\"path\":\"/spec/nodeName\",\"value\":\""
                + best.get().getMetadata().getName() + "\"}]");
        pod.getSpec().setNodeName(best.get().getMetadata().getName()); // counts for the next ones
      }
    }
  }

  private static boolean fits(Pod pod, Node node, List<Pod> pods) {
    Map<String, String> selector = pod.getSpec().getNodeSelector();
    Map<String, String> labels = node.getMetadata().getLabels() == null ? Map.of() : node.getMetadata().getLabels();
    if (selector != null && !selector.entrySet().stream().allMatch(e -> e.getValue().equals(labels.get(e.getKey())))) {
      return false;
    }
    List<Taint> taints = node.getSpec() == null || node.getSpec().getTaints() == null ? List.of()
        : node.getSpec().getTaints();
    for (Taint taint : taints) {
      if (!"PreferNoSchedule".equals(taint.getEffect()) && !tolerated(taint, pod.getSpec().getTolerations())) {
        return false;
      }
    }
    return requests(pod, "cpu").compareTo(free(node, pods, "cpu")) <= 0
        && requests(pod, "memory").compareTo(free(node, pods, "memory")) <= 0;
  }

  private static boolean tolerated(Taint taint, List<Toleration> tolerations) {
    return tolerations != null && tolerations.stream().anyMatch(t ->
        (t.getEffect() == null || t.getEffect().isEmpty() || t.getEffect().equals(taint.getEffect()))
            && ("Exists".equals(t.getOperator())
                ? t.getKey() == null || t.getKey().isEmpty() || t.getKey().equals(taint.getKey())
                : Objects.equals(t.getKey(), taint.getKey()) && Objects.equals(t.getValue(), taint.getValue())));
  }

  private static BigDecimal allocatable(Node node, String resource) {
    Quantity q = node.getStatus().getAllocatable().get(resource);
    return q == null ? BigDecimal.ZERO : q.getNumericalAmount();
  }

  /** Allocatable minus the requests of the Pods bound to the node. */
  static BigDecimal free(Node node, List<Pod> pods, String resource) {
    BigDecimal used = pods.stream().filter(p -> node.getMetadata().getName().equals(p.getSpec().getNodeName()))
        .map(p -> requests(p, resource)).reduce(BigDecimal.ZERO, BigDecimal::add);
    return allocatable(node, resource).subtract(used);
  }

  static BigDecimal requests(Pod pod, String resource) {
    return pod.getSpec().getContainers().stream()
        .map(c -> c.getResources() == null || c.getResources().getRequests() == null ? null
            : c.getResources().getRequests().get(resource))
        .filter(Objects::nonNull).map(Quantity::getNumericalAmount).reduce(BigDecimal.ZERO, BigDecimal::add);
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    loop.interrupt();
    loop.join(5000);
  }
}
