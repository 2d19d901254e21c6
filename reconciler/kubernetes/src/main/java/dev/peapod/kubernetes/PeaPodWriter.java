package dev.peapod.kubernetes;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.peapod.kubernetes.crd.PeaPodStatus;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.util.List;
import java.util.Objects;

/**
 * Writes to PeaPods what the agent owns of them: the status and the finalizer. Every write is an
 * RFC 6902 JSON Patch, never a merge patch: the test API server's merge patch is not RFC 7386
 * (it appends lists and stores nulls), and a JSON Patch means the same on any server. Finalizer
 * patches {@code test} what they change first, so a concurrent edit of the list fails the patch
 * (and the pass is retried) instead of removing someone else's finalizer.
 */
final class PeaPodWriter {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final KubernetesClient client;

  PeaPodWriter(KubernetesClient client) {
    this.client = client;
  }

  private Resource<GenericKubernetesResource> resource(GenericKubernetesResource peaPod) {
    return client.genericKubernetesResources(PeaPods.CONTEXT).inNamespace(peaPod.getMetadata().getNamespace())
        .withName(peaPod.getMetadata().getName());
  }

  /** The conditions of the PeaPod's status now; empty when it has none (or they do not parse). */
  List<Condition> conditions(GenericKubernetesResource peaPod) {
    Object status = peaPod.getAdditionalProperties().get("status");
    if (status == null) {
      return List.of();
    }
    try {
      PeaPodStatus current = client.getKubernetesSerialization().convertValue(status, PeaPodStatus.class);
      return current.conditions == null ? List.of() : current.conditions;
    } catch (RuntimeException e) {
      return List.of();
    }
  }

  /**
   * Replaces the status when it differs from what the PeaPod has (an unchanged status is not
   * written: every write is an event to every watcher).
   *
   * @return whether it was written
   */
  boolean writeStatus(GenericKubernetesResource peaPod, PeaPodStatus status) {
    JsonNode wanted = tree(client.getKubernetesSerialization().asJson(status));
    Object current = peaPod.getAdditionalProperties().get("status");
    if (current != null && wanted.equals(tree(client.getKubernetesSerialization().asJson(current)))) {
      return false;
    }
    ArrayNode patch = JSON.createArrayNode();
    patch.addObject().put("op", "add").put("path", "/status").set("value", wanted);
    resource(peaPod).subresource("status").patch(PatchContext.of(PatchType.JSON), patch.toString());
    return true;
  }

  /** Adds the agent's finalizer; returns the PeaPod as the server has it now. */
  GenericKubernetesResource addFinalizer(GenericKubernetesResource peaPod) {
    ArrayNode patch = JSON.createArrayNode();
    List<String> finalizers = peaPod.getMetadata().getFinalizers();
    if (finalizers == null || finalizers.isEmpty()) {
      ObjectNode test = patch.addObject().put("op", "test").put("path", "/metadata/resourceVersion");
      test.put("value", peaPod.getMetadata().getResourceVersion());
      patch.addObject().put("op", "add").put("path", "/metadata/finalizers").putArray("value").add(PeaPods.FINALIZER);
    } else {
      patch.addObject().put("op", "add").put("path", "/metadata/finalizers/-").put("value", PeaPods.FINALIZER);
    }
    return resource(peaPod).patch(PatchContext.of(PatchType.JSON), patch.toString());
  }

  /** Removes the agent's finalizer, and with it the last thing holding a deleted PeaPod back. */
  void removeFinalizer(GenericKubernetesResource peaPod) {
    List<String> finalizers = peaPod.getMetadata().getFinalizers();
    int index = finalizers == null ? -1 : finalizers.indexOf(PeaPods.FINALIZER);
    if (index < 0) {
      return;
    }
    ArrayNode patch = JSON.createArrayNode();
    patch.addObject().put("op", "test").put("path", "/metadata/finalizers/" + index).put("value", PeaPods.FINALIZER);
    patch.addObject().put("op", "remove").put("path", "/metadata/finalizers/" + index);
    resource(peaPod).patch(PatchContext.of(PatchType.JSON), patch.toString());
  }

  private static JsonNode tree(String json) {
    try {
      return JSON.readTree(Objects.requireNonNull(json));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("the client's own JSON", e);
    }
  }
}
