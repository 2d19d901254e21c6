package dev.peapod.kubernetes.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.PreserveUnknownFields;

/** A probe guest-init runs, with Kubernetes' meaning; one of exec, httpGet, tcpSocket, grpc. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@PreserveUnknownFields
public final class Probe {

  @JsonPropertyDescription("Runs a command in the container; exit code 0 passes.")
  public ExecAction exec;

  @JsonPropertyDescription("An HTTP GET from inside the pod; 200-399 passes.")
  public HTTPGetAction httpGet;

  @JsonPropertyDescription("A TCP connection from inside the pod; connecting passes.")
  public TCPSocketAction tcpSocket;

  @JsonPropertyDescription("grpc.health.v1.Health/Check over h2c to the pod; SERVING passes.")
  public GRPCAction grpc;

  @JsonPropertyDescription("Seconds from the container's start to the first run (0).")
  public Integer initialDelaySeconds;

  @JsonPropertyDescription("Seconds between runs (10).")
  public Integer periodSeconds;

  @JsonPropertyDescription("A run that takes longer fails (1 s).")
  public Integer timeoutSeconds;

  @JsonPropertyDescription("Passes in a row that count (1; must be 1 for liveness and startup).")
  public Integer successThreshold;

  @JsonPropertyDescription("Failures in a row that count (3).")
  public Integer failureThreshold;

  @JsonPropertyDescription("Liveness and startup only: the grace period of a container this probe ends.")
  public Long terminationGracePeriodSeconds;
}
