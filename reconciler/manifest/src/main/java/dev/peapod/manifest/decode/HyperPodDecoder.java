package dev.peapod.manifest.decode;

import dev.peapod.manifest.model.ContainerDecl;
import dev.peapod.manifest.model.DesiredState;
import dev.peapod.manifest.model.DnsConfig;
import dev.peapod.manifest.model.EnvVar;
import dev.peapod.manifest.model.FileProjection;
import dev.peapod.manifest.model.ManifestSpec;
import dev.peapod.manifest.model.MountDecl;
import dev.peapod.manifest.model.PodMetadata;
import dev.peapod.manifest.model.PodSecurityDecl;
import dev.peapod.manifest.model.PortDecl;
import dev.peapod.manifest.model.Protocol;
import dev.peapod.manifest.model.Quantity;
import dev.peapod.manifest.model.RestartPolicy;
import dev.peapod.manifest.model.RunAs;
import dev.peapod.manifest.model.Stdio;
import dev.peapod.manifest.model.VmSettings;
import dev.peapod.manifest.model.VolumeDecl;
import dev.peapod.manifest.model.VolumeSource;
import dev.peapod.manifest.source.SourceNode;
import dev.peapod.manifest.source.SourceScalar;
import dev.peapod.manifest.source.SourceScalar.ScalarType;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A HyperContainer pod file (hyperd's {@code UserPod}, JSON or YAML) converted to the Peapod
 * model. hyperd's {@code entrypoint} becomes {@code command} and its {@code command} becomes
 * {@code args}, as both override the image's ENTRYPOINT and CMD respectively. Pod-level {@code
 * portmappings} belong to the first container (ports are pod-wide anyway); their port ranges map one
 * to one. hyperd's default restart policy was {@code never}, so that is the default here too; a
 * container's own {@code restartPolicy} is kept for that container. Keys are matched ignoring case,
 * as Go's {@code encoding/json} matched them ({@link HyperKeyFolding}).
 */
final class HyperPodDecoder {
  private HyperPodDecoder() {}

  record Decoded(PodMetadata metadata, ManifestSpec spec) {}

  /** hyperd's {@code tty: true}: a terminal a client attaches to ({@code hyperctl attach}), stdin included. */
  private static final Stdio HYPER_TTY = new Stdio(true, false, true);

  private static final Map<String, RestartPolicy> RESTART = Map.of(
      "never", RestartPolicy.NEVER, "always", RestartPolicy.ALWAYS,
      "onfailure", RestartPolicy.ON_FAILURE);

  static Decoded decode(MapReader r) {
    String name = r.requiredString("id");
    if (!name.isEmpty()) {
      NameRules.dns1123Label(name).ifPresent(m -> r.problems().error(r.peek("id").orElseThrow(), r.path("id"), m));
    }
    Map<String, String> labels = labels(r);
    String hostname = r.string("hostname").orElse("");
    if (!hostname.isEmpty()) {
      NameRules.dns1123Label(hostname).ifPresent(
          m -> r.problems().error(r.peek("hostname").orElseThrow(), r.path("hostname"), m));
    }
    RestartPolicy restart = podRestartPolicy(r);
    boolean podTty = r.bool("tty").orElse(false);
    Map<String, Located<HyperFile>> podFiles = podFiles(r);
    List<String> dns = r.strings("dns");
    for (int i = 0; i < dns.size(); i++) {
      int index = i;
      NameRules.ipAddress(dns.get(i)).ifPresent(
          m -> r.problems().error(r.peekList("dns").get(index), r.path("dns").index(index), m));
    }
    PodSites sites = new PodSites();
    List<VolumeDecl> volumes = new ArrayList<>();
    r.objects("volumes", Shapes.HYPER_VOLUME).forEach(v -> volumes.add(volume(v, sites)));
    // hyperd's pod-level tty is every container's default.
    List<FileProjection.InlineFile> injected = new ArrayList<>();
    Map<String, String> sysctls = new LinkedHashMap<>();
    List<ContainerDecl> containers = containers(r, restart, sites, podFiles, injected, sysctls).stream()
        .map(c -> podTty ? c.withStdio(HYPER_TTY) : c).toList();
    if (!injected.isEmpty()) {
      // One volume of files holds every container's files; each is mounted at its path (subPath).
      if (volumes.stream().anyMatch(v -> v.name().equals(FILES_VOLUME))) {
        r.problems().error(r.peek("volumes").orElseThrow(), r.path("volumes"), "the volume name \"" + FILES_VOLUME
            + "\" is Peapod's for the pod's files; rename this volume");
      }
      volumes.add(new VolumeDecl(FILES_VOLUME, new VolumeSource.Files("files",
          List.of(new FileProjection.Inline(injected)), DEFAULT_PERM)));
    }
    Optional<MapReader> resource = r.object("resource", Shapes.HYPER_RESOURCE);
    VmSettings vm = resource.map(res -> vm(res, containers)).orElseGet(() -> sized(containers));
    r.finish();
    PodChecks.check(sites, r.problems());
    ManifestSpec spec = new ManifestSpec(List.of(), containers, volumes,
        hostname.isEmpty() ? name : hostname, new DnsConfig(false, dns, List.of(), List.of()),
        List.of(), ManifestSpec.DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS, restart, vm,
        DesiredState.RUNNING);
    if (!sysctls.isEmpty()) {
      spec = spec.withSecurity(new PodSecurityDecl(OptionalLong.empty(), "", List.of(), false, sysctls));
    }
    return new Decoded(new PodMetadata(name, labels, Map.of()), spec);
  }

