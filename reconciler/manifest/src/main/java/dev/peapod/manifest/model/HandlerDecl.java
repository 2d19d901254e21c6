package dev.peapod.manifest.model;

import java.util.List;

/**
 * What a probe or a lifecycle hook does, as declared ({@code exec}, {@code httpGet},
 * {@code tcpSocket}, {@code sleep}), with a named port already resolved to its number.
 */
public sealed interface HandlerDecl {

  /** {@code exec.command}: run in the container, exit code 0 passes. */
  record Exec(List<String> command) implements HandlerDecl {
    public Exec {
      command = List.copyOf(command);
    }
  }

  /**
   * {@code httpGet}: a GET from inside the pod; 200-399 passes.
   *
   * @param host IPv4 literal; {@code 127.0.0.1} (the pod itself) when not written
   * @param headers {@code httpHeaders} in order
   * @param https {@code scheme: HTTPS}: over TLS, the certificate not verified (as the kubelet)
   */
  record HttpGet(String host, int port, String path, List<HttpHeader> headers, boolean https)
      implements HandlerDecl {
    public HttpGet {
      headers = List.copyOf(headers);
    }

    /** Plain HTTP. */
    public HttpGet(String host, int port, String path, List<HttpHeader> headers) {
      this(host, port, path, headers, false);
    }
  }

  /**
   * {@code grpc}: grpc.health.v1.Health/Check over h2c to the pod itself; SERVING passes.
   *
   * @param service {@code service}, "" (the server as a whole) when not written
   */
  record Grpc(int port, String service) implements HandlerDecl {}

  /** One of {@code httpGet.httpHeaders}. */
  record HttpHeader(String name, String value) {}

  /** {@code tcpSocket}: a connection passes. */
  record TcpSocket(String host, int port) implements HandlerDecl {}

  /** {@code sleep.seconds}: hooks only. */
  record Sleep(long seconds) implements HandlerDecl {}
}
