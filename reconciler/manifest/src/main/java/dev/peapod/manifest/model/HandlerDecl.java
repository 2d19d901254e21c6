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
   */
  record HttpGet(String host, int port, String path, List<HttpHeader> headers) implements HandlerDecl {
    public HttpGet {
      headers = List.copyOf(headers);
    }
  }

  /** One of {@code httpGet.httpHeaders}. */
  record HttpHeader(String name, String value) {}

  /** {@code tcpSocket}: a connection passes. */
  record TcpSocket(String host, int port) implements HandlerDecl {}

  /** {@code sleep.seconds}: hooks only. */
  record Sleep(long seconds) implements HandlerDecl {}
}