  private static Map<String, String> labels(MapReader r) {
    Map<String, String> labels = new LinkedHashMap<>();
    r.stringMap("labels").forEach((key, value) -> {
      NameRules.qualifiedKey(key).ifPresent(m -> r.problems().error(value.position(), value.path(), m));
      NameRules.labelValue(value.value()).ifPresent(
          m -> r.problems().error(value.position(), value.path(), m));
      labels.put(key, value.value());
    });
    return labels;
  }

  private static RestartPolicy podRestartPolicy(MapReader r) {
    Optional<RestartPolicy> policy = restartPolicy(r, "restartPolicy");
    Optional<RestartPolicy> alias = restartPolicy(r, "restart");
    if (policy.isPresent() && alias.isPresent()) {
      r.problems().error(r.peek("restart").orElseThrow(), r.path("restart"),
          "restart and restartPolicy mean the same; write only restartPolicy");
    }
    return policy.or(() -> alias).orElse(RestartPolicy.NEVER);
  }

  /** hyperd's spellings, {@code never}, {@code always}, {@code onFailure}, in any case. */
  private static Optional<RestartPolicy> restartPolicy(MapReader r, String field) {
    return r.string(field).flatMap(text -> {
      RestartPolicy policy = RESTART.get(text.toLowerCase(Locale.ROOT));
      if (policy == null) {
        r.problems().error(r.peek(field).orElseThrow(), r.path(field),
            "invalid value \"" + text + "\": must be one of never, always, onFailure");
      }
      return Optional.ofNullable(policy);
    });
  }

  /** The volume of files that carries hyperd's files: its containers mount each file by subPath. */
  static final String FILES_VOLUME = "hyperd-files";
  /** A file's mode when its reference gives no {@code perm}. */
  static final int DEFAULT_PERM = 0644;

  /** A pod-level file of hyperd ({@code files[]}): its bytes, or a {@code file://} URI read on conversion. */
  record HyperFile(byte[] content, String uri) {}

