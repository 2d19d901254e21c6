package dev.peapod.provider;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * What a probe or a lifecycle hook does, as Kubernetes' handlers do. The guest
 * runs it: an exec in the container, HTTP and TCP from the pod's network
 * namespace (so {@code 127.0.0.1} is the pod itself).
 */
public sealed interface ProbeAction {

  /** Runs {@code command} in the container; exit code 0 passes. */
  record Exec(List<String> command) implements ProbeAction {
    public Exec {
      command = List.copyOf(command);
    }
  }

  /**
   * {@code GET path} over HTTP/1.1 to {@code host:port}; a status of 200-399 passes.
   *
   * @param host an IPv4 literal
   * @param headers extra request headers in order, as "Name: value" lines would be
   * @param https over TLS 1.3, the server's certificate not verified (as the kubelet's HTTPS probes)
   */
  record HttpGet(String host, int port, String path, List<Header> headers, boolean https)
      implements ProbeAction {
    public HttpGet {
      Objects.requireNonNull(host, "host");
      Objects.requireNonNull(path, "path");
      headers = List.copyOf(headers);
    }

    /** Plain HTTP. */
    public HttpGet(String host, int port, String path, List<Header> headers) {
      this(host, port, path, headers, false);
    }
  }

  /**
   * grpc.health.v1.Health/Check over HTTP/2 with prior knowledge (h2c) to {@code host:port};
   * an answer of SERVING passes, anything else fails (as the kubelet's grpc probe).
   *
   * @param host an IPv4 literal
   * @param service the health check's service, "" for the server as a whole
   */
  record Grpc(String host, int port, String service) implements ProbeAction {
    public Grpc {
      Objects.requireNonNull(host, "host");
      Objects.requireNonNull(service, "service");
    }
  }

  /** One HTTP request header. */
  record Header(String name, String value) {}

  /** Opens a TCP connection to {@code host:port}; a connection passes. */
  record TcpSocket(String host, int port) implements ProbeAction {
    public TcpSocket {
      Objects.requireNonNull(host, "host");
    }
  }

  /** Waits; hooks only. */
  record Sleep(Duration duration) implements ProbeAction {
    public Sleep {
      Objects.requireNonNull(duration, "duration");
    }
  }
}
