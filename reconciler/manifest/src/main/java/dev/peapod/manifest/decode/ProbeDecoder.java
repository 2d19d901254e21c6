package dev.peapod.manifest.decode;

import dev.peapod.manifest.model.HandlerDecl;
import dev.peapod.manifest.model.LifecycleDecl;
import dev.peapod.manifest.model.PortDecl;
import dev.peapod.manifest.model.ProbeDecl;
import dev.peapod.manifest.source.SourceNode;
import dev.peapod.manifest.source.SourceScalar;
import dev.peapod.manifest.source.SourceScalar.ScalarType;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Pattern;

/**
 * Decodes a container's {@code livenessProbe}, {@code readinessProbe}, {@code startupProbe} and
 * {@code lifecycle} with Kubernetes' defaults and validation rules (exactly one handler, periods
 * and thresholds of at least 1, a success threshold of 1 for liveness and startup, a probe-level
 * grace period on liveness and startup only), resolving a port given by name against the
 * container's own {@code ports}.
 *
 * <p>The guest runs them, so what it cannot run is refused here with the reason: a host that is not
 * an IPv4 address (no resolver in guest-init), and {@code tcpSocket} hooks (which Kubernetes
 * accepts but never runs). {@code grpc} probes and {@code scheme: HTTPS} run in the guest too.
 */
final class ProbeDecoder {

  private static final Pattern IPV4 = Pattern.compile(
      "((25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)");
  /** A header name is an HTTP token; a value holds no line break (it would start a new header). */
  private static final Pattern HEADER_NAME = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
  /** What Kubernetes' probes use when {@code host} is not written is the pod: here its loopback. */
  static final String POD_HOST = "127.0.0.1";

  private final List<PortDecl> ports;

  /** @param ports the container's declared ports, for {@code port: http} */
  ProbeDecoder(List<PortDecl> ports) {
    this.ports = ports;
  }

  LifecycleDecl decode(MapReader container) {
    Optional<ProbeDecl> liveness = probe(container, "livenessProbe", true);
    Optional<ProbeDecl> readiness = probe(container, "readinessProbe", false);
    Optional<ProbeDecl> startup = probe(container, "startupProbe", true);
    Optional<HandlerDecl> postStart = Optional.empty();
    Optional<HandlerDecl> preStop = Optional.empty();
    Optional<MapReader> lifecycle = container.object("lifecycle", Shapes.LIFECYCLE);
    if (lifecycle.isPresent()) {
      MapReader l = lifecycle.get();
      postStart = l.object("postStart", Shapes.LIFECYCLE_HANDLER).flatMap(h -> handler(h, true));
      preStop = l.object("preStop", Shapes.LIFECYCLE_HANDLER).flatMap(h -> handler(h, true));
      l.finish();
    }
    return new LifecycleDecl(liveness, readiness, startup, postStart, preStop);
  }

  private Optional<ProbeDecl> probe(MapReader container, String field, boolean restarts) {
    Optional<MapReader> reader = container.object(field, Shapes.PROBE);
    if (reader.isEmpty()) {
      return Optional.empty();
    }
    MapReader p = reader.get();
    Optional<HandlerDecl> handler = handler(p, false);
    long initialDelay = p.integer("initialDelaySeconds", 0, Integer.MAX_VALUE).orElse(0L);
    long period = p.integer("periodSeconds", 1, Integer.MAX_VALUE).orElse(10L);
    long timeout = p.integer("timeoutSeconds", 1, Integer.MAX_VALUE).orElse(1L);
    long success = p.integer("successThreshold", 1, Integer.MAX_VALUE).orElse(1L);
    long failure = p.integer("failureThreshold", 1, Integer.MAX_VALUE).orElse(3L);
    OptionalLong grace = p.integer("terminationGracePeriodSeconds", 1, 4_000_000L)
        .map(OptionalLong::of).orElse(OptionalLong.empty());
    if (restarts && success != 1) {
      p.problems().error(p.peek("successThreshold").orElseThrow(), p.path("successThreshold"),
          "must be 1 for a " + field + " (as in Kubernetes: only failures decide a restart)");
    }
    if (!restarts && grace.isPresent()) {
      p.problems().error(p.peek("terminationGracePeriodSeconds").orElseThrow(),
          p.path("terminationGracePeriodSeconds"),
          "only liveness and startup probes end a container, so only they take a grace period");
    }
    p.finish();
    return handler.map(h -> new ProbeDecl(h, initialDelay, period, timeout, success, failure, grace));
  }

