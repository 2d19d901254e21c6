package dev.peapod.kubernetes.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.PreserveUnknownFields;

/** Where a variable's value comes from instead of {@code value}. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@PreserveUnknownFields
public final class EnvVarSource {

  @JsonPropertyDescription("A field of the PeaPod (the downward API): metadata.name, metadata.namespace, metadata.uid, metadata.labels['k'], metadata.annotations['k'], spec.nodeName, spec.serviceAccountName, status.podIP(s), status.hostIP(s).")
  public ObjectFieldSelector fieldRef;

  @JsonPropertyDescription("A container's CPU or memory request or limit (the downward API).")
  public ResourceFieldSelector resourceFieldRef;

  @JsonPropertyDescription("A key of a ConfigMap in the PeaPod's namespace.")
  public KeySelector configMapKeyRef;

  @JsonPropertyDescription("A key of a Secret in the PeaPod's namespace: refused for now (the node would record the value on its disk).")
  public KeySelector secretKeyRef;
}
