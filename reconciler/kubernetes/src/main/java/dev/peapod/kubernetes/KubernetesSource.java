package dev.peapod.kubernetes;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peapod.engine.ManifestRejectedException;
import dev.peapod.engine.config.ConfigReferences;
import dev.peapod.engine.config.ConfigResolver;
import dev.peapod.engine.source.DesiredSnapshot;
import dev.peapod.engine.source.DesiredStateSource;
import dev.peapod.engine.spec.ManifestToPodSpec;
import dev.peapod.manifest.ManifestParser;
import dev.peapod.manifest.ParseResult;
import dev.peapod.manifest.diag.Diagnostic;
import dev.peapod.manifest.diag.Severity;
import dev.peapod.plan.DesiredPod;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The desired state of one PeaPod custom resource: its one pod, {@code NAMESPACE--NAME} on the
 * node, or nothing once the PeaPod is being deleted. Its owner is {@code k8s:NAMESPACE/NAME}, so
 * the engine's plan for it can touch that pod and no other: prune is per PeaPod, and a list that
 * came back empty (an unsynced cache, a lost permission) removes nothing.
 *
 * <p>The object is read raw and handed, as JSON, to the same manifest parser that reads files:
 * metadata (the node's pod name, labels, annotations) and spec exactly as the API server stores
 * them. The CRD keeps fields it does not know ({@code x-kubernetes-preserve-unknown-fields}), so
 * a field Peapod does not support reaches the parser and is reported with the parser's message;
 * nothing is dropped on the way.
 */
public final class KubernetesSource implements DesiredStateSource {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** kubectl's copy of the whole object: says nothing about the pod, and would make every apply an update. */
  static final String LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";
  // Placement.BOUND_BY, written by the agents when they bind it, is no more the pod's than that.

  private final GenericKubernetesResource peaPod;
  private final ConfigResolver configs;

  /** A PeaPod whose ConfigMap and Secret references find nothing (optional ones are left out). */
  public KubernetesSource(GenericKubernetesResource peaPod) {
    this(peaPod, ConfigResolver.NONE);
  }

  /**
   * @param peaPod the object as the informer last saw it
   * @param configs where its ConfigMaps and Secrets are read, in the PeaPod's namespace (the node
   *     agent's {@link ConfigWatches})
   */
  public KubernetesSource(GenericKubernetesResource peaPod, ConfigResolver configs) {
    this.peaPod = peaPod;
    this.configs = configs;
  }

  @Override
  public String owner() {
    return PeaPods.owner(peaPod);
  }

  /** The pod's name on the node. */
  public String podName() {
    return PeaPods.podName(peaPod.getMetadata().getNamespace(), peaPod.getMetadata().getName());
  }

  @Override
  public DesiredSnapshot read() {
    String revision = "generation:" + PeaPods.generation(peaPod);
    if (PeaPods.deleting(peaPod)) {
      return new DesiredSnapshot(revision + " (deleted)", List.of(), List.of());
    }
    String origin = owner();
    PeaPods.podNameProblem(peaPod.getMetadata().getNamespace(), peaPod.getMetadata().getName()).ifPresent(p -> {
      throw new ManifestRejectedException(List.of(new Diagnostic(Severity.ERROR, origin, 0, 0, "metadata.name", p)),
          revision);
    });
    ParseResult parsed = ManifestParser.parseJson(origin, document());
    List<Diagnostic> problems = new ArrayList<>(parsed.diagnostics().errors());
    parsed.manifests().forEach(m -> problems.addAll(ManifestToPodSpec.unsupported(m)));
    if (!problems.isEmpty() || parsed.manifests().size() != 1) {
      throw new ManifestRejectedException(problems, revision);
    }
    ConfigReferences.Attached attached = ConfigReferences.attach(parsed.manifests().get(0),
        peaPod.getMetadata().getNamespace(), configs);
    if (!attached.errors().isEmpty()) {
      throw new ManifestRejectedException(attached.errors(), revision);
    }
    return new DesiredSnapshot(revision, List.of(DesiredPod.of(attached.pod())), parsed.diagnostics().warnings());
  }

  /**
   * The spec with {@code hostname} defaulted to the PeaPod's own name, as Kubernetes names a Pod's
   * host: the parser would default it to the pod's name on the node ({@code NAMESPACE--NAME}),
   * and the same manifest would see another host name as a resource than as a file.
   */
  private Object withHostname(Object spec) {
    if (!(spec instanceof Map<?, ?> given) || given.containsKey("hostname")) {
      return spec;
    }
    Map<Object, Object> copy = new LinkedHashMap<>(given);
    copy.put("hostname", peaPod.getMetadata().getName());
    return copy;
  }

  /** The PeaPod as the manifest parser reads a file: apiVersion, kind, metadata, spec. */
  String document() {
    Map<String, Object> metadata = new LinkedHashMap<>();
    metadata.put("name", podName());
    if (peaPod.getMetadata().getLabels() != null) {
      metadata.put("labels", peaPod.getMetadata().getLabels());
    }
    Map<String, String> annotations = new LinkedHashMap<>();
    if (peaPod.getMetadata().getAnnotations() != null) {
      annotations.putAll(peaPod.getMetadata().getAnnotations());
      annotations.remove(LAST_APPLIED);
      annotations.remove(Placement.BOUND_BY);
    }
    if (!annotations.isEmpty()) {
      metadata.put("annotations", annotations);
    }
    Map<String, Object> document = new LinkedHashMap<>();
    document.put("apiVersion", peaPod.getApiVersion());
    document.put("kind", peaPod.getKind());
    document.put("metadata", metadata);
    document.put("spec", withHostname(peaPod.getAdditionalProperties().get("spec")));
    try {
      return JSON.writeValueAsString(document);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a PeaPod read from the API is JSON", e);
    }
  }
}
