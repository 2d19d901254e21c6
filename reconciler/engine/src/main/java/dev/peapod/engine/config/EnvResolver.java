package dev.peapod.engine.config;

import dev.peapod.manifest.model.ConfigObject;
import dev.peapod.manifest.model.ContainerDecl;
import dev.peapod.manifest.model.EnvFromDecl;
import dev.peapod.manifest.model.EnvSource;
import dev.peapod.manifest.model.EnvVar;
import dev.peapod.manifest.model.PodManifest;
import dev.peapod.manifest.model.Quantity;
import dev.peapod.provider.SecretKey;
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
 * <p>A variable whose value comes from a Secret is not given its value here: it is resolved to
 * the {@link SecretKey} it comes from ({@link Resolved#secret()}), so that the provider spec and
 * everything recorded from it hold the reference only; the value travels with each start or
 * replace ({@code SecretInputs}).
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

  /** Why values could not be given, each naming the variable and container; empty when all resolved. */
  public List<String> errors() {
    return errors;
  }

  /** What was left out (an envFrom key that is no variable name). */
  public List<String> warnings() {
    return warnings;
  }

  /**
   * A container's variables: those with plain values in the order the container gets them, and
   * those whose values come from a Secret, by name. A name is in one of the two only (the last
   * source to set it wins, as in Kubernetes).
   */
  public record Resolved(List<EnvVar> plain, Map<String, SecretKey> secret) {
    public Resolved {
      plain = List.copyOf(plain);
      secret = Map.copyOf(secret);
    }
  }

  /** The container's variables, in the order the container gets them. */
  public Resolved resolve(ContainerDecl container) {
    Map<String, Object> out = new LinkedHashMap<>(); // a String, or the SecretKey of a Secret's value
    for (EnvFromDecl from : container.envFrom()) {
      if (input(from.kind(), from.name()).isEmpty() && !from.optional()) {
        errors.add(unresolved(container, "envFrom", from.kind().word() + " \"" + from.name() + "\""));
      }
      input(from.kind(), from.name()).ifPresent(object -> {
        for (String key : object.keys()) {
          String name = from.prefix() + key;
          if (ENV_NAME.matcher(name).matches()) {
            out.remove(name);
            out.put(name, object.sensitive() ? new SecretKey(object.namespace(), object.name(), key)
                : object.text(key).orElseThrow());
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
    List<EnvVar> plain = new ArrayList<>();
    Map<String, SecretKey> secret = new LinkedHashMap<>();
    out.forEach((name, value) -> {
      if (value instanceof SecretKey key) {
        secret.put(name, key);
      } else {
        plain.add(new EnvVar(name, (String) value));
      }
    });
    return new Resolved(plain, secret);
  }

  /** A plain value, or the {@link SecretKey} a Secret-backed value comes from. */
  private Optional<Object> value(EnvVar env, ContainerDecl container) {
    EnvSource source = env.valueFrom();
    if (source == null) {
      return Optional.of(env.value());
    }
    if (source instanceof EnvSource.FieldRef field) {
      return field(field.fieldPath()).map(v -> v);
    }
    if (source instanceof EnvSource.ResourceFieldRef resource) {
      return resource(resource, container, env.name()).map(v -> v);
    }
    EnvSource.KeyRef key = (EnvSource.KeyRef) source;
    Optional<ConfigObject> object = input(key.kind(), key.name());
    Optional<Object> value = object.filter(o -> o.keys().contains(key.key()))
        .map(o -> o.sensitive() ? new SecretKey(o.namespace(), o.name(), key.key()) : o.text(key.key()).orElseThrow());
    if (value.isEmpty() && !key.optional()) {
      // Sources refuse this when they resolve the pod; a path that did not resolve it must not drop it.
      errors.add(unresolved(container, "variable \"" + env.name() + "\"",
          "key \"" + key.key() + "\" of " + key.kind().word() + " \"" + key.name() + "\""));
    }
    return value;
  }

  private static String unresolved(ContainerDecl container, String what, String missing) {
    return "container \"" + container.name() + "\": " + what + " needs " + missing + ", which was not found"
        + " (ConfigMaps and Secrets are looked up among the documents of the pod's source: apply the directory or"
        + " file that declares it, or mark the reference optional: true)";
  }

  private Optional<ConfigObject> input(ConfigObject.Kind kind, String name) {
    return pod.inputs().stream().filter(o -> o.kind() == kind && o.name().equals(name)).findFirst();
  }

  /**
   * The value of a downward API source as a downwardAPI volume's file holds it: a field ({@code
   * metadata.labels} and {@code metadata.annotations} whole, as {@code key="value"} lines sorted by key,
   * the value quoted as Go quotes it) or a resource of the container {@code containerName} names.
   * Empty (with an error noted) when the container does not exist.
   */
  public Optional<String> fileValue(EnvSource source, String what) {
    if (source instanceof EnvSource.FieldRef field) {
      return switch (field.fieldPath()) {
        case "metadata.labels" -> Optional.of(lines(pod.metadata().labels()));
        case "metadata.annotations" -> Optional.of(lines(pod.metadata().annotations()));
        default -> field(field.fieldPath());
      };
    }
    EnvSource.ResourceFieldRef ref = (EnvSource.ResourceFieldRef) source;
    Optional<ContainerDecl> named = Stream.concat(pod.spec().initContainers().stream(), pod.spec().containers().stream())
        .filter(c -> c.name().equals(ref.containerName())).findFirst();
    if (named.isEmpty()) {
      errors.add(what + " refers to container \"" + ref.containerName() + "\", which the pod does not have");
      return Optional.empty();
    }
    return resource(ref, named.get(), what);
  }

  private static String lines(Map<String, String> map) {
    StringBuilder out = new StringBuilder();
    new java.util.TreeMap<>(map).forEach((key, value) -> out.append(out.length() == 0 ? "" : "\n").append(key)
        .append('=').append(goQuote(value)));
    return out.toString();
  }

  /** A string as Go's strconv.Quote writes it, which is how the kubelet writes label values to files. */
  static String goQuote(String value) {
    StringBuilder out = new StringBuilder("\"");
    value.codePoints().forEach(cp -> {
      switch (cp) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\t' -> out.append("\\t");
        case '\r' -> out.append("\\r");
        default -> {
          if (cp < 0x20 || cp == 0x7f) {
            out.append(String.format("\\x%02x", cp));
          } else {
            out.appendCodePoint(cp);
          }
        }
      }
    });
    return out.append('"').toString();
  }

  /**
   * Where this pod runs: a file pod's own {@code metadata.namespace} when its document names one
   * (a PeaPod's is its custom resource's, which the environment already has).
   */
  private PodEnvironment podEnvironment() {
    String namespace = pod.metadata().namespace();
    return namespace.isEmpty() ? environment : environment.withNamespace(namespace);
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
      case "metadata.namespace" -> podEnvironment().namespace();
      case "metadata.uid" -> podEnvironment().uid(pod.name());
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
