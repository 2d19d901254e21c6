package dev.peapod.engine.config;

import dev.peapod.manifest.model.ConfigObject;
import dev.peapod.manifest.model.ContainerDecl;
import dev.peapod.manifest.model.EnvFromDecl;
import dev.peapod.manifest.model.EnvSource;
import dev.peapod.manifest.model.EnvVar;
import dev.peapod.manifest.model.PodManifest;
import dev.peapod.manifest.model.Quantity;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A container's environment with every {@code valueFrom} and {@code envFrom} turned into plain
 * values, in Kubernetes' order: {@code envFrom} sources first (a later source wins over an earlier
 * one), then {@code env} (which wins over them). ConfigMap and Secret values come from the pod's
 * {@link PodManifest#inputs() inputs}, downward API values from the manifest and the {@link
 * PodEnvironment}.
 *
 * <p>A Secret's value is refused for now: the provider records each container's environment on
 * disk, and a Secret must stay in the VM only. Until secret-backed values travel apart from the
 * record, a pod that asks for one gets an error saying so rather than a Secret written to disk.
 */
public final class EnvResolver {

  private static final Pattern LABEL_OR_ANNOTATION =
      Pattern.compile("metadata\\.(labels|annotations)\\['([^']+)'\\]");
  /** Kubernetes' rule for a variable name from envFrom; others are skipped with a warning there too. */
  private static final Pattern ENV_NAME = Pattern.compile("[-._a-zA-Z][-._a-zA-Z0-9]*");

  private final PodManifest pod;
  private final PodEnvironment environment;
  private final List<String> errors = new ArrayList<>();
  private final List<String> warnings = new ArrayList<>();

  public EnvResolver(PodManifest pod, PodEnvironment environment) {
    this.pod = pod;
    this.environment = environment;
  }

  /**
   * Every place the pod takes an environment variable from a Secret, with why that is refused
   * (keyed by field path): checked before planning, so neither a plan nor an apply goes ahead.
   */
  public static Map<String, String> secretReferences(PodManifest pod) {
    Map<String, String> out = new LinkedHashMap<>();
    String[] lists = {"spec.initContainers", "spec.containers"};
    List<List<ContainerDecl>> containers = List.of(pod.spec().initContainers(), pod.spec().containers());
    for (int l = 0; l < 2; l++) {
      for (int i = 0; i < containers.get(l).size(); i++) {
        ContainerDecl c = containers.get(l).get(i);
        String at = lists[l] + "[" + i + "]";
        for (int j = 0; j < c.envFrom().size(); j++) {
          if (c.envFrom().get(j).kind() == ConfigObject.Kind.SECRET) {
            out.put(at + ".envFrom[" + j + "]", secretMessage(c.envFrom().get(j).name()));
          }
        }
        for (int j = 0; j < c.env().size(); j++) {
          if (c.env().get(j).valueFrom() instanceof EnvSource.KeyRef key && key.kind() == ConfigObject.Kind.SECRET) {
            out.put(at + ".env[" + j + "].valueFrom", secretMessage(key.name()));
          }
        }
      }
    }
    return out;
  }

  private static String secretMessage(String name) {
    return "secret \"" + name + "\" in environment variables is not supported yet: the provider records a"
        + " container's environment on disk, and a Secret's value must stay inside the VM";
  }

  /** Why values could not be given, each naming the variable and container; empty when all resolved. */
  public List<String> errors() {
    return errors;
  }

  /** What was left out (an envFrom key that is no variable name). */
  public List<String> warnings() {
    return warnings;
  }

  /** The container's variables as plain values, in the order the container gets them. */
  public List<EnvVar> resolve(ContainerDecl container) {
    Map<String, String> out = new LinkedHashMap<>();
    for (EnvFromDecl from : container.envFrom()) {
      if (input(from.kind(), from.name()).isEmpty() && !from.optional()) {
        errors.add(unresolved(container, "envFrom", from.kind().word() + " \"" + from.name() + "\""));
      }
      input(from.kind(), from.name()).ifPresent(object -> {
        if (refuseSecret(object, container, "envFrom")) {
          return;
        }
        for (String key : object.keys()) {
          String name = from.prefix() + key;
          if (ENV_NAME.matcher(name).matches()) {
            out.remove(name);
            out.put(name, object.text(key).orElseThrow());
          } else {
            warnings.add("container \"" + container.name() + "\": key \"" + key + "\" of " + object.describe()
                + " is not a valid variable name; skipped, as Kubernetes does");
          }
        }
      });
    }
    for (EnvVar env : container.env()) {
      value(env, container).ifPresent(value -> {
        out.remove(env.name());
        out.put(env.name(), value);
      });
    }
    List<EnvVar> resolved = new ArrayList<>();
    out.forEach((name, value) -> resolved.add(new EnvVar(name, value)));
    return resolved;
  }

