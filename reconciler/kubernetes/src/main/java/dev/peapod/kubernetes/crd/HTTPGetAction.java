package dev.peapod.kubernetes.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.PreserveUnknownFields;
import io.fabric8.kubernetes.api.model.IntOrString;
import java.util.List;

/** An HTTP GET from inside the pod. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@PreserveUnknownFields
public final class HTTPGetAction {

  @JsonPropertyDescription("Request path, / by default.")
  public String path;

  @JsonPropertyDescription("A port number, or the name of one of the container's ports.")
  public IntOrString port;

  @JsonPropertyDescription("IPv4 address; the pod itself (127.0.0.1) when left out.")
  public String host;

  @JsonPropertyDescription("HTTP (default) or HTTPS (TLS 1.3, the certificate not verified, as the kubelet).")
  public String scheme;

  @JsonPropertyDescription("Extra request headers.")
  public List<HTTPHeader> httpHeaders;
}
