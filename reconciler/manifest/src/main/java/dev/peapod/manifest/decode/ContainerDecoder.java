package dev.peapod.manifest.decode;

import dev.peapod.manifest.model.ContainerDecl;
import dev.peapod.manifest.model.EnvFromDecl;
import dev.peapod.manifest.model.EnvSource;
import dev.peapod.manifest.model.EnvVar;
import dev.peapod.manifest.model.LifecycleDecl;
import dev.peapod.manifest.model.ManifestNamed;
import dev.peapod.manifest.model.MountDecl;
import dev.peapod.manifest.model.PortDecl;
import dev.peapod.manifest.model.Protocol;
import dev.peapod.manifest.model.PullPolicy;
import dev.peapod.manifest.model.Resources;
import dev.peapod.manifest.model.Stdio;
import dev.peapod.manifest.source.SourceNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Decodes one Kubernetes {@code Container} of {@code containers} or {@code initContainers}. */
final class ContainerDecoder {

  static final Map<String, PullPolicy> PULL_POLICIES = enumMap(PullPolicy.values());
  private static final Map<String, Protocol> PROTOCOLS = new LinkedHashMap<>();

  static {
    PROTOCOLS.put("TCP", Protocol.TCP);
    PROTOCOLS.put("UDP", Protocol.UDP);
  }

  private final PodSites sites;
  private final SecurityContexts.PodLevel podSecurity;

  /**
   * @param sites where names and ports go for the pod-wide checks
   * @param podSecurity the pod's {@code securityContext}, which containers may override field by field
   */
  ContainerDecoder(PodSites sites, SecurityContexts.PodLevel podSecurity) {
    this.sites = sites;
    this.podSecurity = podSecurity;
  }

  ContainerDecl decode(MapReader r, boolean init) {
    String name = nameOf(r);
    String image = imageOf(r);
    Optional<PullPolicy> pullPolicy = r.choice("imagePullPolicy", PULL_POLICIES);
    List<String> command = r.strings("command");
    List<String> args = r.strings("args");
    List<EnvVar> env = env(r);
    List<EnvFromDecl> envFrom = EnvSourceDecoder.envFrom(r);
    String workingDir = r.string("workingDir").orElse("");
    if (!workingDir.isEmpty()) {
      NameRules.absolutePath(workingDir).ifPresent(
          m -> r.problems().error(r.peek("workingDir").orElseThrow(), r.path("workingDir"), m));
    }
    List<PortDecl> ports = ports(r);
    List<MountDecl> mounts = mounts(r);
    Resources resources =
        r.object("resources", Shapes.RESOURCES).map(ResourcesDecoder::decode).orElse(Resources.NONE);
    ResizePolicyDecoder.check(r);
    SecurityContexts.ContainerLevel security = SecurityContexts.container(
        r.object("securityContext", Shapes.CONTAINER_SECURITY_CONTEXT), podSecurity);
    boolean sidecar = restartPolicy(r, init);
    Stdio stdio = StdioDecoder.decode(r);
    if (init && !sidecar) {
      for (String field : List.of("livenessProbe", "readinessProbe", "startupProbe", "lifecycle")) {
        r.peek(field).ifPresent(at -> r.problems().error(at.position(), r.path(field),
            "an init container runs to completion, so it takes no probes or hooks (as in"
                + " Kubernetes); a sidecar (restartPolicy: Always) may have them"));
      }
    }
    LifecycleDecl lifecycle = new ProbeDecoder(ports).decode(r);
    r.finish();
    return new ContainerDecl(name, image, pullPolicy.orElse(null), command, args, env,
        workingDir, ports, mounts, resources, security.runAs(), sidecar, envFrom, stdio, null, lifecycle,
        security.security());
  }

  private String nameOf(MapReader r) {
    String name = r.requiredString("name");
    if (!name.isEmpty()) {
      SourceNode at = r.peek("name").orElseThrow();
      NameRules.dns1123Label(name).ifPresent(m -> r.problems().error(at, r.path("name"), m));
      sites.containerNames.add(new Located<>(name, at.position(), r.path("name")));
    }
    return name;
  }

  private static String imageOf(MapReader r) {
    String image = r.requiredString("image");
    if (!image.isEmpty()) {
      ImageReferenceRule.check(image).ifPresent(
          m -> r.problems().error(r.peek("image").orElseThrow(), r.path("image"), m));
    }
    return image;
  }

  private static List<EnvVar> env(MapReader r) {
    List<EnvVar> env = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (MapReader e : r.objects("env", Shapes.ENV_VAR)) {
      String name = e.requiredString("name");
      String value = e.string("value").orElse("");
      EnvSource valueFrom = e.object("valueFrom", Shapes.ENV_VAR_SOURCE).flatMap(EnvSourceDecoder::valueFrom)
          .orElse(null);
      if (e.has("value") && e.has("valueFrom") && !value.isEmpty()) {
        e.problems().error(e.peek("valueFrom").orElseThrow(), e.path("valueFrom"),
            "a variable has a value or a valueFrom, not both");
      }
      e.finish();
      if (name.isEmpty()) {
        continue;
      }
      SourceNode at = e.peek("name").orElseThrow();
      NameRules.envName(name).ifPresent(m -> e.problems().error(at, e.path("name"), m));
      if (!seen.add(name)) {
        // Kubernetes allows this (the last one wins) but warns; so do we.
        e.problems().warning(at.position(), e.path("name"),
            "environment variable \"" + name + "\" is set more than once; the last value wins");
      }
      env.add(new EnvVar(name, value, valueFrom));
    }
    return env;
  }