  /** Exactly one handler of a probe ({@code hook} false) or lifecycle hook. */
  private Optional<HandlerDecl> handler(MapReader r, boolean hook) {
    List<HandlerDecl> found = new ArrayList<>();
    r.object("exec", Shapes.EXEC_ACTION).ifPresent(e -> {
      List<String> command = e.strings("command");
      if (command.isEmpty()) {
        e.problems().error(e.position(), e.path("command"), "an exec handler needs a command");
      }
      e.finish();
      found.add(new HandlerDecl.Exec(command));
    });
    r.object("httpGet", Shapes.HTTP_GET_ACTION).ifPresent(h -> found.add(httpGet(h)));
    if (hook) {
      r.object("sleep", Shapes.SLEEP_ACTION).ifPresent(s -> {
        long seconds = s.has("seconds") ? s.integer("seconds", 0, Integer.MAX_VALUE).orElse(0L)
            : required(s, "seconds");
        s.finish();
        found.add(new HandlerDecl.Sleep(seconds));
      });
    } else {
      r.object("tcpSocket", Shapes.TCP_SOCKET_ACTION).ifPresent(t -> {
        int port = port(t);
        String host = host(t);
        t.finish();
        found.add(new HandlerDecl.TcpSocket(host, port));
      });
      r.object("grpc", Shapes.GRPC_ACTION).ifPresent(g -> {
        // Kubernetes: a number only (no named port), service optional.
        int port = g.has("port") ? g.integer("port", 1, 65535).orElse(0L).intValue()
            : (int) required(g, "port");
        String service = g.string("service").orElse("");
        if (service.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 1024) {
          g.problems().error(g.peek("service").orElseThrow(), g.path("service"),
              "longer than the 1024 bytes guest-init sends");
        }
        g.finish();
        found.add(new HandlerDecl.Grpc(port, service));
      });
    }
    if (found.size() != 1) {
      r.problems().error(r.position(), r.path(), found.isEmpty()
          ? "needs a handler: one of "
              + (hook ? "exec, httpGet, sleep" : "exec, httpGet, tcpSocket, grpc")
          : "may have only one handler, has " + found.size());
      return Optional.empty();
    }
    return Optional.of(found.get(0));
  }

  private HandlerDecl httpGet(MapReader h) {
    int port = port(h);
    String host = host(h);
    String path = h.string("path").orElse("/");
    if (path.isEmpty()) {
      path = "/";
    }
    if (!path.startsWith("/") || path.chars().anyMatch(c -> c <= ' ' || c == 127)) {
      h.problems().error(h.peek("path").orElseThrow(), h.path("path"),
          "must start with '/' and hold no space or control character");
    }
    String scheme = h.string("scheme").orElse("HTTP");
    if (!scheme.equals("HTTP") && !scheme.equals("HTTPS")) {
      h.problems().error(h.peek("scheme").orElseThrow(), h.path("scheme"),
          "invalid value \"" + scheme + "\": must be one of HTTP, HTTPS");
    }
    List<HandlerDecl.HttpHeader> headers = new ArrayList<>();
    for (MapReader header : h.objects("httpHeaders", Shapes.HTTP_HEADER)) {
      String name = header.requiredString("name");
      String value = header.string("value").orElse("");
      if (!name.isEmpty() && !HEADER_NAME.matcher(name).matches()) {
        header.problems().error(header.peek("name").orElseThrow(), header.path("name"),
            "invalid HTTP header name \"" + name + "\"");
      }
      if (value.chars().anyMatch(c -> c == '\r' || c == '\n' || c == 0)) {
        header.problems().error(header.peek("value").orElseThrow(), header.path("value"),
            "an HTTP header value must not hold a line break");
      }
      header.finish();
      headers.add(new HandlerDecl.HttpHeader(name, value));
    }
    h.finish();
    return new HandlerDecl.HttpGet(host, port, path, headers, scheme.equals("HTTPS"));
  }

  private static String host(MapReader r) {
    String host = r.string("host").orElse("");
    if (host.isEmpty()) {
      return POD_HOST;
    }
    if (!IPV4.matcher(host).matches()) {
      r.problems().error(r.peek("host").orElseThrow(), r.path("host"), "\"" + host
          + "\" is not an IPv4 address: the guest resolves no names for probes; leave host out"
          + " to probe the pod itself");
    }
    return host;
  }

  /** {@code port}: a number, or the name of one of the container's ports. */
  private int port(MapReader r) {
    Optional<SourceNode> node = r.node("port");
    if (node.isEmpty()) {
      return (int) required(r, "port");
    }
    if (node.get() instanceof SourceScalar s && s.type() == ScalarType.STRING) {
      for (PortDecl p : ports) {
        if (!p.name().isEmpty() && p.name().equals(s.text())) {
          return p.containerPort();
        }
      }
      r.problems().error(s, r.path("port"), "\"" + s.text()
          + "\" is not the name of one of this container's ports");
      return 0;
    }
    return r.asInteger(node.get(), r.path("port"), 1, 65535).orElse(0L).intValue();
  }

  private static long required(MapReader r, String field) {
    r.problems().error(r.position(), r.path(field), "required field is missing");
    return 0;
  }
}
