package dev.peapod.kubernetes;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Kubernetes Events about PeaPods ({@code kubectl describe pp web} lists them), with the messages
 * the CLI prints. The same event twice in a row for one PeaPod (a failure retried with backoff) is
 * recorded once. An event that cannot be written is logged and forgotten: it never fails a pass.
 */
final class AgentEvents {

  private static final System.Logger LOG = System.getLogger(AgentEvents.class.getName());

  static final String COMPONENT = "peapod-agent";

  private final KubernetesClient client;
  private final String node;
  private final Clock clock;
  private final Map<String, String> last = new ConcurrentHashMap<>();

  AgentEvents(KubernetesClient client, String node, Clock clock) {
    this.client = client;
    this.node = node;
    this.clock = clock;
  }

  void normal(GenericKubernetesResource peaPod, String reason, String message) {
    record(peaPod, "Normal", reason, message);
  }

  void warning(GenericKubernetesResource peaPod, String reason, String message) {
    record(peaPod, "Warning", reason, message);
  }

  private void record(GenericKubernetesResource peaPod, String type, String reason, String message) {
    String key = PeaPods.key(peaPod);
    if ((type + reason + message).equals(last.put(key, type + reason + message))) {
      return;
    }
    String now = clock.instant().toString();
    String namespace = peaPod.getMetadata().getNamespace();
    Event event = new EventBuilder()
        .withNewMetadata().withNamespace(namespace)
        .withName(peaPod.getMetadata().getName() + "." + Long.toHexString(ThreadLocalRandom.current().nextLong()))
        .endMetadata()
        .withNewInvolvedObject().withApiVersion(PeaPods.API_VERSION).withKind(PeaPods.KIND).withNamespace(namespace)
        .withName(peaPod.getMetadata().getName()).withUid(peaPod.getMetadata().getUid())
        .withResourceVersion(peaPod.getMetadata().getResourceVersion()).endInvolvedObject()
        .withType(type).withReason(reason).withMessage(message)
        .withNewSource().withComponent(COMPONENT).withHost(node).endSource()
        .withReportingComponent("peapod.dev/agent").withReportingInstance(node)
        .withFirstTimestamp(now).withLastTimestamp(now).withCount(1)
        .build();
    try {
      client.v1().events().inNamespace(namespace).resource(event).create();
    } catch (KubernetesClientException e) {
      LOG.log(System.Logger.Level.WARNING, "PeaPod " + key + ": cannot record event " + reason + " (" + message + "): "
          + e.getMessage());
    }
  }
}