  private List<PortDecl> ports(MapReader r) {
    List<PortDecl> ports = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (MapReader p : r.objects("ports", Shapes.CONTAINER_PORT)) {
      int containerPort = requiredPort(p, "containerPort");
      int hostPort = p.integer("hostPort", 1, 65535).orElse(0L).intValue();
      String hostIp = p.string("hostIP").orElse("");
      if (!hostIp.isEmpty()) {
        NameRules.ipAddress(hostIp).ifPresent(
            m -> p.problems().error(p.peek("hostIP").orElseThrow(), p.path("hostIP"), m));
      }
      Protocol protocol = protocol(p);
      String name = p.string("name").orElse("");
      if (!name.isEmpty()) {
        SourceNode at = p.peek("name").orElseThrow();
        NameRules.portName(name).ifPresent(m -> p.problems().error(at, p.path("name"), m));
        if (!names.add(name)) {
          p.problems().error(at, p.path("name"), "duplicate port name \"" + name + "\"");
        }
      }
      p.finish();
      PortDecl port = new PortDecl(name, containerPort, hostPort, hostIp, protocol);
      if (port.isForwarded()) {
        sites.hostPorts.add(new Located<>(
            new PodSites.HostPort(port.hostIp(), hostPort, protocol),
            p.peek("hostPort").orElseThrow().position(), p.path("hostPort")));
      }
      ports.add(port);
    }
    return ports;
  }

  private static int requiredPort(MapReader p, String field) {
    if (!p.has(field)) {
      p.problems().error(p.position(), p.path(field), "required field is missing");
      p.node(field);
      return 0;
    }
    return p.integer(field, 1, 65535).orElse(0L).intValue();
  }

  private static Protocol protocol(MapReader p) {
    if (p.peekText("protocol").filter("SCTP"::equals).isPresent()) {
      p.node("protocol");
      p.problems().error(p.peek("protocol").orElseThrow(), p.path("protocol"),
          "SCTP is not supported by Peapod: the VM's user-mode network forwards TCP and UDP");
      return Protocol.TCP;
    }
    return p.choice("protocol", PROTOCOLS).orElse(Protocol.TCP);
  }

  private List<MountDecl> mounts(MapReader r) {
    List<MountDecl> mounts = new ArrayList<>();
    Set<String> paths = new HashSet<>();
    for (MapReader m : r.objects("volumeMounts", Shapes.VOLUME_MOUNT)) {
      String volume = m.requiredString("name");
      String mountPath = m.requiredString("mountPath");
      boolean readOnly = m.bool("readOnly").orElse(false);
      String subPath = m.string("subPath").orElse("");
      m.finish();
      if (!volume.isEmpty()) {
        sites.mountedVolumes.add(
            new Located<>(volume, m.peek("name").orElseThrow().position(), m.path("name")));
      }
      if (!mountPath.isEmpty()) {
        SourceNode at = m.peek("mountPath").orElseThrow();
        NameRules.absolutePath(mountPath).or(() -> NameRules.mountDestination(mountPath))
            .ifPresent(e -> m.problems().error(at, m.path("mountPath"), e));
        if (!paths.add(mountPath)) {
          m.problems().error(at, m.path("mountPath"), "duplicate mountPath \"" + mountPath + "\"");
        }
      }
      if (!subPath.isEmpty()) {
        NameRules.subPath(subPath).ifPresent(
            e -> m.problems().error(m.peek("subPath").orElseThrow(), m.path("subPath"), e));
      }
      mounts.add(new MountDecl(volume, mountPath, readOnly, subPath));
    }
    return mounts;
  }

  /** Whether this is a sidecar: an init container with {@code restartPolicy: Always}. */
  private static boolean restartPolicy(MapReader r, boolean init) {
    Optional<String> policy = r.string("restartPolicy");
    if (policy.isEmpty()) {
      return false;
    }
    SourceNode at = r.peek("restartPolicy").orElseThrow();
    if (!init) {
      r.problems().error(at, r.path("restartPolicy"),
          "only init containers may set restartPolicy (Always, to make a sidecar); app"
              + " containers follow spec.restartPolicy");
      return false;
    }
    if (!policy.get().equals("Always")) {
      r.problems().error(at, r.path("restartPolicy"), "invalid value \"" + policy.get()
          + "\": an init container's restartPolicy can only be Always (a sidecar)");
      return false;
    }
    return true;
  }

  /** Manifest spelling to constant, in declaration order (which error messages list). */
  static <E extends Enum<E> & ManifestNamed> Map<String, E> enumMap(E[] values) {
    Map<String, E> map = new LinkedHashMap<>();
    for (E value : values) {
      map.put(value.manifestName(), value);
    }
    return map;
  }
}