  /** {@code files[]} by name: {@code content} (raw, or base64 with {@code encoding: base64}) or {@code uri}. */
  private static Map<String, Located<HyperFile>> podFiles(MapReader r) {
    Map<String, Located<HyperFile>> out = new LinkedHashMap<>();
    for (MapReader f : r.objects("files", Shapes.HYPER_FILE)) {
      String name = f.requiredString("name");
      String encoding = f.string("encoding").orElse("raw");
      String uri = f.string("uri").orElse("");
      String content = f.string("content").orElse("");
      f.finish();
      byte[] bytes = content.getBytes(java.nio.charset.StandardCharsets.UTF_8);
      if (encoding.equalsIgnoreCase("base64")) {
        try {
          bytes = java.util.Base64.getMimeDecoder().decode(content);
        } catch (IllegalArgumentException e) {
          f.problems().error(f.peek("content").map(SourceNode::position).orElse(f.position()), f.path("content"), "invalid base64: "
              + e.getMessage());
        }
      } else if (!encoding.equalsIgnoreCase("raw")) {
        f.problems().error(f.peek("encoding").orElseThrow(), f.path("encoding"), "invalid value \"" + encoding
            + "\": must be one of raw, base64");
      }
      if (!uri.isEmpty() && f.has("content")) {
        f.problems().error(f.peek("uri").orElseThrow(), f.path("uri"), "a file has content or uri, not both");
      }
      if (!uri.isEmpty() && !uri.startsWith("file://")) {
        f.problems().error(f.peek("uri").orElseThrow(), f.path("uri"), "uri \"" + uri + "\" is not supported by"
            + " Peapod: only file:// URIs (a file of this host, under the manifest's directory or the hostPath"
            + " allow-list); Peapod fetches nothing from the network for a pod");
      }
      if (!name.isEmpty() && out.putIfAbsent(name, new Located<>(new HyperFile(bytes, uri),
          f.peek("name").orElseThrow().position(), f.path("name"))) != null) {
        f.problems().error(f.peek("name").orElseThrow(), f.path("name"), "file \"" + name + "\" is declared twice");
      }
    }
    return out;
  }

  /**
   * A container's {@code files[]}: each names a pod file ({@code filename}) to put at {@code path},
   * with {@code perm} (octal, as hyperd read it) and {@code user}/{@code group} (numeric ids, or root).
   * The file goes into the pod's volume of files as {@code CONTAINER/INDEX} and is mounted at its path.
   */
  private static List<MountDecl> containerFiles(MapReader r, String container,
      Map<String, Located<HyperFile>> podFiles, List<FileProjection.InlineFile> injected) {
    List<MountDecl> mounts = new ArrayList<>();
    List<MapReader> refs = r.objects("files", Shapes.HYPER_FILE_REF);
    for (int i = 0; i < refs.size(); i++) {
      MapReader f = refs.get(i);
      String path = f.requiredString("path");
      String filename = f.requiredString("filename");
      Optional<Integer> perm = f.string("perm").flatMap(p -> {
        try {
          int mode = Integer.parseInt(p, 8);
          if (mode >= 0 && mode <= 0777) {
            return Optional.of(mode);
          }
        } catch (NumberFormatException e) {
          // reported below
        }
        f.problems().error(f.peek("perm").orElseThrow(), f.path("perm"), "invalid perm \"" + p
            + "\": an octal file mode from 0 to 0777, e.g. \"0644\"");
        return Optional.empty();
      });
      long uid = id(f, "user");
      long gid = id(f, "group");
      f.finish();
      if (!path.isEmpty()) {
        NameRules.absolutePath(path).ifPresent(m -> f.problems().error(f.peek("path").orElseThrow(), f.path("path"), m));
      }
      Located<HyperFile> file = podFiles.get(filename);
      if (!filename.isEmpty() && file == null) {
        f.problems().error(f.peek("filename").orElseThrow(), f.path("filename"), "no file \"" + filename
            + "\" in the pod's files" + (podFiles.isEmpty() ? "" : " (it has " + String.join(", ", podFiles.keySet())
            + ")"));
      }
      if (file == null || path.isEmpty() || container.isEmpty()) {
        continue;
      }
      String at = container + "/" + i;
      injected.add(new FileProjection.InlineFile(at, file.value().content(), file.value().uri(), perm, uid, gid));
      mounts.add(new MountDecl(FILES_VOLUME, path, true, at));
    }
    return mounts;
  }

  /** A file's owner or group: a number, or root (0); empty means root, as hyperd defaulted it. */
  private static long id(MapReader f, String field) {
    String text = f.string(field).orElse("");
    if (text.isEmpty() || text.equals("root")) {
      return text.isEmpty() ? -1 : 0;
    }
    if (text.matches("[0-9]{1,9}")) {
      return Long.parseLong(text);
    }
    f.problems().error(f.peek(field).orElseThrow(), f.path(field), field + " \"" + text + "\" is not supported by"
        + " Peapod: give the numeric id (names are looked up in the container's /etc/passwd, which the host does not"
        + " read for files)");
    return -1;
  }

