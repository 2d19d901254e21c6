package dev.peapod.manifest.canonical;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.peapod.manifest.model.ConfigObject;
import dev.peapod.manifest.model.ConfigReference;
import dev.peapod.manifest.model.ContainerDecl;
import dev.peapod.manifest.model.EnvFromDecl;
import dev.peapod.manifest.model.EnvSource;
import dev.peapod.manifest.model.EnvVar;
import dev.peapod.manifest.model.FileProjection;
import dev.peapod.manifest.model.DnsConfig;
import dev.peapod.manifest.model.HandlerDecl;
import dev.peapod.manifest.model.HostAlias;
import dev.peapod.manifest.model.LifecycleDecl;
import dev.peapod.manifest.model.ManifestSpec;
import dev.peapod.manifest.model.MountDecl;
import dev.peapod.manifest.model.PodManifest;
import dev.peapod.manifest.model.PodMetadata;
import dev.peapod.manifest.model.PodSecurityDecl;
import dev.peapod.manifest.model.PortDecl;
import dev.peapod.manifest.model.ProbeDecl;
import dev.peapod.manifest.model.Quantity;
import dev.peapod.manifest.model.ResourceList;
import dev.peapod.manifest.model.SecurityDecl;
import dev.peapod.manifest.model.VmSettings;
import dev.peapod.manifest.model.VolumeDecl;
import dev.peapod.manifest.model.VolumeSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The canonical JSON of a pod, for diffing and hashing: every default resolved, keys sorted,
 * lists in declaration order (order matters for containers and env), quantities printed by value
 * ({@link Quantity#toNormalizedString()}), and where the pod was declared left out. Two manifests
 * are {@link PodManifest#equals equal} exactly when their canonical JSON is the same.
 *
 * <p>Field names follow the manifest (Kubernetes) spelling so that a diff reads like the YAML.
 */
public final class CanonicalForm {
  private CanonicalForm() {}

  private static final ObjectMapper JSON = new ObjectMapper()
      .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
      .enable(SerializationFeature.INDENT_OUTPUT);

  /**
   * Where the tree keeps the ConfigMaps and Secrets a pod uses: {@code configmap/NAMESPACE/NAME}
   * to its {@link dev.peapod.manifest.model.ConfigObject#hash() hash}, never its values; and the
   * host files its volumes of files name by {@code file://} URI, {@code hostFile/URI} to the hash
   * its source read ({@link dev.peapod.manifest.model.HostFiles}): a change of either
   * replaces the containers (a HyperContainer file is mounted by subPath, which sees no update in
   * place). Left out when the pod uses none, so pods without any hash as they always did.
   */
  public static final String INPUTS = "configInputs";

  /** The prefix of a host file's key in {@link #INPUTS}. */
  public static final String HOST_FILE = "hostFile/";

  /**
   * Where the tree keeps what only the pod's volumes of files show: the ConfigMaps and Secrets no
   * environment variable uses ({@code configmap/NAMESPACE/NAME} to its hash), and for a volume with
   * downward API files of labels or annotations, {@code downwardAPI/VOLUME} to a hash of those
   * values. A change here is written into the running VM's files, without restarting anything, as
   * the kubelet updates such volumes; left out when empty.
   */
  public static final String FILE_INPUTS = "fileInputs";

  /** Pretty-printed, two-space-indented JSON. */
  public static String json(PodManifest pod) {
    try {
      return JSON.writeValueAsString(tree(pod));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("maps of strings always serialise", e);
    }
  }

  /** The same content as nested sorted maps, lists and scalars, for field-level diffs. */
  public static Map<String, Object> tree(PodManifest pod) {
    Map<String, Object> metadata = new TreeMap<>();
    metadata.put("name", pod.name());
    metadata.put("labels", new TreeMap<>(pod.metadata().labels()));
    metadata.put("annotations", new TreeMap<>(pod.metadata().annotations()));
    // Only another than default (which an absent one means, as in Kubernetes), so that the pods
    // of files without a namespace keep their hashes and "namespace: default" changes nothing.
    if (!pod.metadata().effectiveNamespace().equals(PodMetadata.DEFAULT_NAMESPACE)) {
      metadata.put("namespace", pod.metadata().namespace());
    }
    Map<String, Object> root = new TreeMap<>();
    root.put("metadata", metadata);
    Map<String, Object> spec = spec(pod.spec());
    Map<String, Object> inputs = new TreeMap<>();
    Map<String, Object> fileInputs = new TreeMap<>();
    List<ConfigReference> references = ConfigReference.of(pod);
    for (ConfigObject input : pod.inputs()) {
      // A Secret that only pulls images is left out: rotating registry credentials restarts nothing,
      // as in Kubernetes. One only volumes show is a file input: its change is written in place.
      boolean env = references.stream().anyMatch(r -> !r.inVolume() && !r.path().startsWith("spec.imagePullSecrets")
          && r.names(input));
      boolean volume = references.stream().anyMatch(r -> r.inVolume() && r.names(input));
      if (env || volume) {
        (env ? inputs : fileInputs).put(input.reference(), input.hash());
      }
    }
    dev.peapod.manifest.model.HostFiles.hashes(pod).forEach((key, hash) -> inputs.put(HOST_FILE + key, hash));
    fileInputs.putAll(DownwardValues.hashes(pod));
    if (!inputs.isEmpty()) {
      spec.put(INPUTS, inputs);
    }
    if (!fileInputs.isEmpty()) {
      spec.put(FILE_INPUTS, fileInputs);
    }
    root.put("spec", spec);
    return root;
  }

  private static Map<String, Object> spec(ManifestSpec spec) {
    Map<String, Object> out = new TreeMap<>();
    out.put("initContainers", each(spec.initContainers(), CanonicalForm::container));
    out.put("containers", each(spec.containers(), CanonicalForm::container));
    out.put("volumes", each(spec.volumes(), CanonicalForm::volume));
    out.put("hostname", spec.hostname());
    out.put("dns", dns(spec.dns()));
    out.put("hostAliases", each(spec.hostAliases(), CanonicalForm::hostAlias));
    out.put("terminationGracePeriodSeconds", spec.terminationGracePeriodSeconds());
    out.put("restartPolicy", spec.restartPolicy().manifestName());
    out.put("vm", vm(spec.vm()));
    out.put("state", spec.state().manifestName());
    if (!spec.security().isNone()) {
      out.put("securityContext", podSecurity(spec.security()));
    }
    if (!spec.imagePullSecrets().isEmpty()) {
      out.put("imagePullSecrets", spec.imagePullSecrets().stream().map(n -> (Object) Map.of("name", n)).toList());
    }
    return out;
  }

  /** Only what was written, so that a pod without these settings keeps the canonical form it had. */
  private static Map<String, Object> podSecurity(PodSecurityDecl s) {
    Map<String, Object> out = new TreeMap<>();
    s.fsGroup().ifPresent(g -> out.put("fsGroup", g));
    if (!s.fsGroupChangePolicy().isEmpty()) {
      out.put("fsGroupChangePolicy", s.fsGroupChangePolicy());
    }
    if (!s.supplementalGroups().isEmpty()) {
      out.put("supplementalGroups", s.supplementalGroups());
    }
    if (s.strictGroups()) {
      out.put("supplementalGroupsPolicy", "Strict");
    }
    if (!s.sysctls().isEmpty()) {
      List<Object> sysctls = new ArrayList<>();
      s.sysctls().forEach((name, value) -> sysctls.add(sorted("name", name, "value", value)));
      out.put("sysctls", sysctls);
    }
    return out;
  }

  /** A container's effective securityContext beyond its user, only what differs from the defaults. */
  private static Map<String, Object> security(SecurityDecl s) {
    Map<String, Object> out = new TreeMap<>();
    if (s.runAsNonRoot()) {
      out.put("runAsNonRoot", true);
    }
    s.allowPrivilegeEscalation().ifPresent(a -> out.put("allowPrivilegeEscalation", a));
    Map<String, Object> caps = new TreeMap<>();
    if (!s.capabilitiesAdd().isEmpty()) {
      caps.put("add", s.capabilitiesAdd());
    }
    if (!s.capabilitiesDrop().isEmpty()) {
      caps.put("drop", s.capabilitiesDrop());
    }
    if (!caps.isEmpty()) {
      out.put("capabilities", caps);
    }
    if (s.readOnlyRootFilesystem()) {
      out.put("readOnlyRootFilesystem", true);
    }
    if (s.seccomp() != SecurityDecl.SeccompType.RUNTIME_DEFAULT) {
      out.put("seccompProfile", s.seccomp() == SecurityDecl.SeccompType.LOCALHOST
          ? sorted("type", s.seccomp().manifestName(), "localhostProfile", s.localhostProfile())
          : sorted("type", s.seccomp().manifestName()));
    }
    return out;
  }

  private static Map<String, Object> container(ContainerDecl c) {
    Map<String, Object> out = new TreeMap<>();
    out.put("name", c.name());
    out.put("image", c.image());
    out.put("imagePullPolicy", c.imagePullPolicy().manifestName());
    out.put("command", c.command());
    out.put("args", c.args());
    out.put("env", each(c.env(), CanonicalForm::env));
    if (!c.envFrom().isEmpty()) { // left out when empty, so containers without it hash as before
      out.put("envFrom", each(c.envFrom(), CanonicalForm::envFrom));
    }
    out.put("workingDir", c.workingDir());
    out.put("ports", each(c.ports(), CanonicalForm::port));
    out.put("volumeMounts", each(c.volumeMounts(), CanonicalForm::mount));
    out.put("resources", sorted(
        "limits", resources(c.resources().limits()),
        "requests", resources(c.resources().requests())));
    out.put("user", c.runAs().toString());
    out.put("sidecar", c.sidecar());
    // Only when set, so pods recorded before these fields existed keep their canonical form.
    if (c.stdio().stdin()) {
      out.put("stdin", true);
    }
    if (c.stdio().stdinOnce()) {
      out.put("stdinOnce", true);
    }
    if (c.stdio().tty()) {
      out.put("tty", true);
    }
    if (c.restartPolicy() != null) { // left out when the pod's, so such containers hash as before
      out.put("restartPolicy", c.restartPolicy().manifestName());
    }
    // Only when declared: pods without probes or hooks keep the canonical form (and hash) they
    // had before Peapod ran probes, so upgrading plans no change for them.
    LifecycleDecl lc = c.lifecycle();
    lc.liveness().ifPresent(p -> out.put("livenessProbe", probe(p)));
    lc.readiness().ifPresent(p -> out.put("readinessProbe", probe(p)));
    lc.startup().ifPresent(p -> out.put("startupProbe", probe(p)));
    if (lc.postStart().isPresent() || lc.preStop().isPresent()) {
      Map<String, Object> hooks = new TreeMap<>();
      lc.postStart().ifPresent(h -> hooks.put("postStart", handler(h)));
      lc.preStop().ifPresent(h -> hooks.put("preStop", handler(h)));
      out.put("lifecycle", hooks);
    }
    if (!c.security().isDefault()) {
      out.put("securityContext", security(c.security()));
    }
    return out;
  }

  /** As written in a manifest: {@code value}, or {@code valueFrom} with the source's Kubernetes fields. */
  private static Map<String, Object> env(EnvVar e) {
    if (e.valueFrom() == null) {
      return sorted("name", e.name(), "value", e.value());
    }
    Map<String, Object> source = new TreeMap<>();
    if (e.valueFrom() instanceof EnvSource.FieldRef f) {
      source.put("fieldRef", sorted("fieldPath", f.fieldPath()));
    } else if (e.valueFrom() instanceof EnvSource.ResourceFieldRef r) {
      Map<String, Object> ref = new TreeMap<>();
      ref.put("containerName", r.containerName());
      ref.put("resource", r.resource());
      ref.put("divisor", r.divisor().map(Quantity::toNormalizedString).orElse("1"));
      source.put("resourceFieldRef", ref);
    } else if (e.valueFrom() instanceof EnvSource.KeyRef k) {
      Map<String, Object> ref = new TreeMap<>();
      ref.put("name", k.name());
      ref.put("key", k.key());
      ref.put("optional", k.optional());
      source.put(k.kind() == ConfigObject.Kind.SECRET ? "secretKeyRef" : "configMapKeyRef", ref);
    }
    return sorted("name", e.name(), "valueFrom", source);
  }

  private static Map<String, Object> envFrom(EnvFromDecl e) {
    Map<String, Object> out = new TreeMap<>();
    if (!e.prefix().isEmpty()) {
      out.put("prefix", e.prefix());
    }
    out.put(e.kind() == ConfigObject.Kind.SECRET ? "secretRef" : "configMapRef",
        sorted("name", e.name(), "optional", e.optional()));
    return out;
  }

  private static Map<String, Object> probe(ProbeDecl p) {
    Map<String, Object> out = handler(p.handler());
    out.put("initialDelaySeconds", p.initialDelaySeconds());
    out.put("periodSeconds", p.periodSeconds());
    out.put("timeoutSeconds", p.timeoutSeconds());
    out.put("successThreshold", p.successThreshold());
    out.put("failureThreshold", p.failureThreshold());
    p.terminationGracePeriodSeconds().ifPresent(g -> out.put("terminationGracePeriodSeconds", g));
    return out;
  }

  private static Map<String, Object> handler(HandlerDecl h) {
    Map<String, Object> out = new TreeMap<>();
    if (h instanceof HandlerDecl.Exec e) {
      out.put("exec", sorted("command", e.command()));
    } else if (h instanceof HandlerDecl.HttpGet g) {
      Map<String, Object> get = sorted("host", g.host(), "port", g.port(), "path", g.path(),
          "httpHeaders", each(g.headers(), x -> sorted("name", x.name(), "value", x.value())));
      if (g.https()) {
        // Only when HTTPS: a plain HTTP probe keeps the canonical form (and hash) it had.
        get.put("scheme", "HTTPS");
      }
      out.put("httpGet", get);
    } else if (h instanceof HandlerDecl.Grpc g) {
      out.put("grpc", sorted("port", g.port(), "service", g.service()));
    } else if (h instanceof HandlerDecl.TcpSocket t) {
      out.put("tcpSocket", sorted("host", t.host(), "port", t.port()));
    } else if (h instanceof HandlerDecl.Sleep s) {
      out.put("sleep", sorted("seconds", s.seconds()));
    }
    return out;
  }

  private static Map<String, Object> port(PortDecl p) {
    Map<String, Object> out = new TreeMap<>();
    out.put("name", p.name());
    out.put("containerPort", p.containerPort());
    out.put("hostPort", p.hostPort());
    out.put("hostIP", p.hostIp());
    out.put("protocol", p.protocol().name());
    return out;
  }

  private static Map<String, Object> mount(MountDecl m) {
    Map<String, Object> out = new TreeMap<>();
    out.put("name", m.volume());
    out.put("mountPath", m.mountPath());
    out.put("readOnly", m.readOnly());
    out.put("subPath", m.subPath());
    return out;
  }

  private static Map<String, Object> resources(ResourceList list) {
    Map<String, Object> out = new TreeMap<>();
    list.cpu().ifPresent(q -> out.put("cpu", q.toNormalizedString()));
    list.memory().ifPresent(q -> out.put("memory", q.toNormalizedString()));
    return out;
  }

  private static Map<String, Object> volume(VolumeDecl v) {
    Map<String, Object> source = new TreeMap<>();
    String type;
    if (v.source() instanceof VolumeSource.EmptyDir emptyDir) {
      type = "emptyDir";
      source.put("medium", emptyDir.medium());
      emptyDir.sizeLimit().ifPresent(q -> source.put("sizeLimit", q.toNormalizedString()));
      emptyDir.mode().ifPresent(m -> source.put("mode", m));
    } else if (v.source() instanceof VolumeSource.Image image) {
      type = "image";
      source.put("reference", image.reference());
      source.put("pullPolicy", image.pullPolicy().manifestName());
    } else if (v.source() instanceof VolumeSource.Files files) {
      type = files.type();
      source.putAll(files(files));
    } else if (v.source() instanceof VolumeSource.PersistentVolumeClaim claim) {
      type = "persistentVolumeClaim";
      source.put("claimName", claim.claimName());
      source.put("readOnly", claim.readOnly());
    } else {
      VolumeSource.HostPath hostPath = (VolumeSource.HostPath) v.source();
      type = "hostPath";
      source.put("path", hostPath.path());
      source.put("type", hostPath.type());
    }
    return sorted("name", v.name(), type, source);
  }

  /**
   * A volume of files as Kubernetes writes it ({@code configMap}, {@code downwardAPI}, {@code projected}),
   * so that {@code inspect -o yaml} gives it back; HyperContainer's files by their SHA-256 only.
   */
  private static Map<String, Object> files(VolumeSource.Files files) {
    Map<String, Object> out = new TreeMap<>();
    out.put("defaultMode", files.defaultMode());
    if (files.type().equals("projected")) {
      out.put("sources", each(files.sources(), p -> {
        Map<String, Object> one = projection(p);
        if (one.containsKey("secretName")) {
          one.put("name", one.remove("secretName")); // a projection's Secret is "name", a volume's "secretName"
        }
        return sorted(p instanceof FileProjection.ObjectKeys k && k.kind() == ConfigObject.Kind.SECRET ? "secret"
            : p instanceof FileProjection.ObjectKeys ? "configMap" : "downwardAPI", one);
      }));
    } else if (!files.sources().isEmpty()) {
      out.putAll(projection(files.sources().get(0)));
    }
    return out;
  }

  private static Map<String, Object> projection(FileProjection p) {
    Map<String, Object> out = new TreeMap<>();
    if (p instanceof FileProjection.ObjectKeys keys) {
      out.put(keys.kind() == ConfigObject.Kind.SECRET ? "secretName" : "name", keys.name());
      out.put("optional", keys.optional());
      out.put("items", each(keys.items(), i -> optional(sorted("key", i.key(), "path", i.path()), "mode", i.mode())));
    } else if (p instanceof FileProjection.DownwardItems downward) {
      out.put("items", each(downward.items(), i -> {
        Map<String, Object> item = optional(sorted("path", i.path()), "mode", i.mode());
        item.putAll(map(env(new EnvVar("", "", i.source())).get("valueFrom")));
        return item;
      }));
    } else {
      out.put("files", each(((FileProjection.Inline) p).files(), f -> optional(sorted("path", f.path(),
          f.uri().isEmpty() ? "sha256" : "uri", f.uri().isEmpty() ? DownwardValues.sha256(f.content()) : f.uri(),
          "uid", f.uid(), "gid", f.gid()), "mode", f.mode())));
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object value) {
    return (Map<String, Object>) value;
  }

  private static Map<String, Object> dns(DnsConfig dns) {
    Map<String, Object> out = new TreeMap<>();
    out.put("replaceDefaults", dns.replaceDefaults());
    out.put("nameservers", dns.nameservers());
    out.put("searches", dns.searches());
    out.put("options", each(dns.options(), o -> optional(sorted("name", o.name()), "value", o.value())));
    return out;
  }

  private static Map<String, Object> hostAlias(HostAlias alias) {
    return sorted("ip", alias.ip(), "hostnames", alias.hostnames());
  }

  private static Map<String, Object> vm(VmSettings vm) {
    Map<String, Object> out = new TreeMap<>();
    out.put("vcpus", vm.vcpus());
    out.put("memory", vm.memory().toNormalizedString());
    vm.kernel().ifPresent(k -> out.put("kernel", k));
    out.put("accel", vm.accel().manifestName());
    if (vm.pidsMax() > 0) { // left out otherwise, so pods recorded before it do not replan
      out.put("pids", vm.pidsMax());
    }
    return out;
  }

  private static <T> List<Object> each(List<T> items, Function<T, Object> render) {
    List<Object> out = new ArrayList<>();
    items.forEach(item -> out.add(render.apply(item)));
    return out;
  }

  private static Map<String, Object> sorted(Object... keysAndValues) {
    Map<String, Object> out = new TreeMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      out.put((String) keysAndValues[i], keysAndValues[i + 1]);
    }
    return out;
  }

  private static Map<String, Object> optional(Map<String, Object> map, String key, Optional<?> value) {
    value.ifPresent(v -> map.put(key, v));
    return map;
  }
}
