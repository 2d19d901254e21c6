package dev.peapod.kubernetes.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.PreserveUnknownFields;

/** The gRPC health check of a probe, to the pod itself. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@PreserveUnknownFields
public final class GRPCAction {

  @JsonPropertyDescription("The port number (a number: Kubernetes takes no port name here).")
  public Integer port;

  @JsonPropertyDescription("The service to check; the server as a whole when left out.")
  public String service;
}