  private static VolumeDecl volume(MapReader r, PodSites sites) {
    String name = r.requiredString("name");
    if (!name.isEmpty()) {
      SourceNode at = r.peek("name").orElseThrow();
      NameRules.dns1123Label(name).ifPresent(m -> r.problems().error(at, r.path("name"), m));
      sites.volumeNames.add(new Located<>(name, at.position(), r.path("name")));
    }
    String source = r.string("source").orElse("");
    Optional<String> driver = r.string("driver"); // an older spelling of format
    String format = r.string("format").or(() -> driver).orElse("");
    r.finish();
    if (source.isEmpty()) {
      return new VolumeDecl(name, new VolumeSource.EmptyDir("", Optional.empty()));
    }
    String formatField = r.has("format") ? "format" : "driver";
    if (!format.isEmpty() && !format.equals("vfs")) {
      r.problems().error(r.peek(formatField).orElseThrow(), r.path(formatField),
          "volume format \"" + format + "\" is not supported by Peapod: only host directories"
              + " (vfs) and empty volumes (no source)");
    }
    NameRules.absolutePath(source).ifPresent(
        m -> r.problems().error(r.peek("source").orElseThrow(), r.path("source"), m));
    return new VolumeDecl(name, new VolumeSource.HostPath(source, ""));
  }

  private static List<ContainerDecl> containers(MapReader r, RestartPolicy podPolicy, PodSites sites,
      Map<String, Located<HyperFile>> podFiles, List<FileProjection.InlineFile> injected, Map<String, String> sysctls) {
    List<MapReader> readers = r.objects("containers", Shapes.HYPER_CONTAINER);
    if (readers.isEmpty()) {
      r.problems().error(r.peek("containers").map(SourceNode::position).orElse(r.position()),
          r.path("containers"), "at least one container is required");
    }
    List<PortDecl> mapped = portMappings(r, sites);
    List<ContainerDecl> containers = new ArrayList<>();
    for (int i = 0; i < readers.size(); i++) {
      containers.add(container(readers.get(i), podPolicy, sites, i == 0 ? mapped : List.of(), podFiles, injected,
          sysctls));
    }
    return containers;
  }

  private static ContainerDecl container(MapReader r, RestartPolicy podPolicy, PodSites sites,
      List<PortDecl> extraPorts, Map<String, Located<HyperFile>> podFiles, List<FileProjection.InlineFile> injected,
      Map<String, String> sysctls) {
    String name = r.requiredString("name");
    if (!name.isEmpty()) {
      SourceNode at = r.peek("name").orElseThrow();
      NameRules.dns1123Label(name).ifPresent(m -> r.problems().error(at, r.path("name"), m));
      sites.containerNames.add(new Located<>(name, at.position(), r.path("name")));
    }
    String image = r.requiredString("image");
    List<String> entrypoint = r.strings("entrypoint");
    List<String> command = r.strings("command");
    String workdir = r.string("workdir").orElse("");
    if (!workdir.isEmpty()) {
      NameRules.absolutePath(workdir).ifPresent(
          m -> r.problems().error(r.peek("workdir").orElseThrow(), r.path("workdir"), m));
    }
    List<EnvVar> env = new ArrayList<>();
    for (MapReader e : r.objects("envs", Shapes.HYPER_ENV)) {
      String envName = e.requiredString("env");
      env.add(new EnvVar(envName, e.string("value").orElse("")));
      e.finish();
    }
    List<PortDecl> ports = new ArrayList<>();
    r.objects("ports", Shapes.HYPER_PORT).forEach(p -> ports.add(port(p, sites)));
    ports.addAll(extraPorts);
    List<MountDecl> mounts = new ArrayList<>();
    r.objects("volumes", Shapes.HYPER_VOLUME_REF).forEach(v -> mounts.add(mount(v, sites)));
    RunAs runAs = r.object("user", Shapes.HYPER_USER).map(HyperPodDecoder::user).orElse(RunAs.IMAGE_DEFAULT);
    // The guest restarts each container by its own policy, so hyperd's per-container one is kept.
    RestartPolicy restart = restartPolicy(r, "restartPolicy").filter(p -> p != podPolicy).orElse(null);
    boolean tty = r.bool("tty").orElse(false);
    mounts.addAll(containerFiles(r, name, podFiles, injected));
    sysctls(r, sysctls);
    r.finish();
    return new ContainerDecl(name, image, null, entrypoint, command, env, workdir, ports, mounts,
        null, runAs, false).withStdio(tty ? HYPER_TTY : Stdio.NONE).withRestartPolicy(restart);
  }

