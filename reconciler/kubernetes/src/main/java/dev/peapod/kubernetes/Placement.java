package dev.peapod.kubernetes;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.peapod.engine.ManifestRejectedException;
import dev.peapod.engine.queue.WorkQueue;
import dev.peapod.manifest.model.VmSettings;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Puts PeaPods on nodes the way the Kubernetes scheduler puts Pods there, by letting it place a
 * {@link Placeholders placeholder Pod} for each and binding the PeaPod to the node the placeholder
 * landed on. Every agent runs one; there is no leader, since every step is safe to race:
 *
 * <ul>
 *   <li>A PeaPod without a placeholder gets one (any agent; the loser of a race gets a 409).
 *   <li>A placeholder the scheduler bound to <em>this</em> node binds its PeaPod here: the agent
 *       sets {@link PeaPods#NODE_LABEL} (and {@link #BOUND_BY}), testing the resourceVersion, so a
 *       PeaPod is never bound to two nodes. A placeholder on another node is that node's agent's.
 *   <li>A PeaPod bound through a placeholder that is gone (its node was lost: Kubernetes deletes
 *       the Pods of a deleted Node) is unbound (any agent, testing the label still names the lost
 *       node), gets a new placeholder, and is placed again; the lost node's agent, should it come
 *       back, finds the PeaPod bound elsewhere and removes its VM.
 *   <li>A PeaPod whose node label was set by hand (no {@link #BOUND_BY}) is pinned, as a Pod with
 *       {@code spec.nodeName} is: its placeholder is created on that node, for the accounting, and
 *       losing it does not move the PeaPod.
 *   <li>A PeaPod that is gone takes its placeholder with it (the garbage collector does this on a
 *       real cluster by the ownerReference; the agents do it too, for clusters, and test servers,
 *       where it does not run).
 * </ul>
 *
 * <p>"Gone" is never read from a cache alone: before unbinding, the agent asks the API server for
 * the placeholder itself.
 */
final class Placement implements AutoCloseable {

  private static final System.Logger LOG = System.getLogger(Placement.class.getName());
  private static final ObjectMapper JSON = new ObjectMapper();

  /** On a PeaPod the agents bound: the placeholder that put it on its node. */
  static final String BOUND_BY = "peapod.dev/placeholder";

  private final KubernetesClient client;
  private final String node;
  private final AgentEvents events;
  private final Duration resync;
  private final WorkQueue queue;
  /** Each PeaPod's VM as last parsed, by key, valid for the resourceVersion it was parsed at. */
  private final Map<String, Sized> sized = new ConcurrentHashMap<>();
  private SharedIndexInformer<GenericKubernetesResource> peaPods;
  private SharedIndexInformer<Pod> placeholders;
  private Thread worker;

  /** A PeaPod's VM as parsed at one resourceVersion, or why its spec is refused. */
  private record Sized(String resourceVersion, Optional<VmSettings> vm, ManifestRejectedException rejected) {}

  Placement(KubernetesClient client, String node, AgentEvents events, Clock clock, Duration resync) {
    this.client = client;
    this.node = node;
    this.events = events;
    this.resync = resync;
    this.queue = new WorkQueue(Duration.ofMillis(500), Duration.ofMinutes(2), clock);
  }

  synchronized void start() {
    peaPods = client.genericKubernetesResources(PeaPods.CONTEXT).inAnyNamespace().runnableInformer(resync.toMillis());
    peaPods.addEventHandler(handler(PeaPods::key));
    placeholders = client.pods().inAnyNamespace().withLabel(Placeholders.LABEL, "true")
        .runnableInformer(resync.toMillis());
    placeholders.addEventHandler(handler(p -> {
      Map<String, String> labels = p.getMetadata().getLabels();
      String peaPod = labels == null ? null : labels.get(Placeholders.PEAPOD_LABEL);
      return peaPod == null ? null : p.getMetadata().getNamespace() + "/" + peaPod;
    }));
    peaPods.exceptionHandler((started, e) -> retrying("PeaPods", e));
    placeholders.exceptionHandler((started, e) -> retrying("placeholder Pods", e));
    peaPods.start();
    placeholders.start();
    worker = new Thread(() -> queue.work(this::place, (key, e) -> LOG.log(System.Logger.Level.WARNING,
        "placing PeaPod " + key + " failed: " + e.getMessage(), e)), "peapod-placement");
    worker.setDaemon(true);
    worker.start();
  }

  private boolean retrying(String what, Throwable e) {
    LOG.log(System.Logger.Level.WARNING, "watching " + what + " for placement: " + e.getMessage() + "; trying again");
    return true;
  }

  private <T> ResourceEventHandler<T> handler(java.util.function.Function<T, String> key) {
    return new ResourceEventHandler<>() {
      @Override
      public void onAdd(T object) {
        add(key.apply(object));
      }

      @Override
      public void onUpdate(T before, T after) {
        add(key.apply(after));
      }

      @Override
      public void onDelete(T object, boolean finalStateUnknown) {
        add(key.apply(object));
      }
    };
  }

  private void add(String key) {
    if (key != null) {
      queue.add(key);
    }
  }

  boolean synced() {
    return peaPods != null && peaPods.hasSynced() && placeholders.hasSynced();
  }

  @Override
  public synchronized void close() {
    queue.shutDown();
    if (peaPods != null) {
      peaPods.close();
      placeholders.close();
    }
    if (worker != null) {
      try {
        worker.join(Duration.ofSeconds(10).toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** One step towards a PeaPod on a node, from what the caches show now. */
  void place(String key) {
    if (!synced()) {
      queue.addAfter(key, Duration.ofMillis(200));
      return;
    }
    String[] parts = key.split("/", 2);
    GenericKubernetesResource peaPod = peaPods.getStore().getByKey(key);
    Pod placeholder = placeholders.getStore().getByKey(parts[0] + "/" + Placeholders.name(parts[1]));
    if (peaPod == null) {
      sized.remove(key);
      if (placeholder != null) {
        removePlaceholder(placeholder);
      }
      queue.forget(key);
      return;
    }
    if (PeaPods.deleting(peaPod)) {
      return; // its node's agent removes the VM; the placeholder goes once the PeaPod is gone
    }
    if (placeholder != null && !Placeholders.standsFor(placeholder, peaPod)) {
      removePlaceholder(placeholder); // left by an earlier PeaPod of the same name
      return;
    }
    Optional<String> bound = bound(peaPod);
    boolean boundByUs = annotation(peaPod, BOUND_BY).isPresent();
    if (placeholder == null) {
      placeholder = fresh(parts[0], parts[1]);
    }
    if (placeholder == null) {
      if (bound.isPresent() && boundByUs) {
        unbind(peaPod, bound.get(), "its placeholder Pod is gone from node " + bound.get() + " (node lost?)");
        return; // the label's removal brings the PeaPod back here, with a placeholder to make
      }
      createPlaceholder(peaPod, boundByUs ? Optional.empty() : bound);
      queue.forget(key);
      return;
    }
    if (bound.isPresent() && boundByUs && !bound.equals(Placeholders.node(placeholder))) {
      // Bound through a placeholder on its node, yet the one seen is elsewhere or unscheduled: a
      // new placeholder of the same name (a placeholder's node never changes). The cache may lag
      // behind the binding, so the API server decides.
      placeholder = fresh(parts[0], parts[1]);
      Optional<String> freshNode = placeholder == null ? Optional.empty() : Placeholders.node(placeholder);
      if (!bound.equals(freshNode)) {
        unbind(peaPod, bound.get(), placeholder == null ? "its placeholder Pod is gone from node " + bound.get()
            + " (node lost?)" : "its placeholder Pod " + placeholder.getMetadata().getName() + " is not the one"
            + " that put it on node " + bound.get() + " (that one is gone)");
        return;
      }
    }
    if (!sizedFor(placeholder, peaPod)) {
      resize(peaPod, placeholder);
      return;
    }
    Optional<String> scheduled = Placeholders.node(placeholder);
    if (scheduled.isPresent() && scheduled.get().equals(node) && bound.isEmpty()) {
      // Not from the cache alone: a placeholder deleted since (its node lost) while this agent's
      // PeaPod cache already shows the PeaPod unbound for it would bind it to this node again.
      Pod now = fresh(parts[0], parts[1]);
      if (now == null || !Objects.equals(now.getMetadata().getUid(), placeholder.getMetadata().getUid())) {
        queue.addAfter(key, Duration.ofMillis(100)); // the next pass sees what there is
        return;
      }
      bind(peaPod, now);
    }
    queue.forget(key);
  }

  /** The placeholder of PeaPod {@code name} as the API server has it now, or null. */
  private Pod fresh(String namespace, String name) {
    return client.pods().inNamespace(namespace).withName(Placeholders.name(name)).get();
  }

  /**
   * The PeaPod's VM, from its spec as the node's agent reads it; parsed once per resourceVersion,
   * since every change of a PeaPod or its placeholder brings it here. Empty when the spec is
   * invalid: nothing to size a VM by.
   */
  private Optional<VmSettings> vm(GenericKubernetesResource peaPod) {
    return sized(peaPod).vm();
  }

  private Sized sized(GenericKubernetesResource peaPod) {
    String key = PeaPods.key(peaPod);
    String version = peaPod.getMetadata().getResourceVersion();
    Sized last = sized.get(key);
    if (last != null && Objects.equals(last.resourceVersion(), version)) {
      return last;
    }
    Sized now;
    try {
      now = new Sized(version, Optional.of(new KubernetesSource(peaPod).read().pods().get(0).manifest().spec().vm()),
          null);
    } catch (ManifestRejectedException e) {
      now = new Sized(version, Optional.empty(), e);
    }
    sized.put(key, now);
    return now;
  }

  /**
   * Whether the placeholder asks for what the PeaPod's VM takes now. An invalid spec sizes no VM:
   * its placeholder stays as it is until the spec is mended.
   */
  private boolean sizedFor(Pod placeholder, GenericKubernetesResource peaPod) {
    return vm(peaPod).map(vm -> Placeholders.sameRequests(Placeholders.requests(placeholder),
        Placeholders.requests(vm))).orElse(true);
  }

  /**
   * The PeaPod's VM changed size (its {@code spec.vm} or its pod's resources): a Pod's requests
   * cannot be changed in place, so its placeholder is deleted (only the one judged: its
   * resourceVersion is the delete's precondition) and the next pass makes one of the new size, as
   * after a lost node: a PeaPod the scheduler placed is placed again (a new size is a new VM,
   * which the scheduler may put elsewhere), one bound by hand gets its placeholder back on its
   * node, an unbound one waits for the scheduler with the new requests.
   */
  private void resize(GenericKubernetesResource peaPod, Pod placeholder) {
    Map<String, Quantity> from = Placeholders.requests(placeholder);
    try {
      client.pods().inNamespace(placeholder.getMetadata().getNamespace()).withName(placeholder.getMetadata().getName())
          .lockResourceVersion(placeholder.getMetadata().getResourceVersion()).delete();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404 && e.getCode() != 409) {
        throw e;
      }
      queue.addAfter(PeaPods.key(peaPod), Duration.ofMillis(100));
      return;
    }
    events.normal(peaPod, "Resized", "its VM's size changed: placeholder Pod " + placeholder.getMetadata().getName()
        + " asked for " + Placeholders.describe(from) + ", is made again with "
        + vm(peaPod).map(vm -> Placeholders.describe(Placeholders.requests(vm))).orElse("?")
        + (Placeholders.node(placeholder).isPresent() && annotation(peaPod, BOUND_BY).isPresent()
            ? "; the scheduler places the PeaPod again" : ""));
  }

  private void createPlaceholder(GenericKubernetesResource peaPod, Optional<String> pinned) {
    Sized sizedVm = sized(peaPod);
    if (sizedVm.vm().isEmpty()) {
      ManifestRejectedException e = sizedVm.rejected();
      // Nothing to size a VM by: no node gets it. Its status says why once it is bound; an
      // unbound one is told by the Event.
      events.warning(peaPod, "FailedPlacement", "not placed: its spec is invalid ("
          + e.diagnostics().get(0).path() + ": " + e.diagnostics().get(0).message() + ")");
      return;
    }
    Pod pod = Placeholders.of(peaPod, sizedVm.vm().get(), pinned, client.getKubernetesSerialization());
    try {
      client.pods().inNamespace(peaPod.getMetadata().getNamespace()).resource(pod).create();
      LOG.log(System.Logger.Level.INFO, "PeaPod " + PeaPods.key(peaPod) + ": placeholder Pod "
          + pod.getMetadata().getName() + " created, asking for " + pod.getSpec().getContainers().get(0)
          .getResources().getRequests());
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        throw e;
      }
    }
  }

  private void removePlaceholder(Pod placeholder) {
    try {
      client.pods().inNamespace(placeholder.getMetadata().getNamespace()).withName(placeholder.getMetadata().getName())
          .delete();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) {
        throw e;
      }
    }
  }

  /** Labels the PeaPod with this node, unless it changed since the cache saw it (then: next pass). */
  private void bind(GenericKubernetesResource peaPod, Pod placeholder) {
    ArrayNode patch = JSON.createArrayNode();
    patch.addObject().put("op", "test").put("path", "/metadata/resourceVersion")
        .put("value", peaPod.getMetadata().getResourceVersion());
    if (peaPod.getMetadata().getLabels() == null) {
      patch.addObject().put("op", "add").put("path", "/metadata/labels").putObject("value");
    }
    if (peaPod.getMetadata().getAnnotations() == null) {
      patch.addObject().put("op", "add").put("path", "/metadata/annotations").putObject("value");
    }
    patch.addObject().put("op", "add").put("path", "/metadata/labels/" + pointer(PeaPods.NODE_LABEL))
        .put("value", node);
    patch.addObject().put("op", "add").put("path", "/metadata/annotations/" + pointer(BOUND_BY))
        .put("value", placeholder.getMetadata().getName());
    GenericKubernetesResource now = patchPeaPod(peaPod, patch);
    if (now != null) {
      events.normal(now, "Scheduled", "bound to node " + node + ", where the scheduler put its placeholder Pod "
          + placeholder.getMetadata().getName());
    }
  }

  /** Takes the PeaPod off a node it was bound to through a placeholder that no longer exists ({@code why}). */
  private void unbind(GenericKubernetesResource peaPod, String lostNode, String why) {
    ArrayNode patch = JSON.createArrayNode();
    String label = "/metadata/labels/" + pointer(PeaPods.NODE_LABEL);
    patch.addObject().put("op", "test").put("path", label).put("value", lostNode);
    patch.addObject().put("op", "remove").put("path", label);
    patch.addObject().put("op", "remove").put("path", "/metadata/annotations/" + pointer(BOUND_BY));
    GenericKubernetesResource now = patchPeaPod(peaPod, patch);
    if (now != null) {
      events.warning(now, "Unbound", why + "; placing it again");
    }
  }

  /** The PeaPod after the patch, or null when a test failed or it is gone (the next pass sees why). */
  private GenericKubernetesResource patchPeaPod(GenericKubernetesResource peaPod, ArrayNode patch) {
    try {
      return client.genericKubernetesResources(PeaPods.CONTEXT).inNamespace(peaPod.getMetadata().getNamespace())
          .withName(peaPod.getMetadata().getName()).patch(PatchContext.of(PatchType.JSON), patch.toString());
    } catch (KubernetesClientException e) {
      if (e.getCode() == 404 || e.getCode() == 409 || e.getCode() == 422) {
        queue.addAfter(PeaPods.key(peaPod), Duration.ofMillis(100));
        return null;
      }
      throw e;
    }
  }

  static Optional<String> bound(GenericKubernetesResource peaPod) {
    Map<String, String> labels = peaPod.getMetadata().getLabels();
    return Optional.ofNullable(labels == null ? null : labels.get(PeaPods.NODE_LABEL)).filter(n -> !n.isEmpty());
  }

  private static Optional<String> annotation(GenericKubernetesResource peaPod, String name) {
    Map<String, String> annotations = peaPod.getMetadata().getAnnotations();
    return Optional.ofNullable(annotations == null ? null : annotations.get(name));
  }

  /** A name as one step of a JSON Pointer (RFC 6901): {@code /} is {@code ~1}. */
  private static String pointer(String name) {
    return name.replace("~", "~0").replace("/", "~1");
  }
}