  private Optional<String> value(EnvVar env, ContainerDecl container) {
    EnvSource source = env.valueFrom();
    if (source == null) {
      return Optional.of(env.value());
    }
    if (source instanceof EnvSource.FieldRef field) {
      return field(field.fieldPath());
    }
    if (source instanceof EnvSource.ResourceFieldRef resource) {
      return resource(resource, container, env.name());
    }
    EnvSource.KeyRef key = (EnvSource.KeyRef) source;
    Optional<ConfigObject> object = input(key.kind(), key.name());
    if (object.isPresent() && refuseSecret(object.get(), container, "variable \"" + env.name() + "\"")) {
      return Optional.empty();
    }
    Optional<String> value = object.flatMap(o -> o.text(key.key()));
    if (value.isEmpty() && !key.optional()) {
      // Sources refuse this when they resolve the pod; a path that did not resolve it must not drop it.
      errors.add(unresolved(container, "variable \"" + env.name() + "\"",
          "key \"" + key.key() + "\" of " + key.kind().word() + " \"" + key.name() + "\""));
    }
    return value;
  }

  private static String unresolved(ContainerDecl container, String what, String missing) {
    return "container \"" + container.name() + "\": " + what + " needs " + missing + ", which was not found"
        + " (ConfigMaps are looked up among the documents of the pod's source: apply the directory or file that"
        + " declares it, or mark the reference optional: true)";
  }

  private boolean refuseSecret(ConfigObject object, ContainerDecl container, String what) {
    if (!object.sensitive()) {
      return false;
    }
    errors.add("container \"" + container.name() + "\": " + what + " takes its value from " + object.describe()
        + ": Secrets in environment variables are not supported yet (the provider records a container's"
        + " environment on disk, and a Secret's value must stay inside the VM)");
    return true;
  }

  private Optional<ConfigObject> input(ConfigObject.Kind kind, String name) {
    return pod.inputs().stream().filter(o -> o.kind() == kind && o.name().equals(name)).findFirst();
  }

  /** A downward API field; every path the decoder accepts has a value here. */
  Optional<String> field(String path) {
    Matcher labelOrAnnotation = LABEL_OR_ANNOTATION.matcher(path);
    if (labelOrAnnotation.matches()) {
      Map<String, String> map = labelOrAnnotation.group(1).equals("labels")
          ? pod.metadata().labels() : pod.metadata().annotations();
      return Optional.of(map.getOrDefault(labelOrAnnotation.group(2), ""));
    }
    return Optional.of(switch (path) {
      case "metadata.name" -> pod.name();
      case "metadata.namespace" -> environment.namespace();
      case "metadata.uid" -> environment.uid(pod.name());
      case "spec.nodeName" -> environment.nodeName();
      case "spec.serviceAccountName" -> pod.spec().placement().serviceAccountName();
      case "status.podIP", "status.podIPs" -> PodEnvironment.POD_IP;
      case "status.hostIP", "status.hostIPs" -> environment.hostIp();
      default -> throw new IllegalArgumentException("fieldPath " + path + " passed the decoder");
    });
  }

  /**
   * A limit or request divided by the divisor and rounded up, as the kubelet gives it. Without a
   * limit the kubelet gives the node's allocatable; a pod's node is its VM, so that is the VM's
   * vCPUs or memory.
   */
  private Optional<String> resource(EnvSource.ResourceFieldRef ref, ContainerDecl self, String variable) {
    ContainerDecl target = self;
    if (!ref.containerName().isEmpty()) {
      Optional<ContainerDecl> named = Stream.concat(pod.spec().initContainers().stream(), pod.spec().containers().stream())
          .filter(c -> c.name().equals(ref.containerName())).findFirst();
      if (named.isEmpty()) {
        errors.add("container \"" + self.name() + "\": variable \"" + variable + "\" refers to container \""
            + ref.containerName() + "\", which the pod does not have");
        return Optional.empty();
      }
      target = named.get();
    }
    boolean cpu = ref.resource().endsWith(".cpu");
    boolean limit = ref.resource().startsWith("limits.");
    Optional<Quantity> declared = cpu
        ? (limit ? target.resources().limits().cpu() : target.resources().requests().cpu())
        : (limit ? target.resources().limits().memory() : target.resources().requests().memory());
    BigDecimal value = declared.map(Quantity::value).orElseGet(() -> cpu
        ? BigDecimal.valueOf(pod.spec().vm().vcpus())
        : BigDecimal.valueOf(pod.spec().vm().memoryMiB()).multiply(BigDecimal.valueOf(1024L * 1024L)));
    if (declared.isEmpty() && !limit) {
      value = BigDecimal.ZERO; // a request left out is 0, as Kubernetes reports it
    }
    BigDecimal divisor = ref.divisor().map(Quantity::value).orElse(BigDecimal.ONE);
    return Optional.of(value.divide(divisor, 0, RoundingMode.CEILING).toPlainString());
  }
}