  /**
   * A container's {@code sysctl} map, as hyperd set it in the VM before the container started. The
   * containers of a pod share its network and IPC namespaces, where every sysctl Peapod sets lives,
   * so they are the pod's (as Kubernetes' securityContext.sysctls are): the same rules, and two
   * containers that disagree on one are an error.
   */
  private static void sysctls(MapReader r, Map<String, String> pod) {
    Map<String, String> own = new LinkedHashMap<>();
    r.stringMap("sysctl").forEach((key, value) -> {
      boolean ok = SecurityContexts.sysctlAllowed(key, own, value.position(), value.path(), r.problems());
      own.put(key, value.value());
      if (!ok) {
        return;
      }
      if (SecurityContexts.hasControlCharacter(value.value())) {
        r.problems().error(value.position(), value.path(), "must not hold a control character");
      } else if (pod.containsKey(key) && !pod.get(key).equals(value.value())) {
        r.problems().error(value.position(), value.path(), "sysctl \"" + key + "\" is \"" + pod.get(key)
            + "\" for another container: the containers of a pod share its kernel"
            + " namespaces, so a sysctl has one value for all of them");
      } else {
        pod.put(key, value.value());
      }
    });
  }

  private static PortDecl port(MapReader p, PodSites sites) {
    int containerPort = p.integer("containerPort", 1, 65535).orElse(0L).intValue();
    if (!p.has("containerPort")) {
      p.problems().error(p.position(), p.path("containerPort"), "required field is missing");
    }
    int hostPort = p.integer("hostPort", 0, 65535).orElse(0L).intValue();
    Protocol protocol = protocol(p);
    p.finish();
    return forwarded(p, new PortDecl("", containerPort, hostPort, "", protocol), sites);
  }

  /** At most this many ports in one range, so that a typo ("1-65535") cannot ask for every port. */
  static final int MAX_RANGE = 1024;

  /**
   * {@code portmappings}: like ports, but hyperd took port numbers as strings too, and ranges
   * ({@code "1300-1310"}), which map one to one: the first host port to the first container port,
   * and so on, so both ranges must be as long. A single host port for a container range is refused,
   * since only one container port could have it.
   */
  private static List<PortDecl> portMappings(MapReader r, PodSites sites) {
    List<PortDecl> ports = new ArrayList<>();
    for (MapReader m : r.objects("portmappings", Shapes.HYPER_PORT_MAPPING)) {
      Optional<int[]> containerPorts = portRange(m, "containerPort");
      Optional<int[]> hostPorts = portRange(m, "hostPort");
      Protocol protocol = protocol(m);
      m.finish();
      if (containerPorts.isEmpty() || hostPorts.isEmpty()) {
        continue;
      }
      int[] inner = containerPorts.get();
      int[] outer = hostPorts.get();
      if (inner[1] - inner[0] != outer[1] - outer[0]) {
        m.problems().error(m.peek("hostPort").orElseThrow(), m.path("hostPort"), (outer[1] - outer[0] + 1)
            + " host port(s) for " + (inner[1] - inner[0] + 1) + " container port(s): a range maps one to one,"
            + " so both must be as long");
        continue;
      }
      for (int i = 0; i <= inner[1] - inner[0]; i++) {
        ports.add(forwarded(m, new PortDecl("", inner[0] + i, outer[0] + i, "", protocol), sites));
      }
    }
    return ports;
  }

