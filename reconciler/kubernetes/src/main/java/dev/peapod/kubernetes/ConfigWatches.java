package dev.peapod.kubernetes;

import dev.peapod.engine.config.ConfigResolver;
import dev.peapod.engine.source.SourceUnavailableException;
import dev.peapod.manifest.model.ConfigObject;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * The ConfigMaps and Secrets the node's PeaPods refer to, read from the API server: the
 * Kubernetes side of the engine's {@link ConfigResolver} seam.
 *
 * <p>As the kubelet does, the agent watches each referenced object by itself (an informer with a
 * field selector on its name), never every ConfigMap and Secret of the cluster: a node holds in
 * memory only what its PeaPods use, and RBAC needs {@code list} and {@code watch} on the two
 * kinds. An object's watch starts when a pass first asks for it, and ends once no PeaPod of the
 * node refers to it any more. A change, creation or deletion of a watched object queues every
 * PeaPod that refers to it, so a changed ConfigMap re-plans the PeaPods that use it (the plan
 * says {@code because configmap "web-config" changed}).
 *
 * <p>A Secret's values live in memory only: in the informer's cache and in the {@link
 * ConfigObject}s made from it, whose {@code toString} shows keys and a hash, never values. Nothing
 * here writes them anywhere or logs them.
 */
final class ConfigWatches implements AutoCloseable {

  private static final System.Logger LOG = System.getLogger(ConfigWatches.class.getName());

  /** How long a pass waits for a new watch's first list before it gives up (and is retried). */
  private static final Duration FIRST_LIST = Duration.ofSeconds(10);

  private final KubernetesClient client;
  private final Consumer<String> requeue;
  /** Watched object ({@link ConfigObject#reference}) to its informer. */
  private final Map<String, Watch> watches = new HashMap<>();
  /** PeaPod key to the objects its last pass referred to. */
  private final Map<String, Set<String>> usedBy = new HashMap<>();

  /**
   * @param requeue queues a PeaPod (by its {@code NAMESPACE/NAME} key) whose ConfigMap or Secret changed
   */
  ConfigWatches(KubernetesClient client, Consumer<String> requeue) {
    this.client = client;
    this.requeue = requeue;
  }

  /**
   * The resolver for one pass over the PeaPod {@code key}: what it asks for becomes what the
   * PeaPod refers to (replacing what its previous pass asked for), and is watched from then on.
   */
  ConfigResolver forPass(String key) {
    Set<String> asked = new HashSet<>();
    synchronized (this) {
      Set<String> before = usedBy.put(key, asked);
      if (before != null) {
        before.forEach(this::closeIfUnused);
      }
    }
    return (kind, namespace, name) -> {
      String reference = ConfigObject.reference(kind, namespace, name);
      Watch watch;
      synchronized (this) {
        asked.add(reference);
        watch = watches.computeIfAbsent(reference, r -> watch(kind, namespace, name, r));
      }
      awaitFirstList(watch, reference);
      return watch.informer().getStore().list().stream().filter(o -> name.equals(o.getMetadata().getName())).findFirst()
          .map(o -> toConfigObject(o, kind, namespace, name));
    };
  }

  /** The PeaPod is gone from this node: it refers to nothing any more. */
  synchronized void forget(String key) {
    Set<String> before = usedBy.remove(key);
    if (before != null) {
      before.forEach(this::closeIfUnused);
    }
  }

  /** The objects watched now (their {@link ConfigObject#reference}s), for tests. */
  synchronized Set<String> watched() {
    return Set.copyOf(watches.keySet());
  }

  @Override
  public synchronized void close() {
    watches.values().forEach(w -> w.informer().close());
    watches.clear();
    usedBy.clear();
  }

  private void closeIfUnused(String reference) {
    if (usedBy.values().stream().noneMatch(s -> s.contains(reference))) {
      Watch watch = watches.remove(reference);
      if (watch != null) {
        watch.informer().close();
      }
    }
  }

  /** One object's informer and its first list. */
  private record Watch(SharedIndexInformer<? extends HasMetadata> informer, CompletableFuture<Void> listed) {}

  private Watch watch(ConfigObject.Kind kind, String namespace, String name, String reference) {
    SharedIndexInformer<? extends HasMetadata> informer = kind == ConfigObject.Kind.CONFIG_MAP
        ? client.configMaps().inNamespace(namespace).withName(name).runnableInformer(0)
        : client.secrets().inNamespace(namespace).withName(name).runnableInformer(0);
    addHandler(informer, reference);
    informer.exceptionHandler((started, e) -> {
      LOG.log(System.Logger.Level.WARNING, "watching " + kind.word() + " " + namespace + "/" + name + ": "
          + e.getMessage() + "; trying again");
      return true;
    });
    return new Watch(informer, informer.start().toCompletableFuture());
  }

  private <T extends HasMetadata> void addHandler(SharedIndexInformer<T> informer, String reference) {
    informer.addEventHandler(new ResourceEventHandler<T>() {
      @Override
      public void onAdd(T object) {
        changed(reference);
      }

      @Override
      public void onUpdate(T before, T after) {
        if (!before.getMetadata().getResourceVersion().equals(after.getMetadata().getResourceVersion())) {
          changed(reference);
        }
      }

      @Override
      public void onDelete(T object, boolean finalStateUnknown) {
        changed(reference);
      }
    });
  }

  private void changed(String reference) {
    List<String> keys;
    synchronized (this) {
      keys = usedBy.entrySet().stream().filter(e -> e.getValue().contains(reference)).map(Map.Entry::getKey).toList();
    }
    keys.forEach(requeue);
  }

  private static void awaitFirstList(Watch watch, String reference) {
    try {
      watch.listed().get(FIRST_LIST.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SourceUnavailableException("interrupted while reading " + reference, false, e);
    } catch (ExecutionException | TimeoutException e) {
      throw new SourceUnavailableException("cannot read " + reference + " from the API server: "
          + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()), false, e);
    }
  }

  /** The object's keys and bytes, as the kubelet would hand them to a container. */
  static ConfigObject toConfigObject(HasMetadata object, ConfigObject.Kind kind, String namespace, String name) {
    Map<String, byte[]> data = new HashMap<>();
    String type = "";
    if (object instanceof ConfigMap map) {
      if (map.getData() != null) {
        map.getData().forEach((k, v) -> data.put(k, v.getBytes(StandardCharsets.UTF_8)));
      }
      if (map.getBinaryData() != null) {
        map.getBinaryData().forEach((k, v) -> data.put(k, Base64.getDecoder().decode(v)));
      }
    } else {
      Secret secret = (Secret) object;
      type = Optional.ofNullable(secret.getType()).orElse("Opaque");
      if (secret.getData() != null) {
        secret.getData().forEach((k, v) -> data.put(k, Base64.getDecoder().decode(v)));
      }
      // Written by clients, merged into data by a real API server; a test server may keep it apart.
      if (secret.getStringData() != null) {
        secret.getStringData().forEach((k, v) -> data.put(k, v.getBytes(StandardCharsets.UTF_8)));
      }
    }
    return new ConfigObject(kind, namespace, name, type, data, "k8s:" + namespace + "/" + name, 0, 0);
  }
}
