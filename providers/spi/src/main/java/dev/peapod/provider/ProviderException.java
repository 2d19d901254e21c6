package dev.peapod.provider;

import java.util.Optional;

/**
 * A provider operation failed. The message is complete and names the pod and,
 * where one is involved, the container; it is fit to show to a user as is.
 */
public class ProviderException extends RuntimeException {

  private final String pod;
  private final String container;

  public ProviderException(String pod, String message) {
    this(pod, null, message, null);
  }

  public ProviderException(String pod, String container, String message, Throwable cause) {
    super(describe(pod, container, message), cause);
    this.pod = pod;
    this.container = container;
  }

  public String pod() {
    return pod;
  }

  public Optional<String> container() {
    return Optional.ofNullable(container);
  }

  private static String describe(String pod, String container, String message) {
    StringBuilder sb = new StringBuilder("pod \"").append(pod).append('"');
    if (container != null) {
      sb.append(", container \"").append(container).append('"');
    }
    return sb.append(": ").append(message).toString();
  }
}