  /** {first, last}: a number, a numeric string, or a string "FIRST-LAST". */
  private static Optional<int[]> portRange(MapReader m, String field) {
    Optional<SourceNode> node = m.node(field);
    if (node.isEmpty()) {
      m.problems().error(m.position(), m.path(field), "required field is missing");
      return Optional.empty();
    }
    if (node.get() instanceof SourceScalar s && s.type() == ScalarType.STRING) {
      java.util.regex.Matcher range = java.util.regex.Pattern.compile("\\s*([0-9]{1,5})\\s*(?:-\\s*([0-9]{1,5})\\s*)?")
          .matcher(s.text());
      if (!range.matches()) {
        m.problems().error(s, m.path(field), "expected a port number or a range FIRST-LAST, got \"" + s.text() + "\"");
        return Optional.empty();
      }
      int first = Integer.parseInt(range.group(1));
      int last = range.group(2) == null ? first : Integer.parseInt(range.group(2));
      if (first < 1 || last > 65535 || first > last) {
        m.problems().error(s, m.path(field), "invalid port range \"" + s.text() + "\": ports are 1-65535, first"
            + " not above last");
        return Optional.empty();
      }
      if (last - first + 1 > MAX_RANGE) {
        m.problems().error(s, m.path(field), "port range \"" + s.text() + "\" has " + (last - first + 1)
            + " ports; at most " + MAX_RANGE + " in one mapping");
        return Optional.empty();
      }
      return Optional.of(new int[] {first, last});
    }
    return m.asInteger(node.get(), m.path(field), 1, 65535).map(p -> new int[] {p.intValue(), p.intValue()});
  }

  private static Protocol protocol(MapReader p) {
    return p.string("protocol").flatMap(text -> switch (text.toLowerCase(Locale.ROOT)) {
      case "tcp" -> Optional.of(Protocol.TCP);
      case "udp" -> Optional.of(Protocol.UDP);
      default -> {
        p.problems().error(p.peek("protocol").orElseThrow(), p.path("protocol"),
            "invalid value \"" + text + "\": must be one of tcp, udp");
        yield Optional.<Protocol>empty();
      }
    }).orElse(Protocol.TCP);
  }

  private static PortDecl forwarded(MapReader p, PortDecl port, PodSites sites) {
    if (port.isForwarded()) {
      sites.hostPorts.add(new Located<>(
          new PodSites.HostPort(port.hostIp(), port.hostPort(), port.protocol()),
          p.peek("hostPort").orElseThrow().position(), p.path("hostPort")));
    }
    return port;
  }

  private static MountDecl mount(MapReader v, PodSites sites) {
    String volume = v.requiredString("volume");
    String path = v.requiredString("path");
    boolean readOnly = v.bool("readOnly").orElse(false);
    v.finish();
    if (!volume.isEmpty()) {
      sites.mountedVolumes.add(new Located<>(volume, v.peek("volume").orElseThrow().position(), v.path("volume")));
    }
    if (!path.isEmpty()) {
      NameRules.absolutePath(path).ifPresent(
          m -> v.problems().error(v.peek("path").orElseThrow(), v.path("path"), m));
    }
    return new MountDecl(volume, path, readOnly, "");
  }

  private static RunAs user(MapReader u) {
    RunAs runAs = new RunAs(u.string("name").orElse(""), u.string("group").orElse(""));
    u.finish();
    return runAs;
  }

  /** {@code resource}: whole vCPUs and MiB of memory, as hyperd took them. */
  private static VmSettings vm(MapReader r, List<ContainerDecl> containers) {
    Optional<Integer> vcpus = r.integer("vcpu", 1, VmDecoder.MAX_VCPUS).map(Long::intValue);
    Optional<Long> memoryMiB = r.integer("memory", VmSettings.MIN_MEMORY.toMebibytesCeil(), 1L << 40);
    r.finish();
    VmSettings sized = sized(containers);
    return new VmSettings(vcpus.orElse(sized.vcpus()),
        memoryMiB.map(Quantity::ofMebibytes).orElse(sized.memory()), Optional.empty(), null);
  }

  private static VmSettings sized(List<ContainerDecl> containers) {
    return new VmSettings(VmSizing.vcpus(List.of(), containers),
        VmSizing.memory(List.of(), containers), Optional.empty(), null);
  }
}
