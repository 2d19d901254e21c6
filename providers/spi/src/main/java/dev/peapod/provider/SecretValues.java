package dev.peapod.provider;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The values of the Secrets a pod refers to ({@link SecretKey}), held in memory only for the call
 * that gives them to a guest: {@link Provider#start(String, SecretValues)}, {@link
 * Provider#replace(String, PodSpec, SecretValues)}. Nothing here is serialisable, and {@link
 * #toString()} shows how many values there are, never one of them.
 */
public final class SecretValues {

  /** No values: what a pod without Secrets needs. */
  public static final SecretValues NONE = new SecretValues(Map.of());

  private final Map<SecretKey, byte[]> values;

  private SecretValues(Map<SecretKey, byte[]> values) {
    this.values = values;
  }

  /** Copies {@code values}. */
  public static SecretValues of(Map<SecretKey, byte[]> values) {
    Map<SecretKey, byte[]> copy = new HashMap<>();
    values.forEach((k, v) -> copy.put(k, v.clone()));
    return new SecretValues(Collections.unmodifiableMap(copy));
  }

  public boolean isEmpty() {
    return values.isEmpty();
  }

  /** The value as UTF-8 text (what an environment variable gets), if this holds it. */
  public Optional<String> text(SecretKey key) {
    return Optional.ofNullable(values.get(key)).map(v -> new String(v, StandardCharsets.UTF_8));
  }

  /**
   * {@code spec} as the guest must see it: every container's {@link ContainerSpec#secretEnv()}
   * variables given their values in its {@link ContainerSpec#env()}. Only for the messages to the
   * guest: a provider records {@code spec}, never what this returns.
   *
   * @throws ProviderException naming the variable when a value is not here
   */
  public PodSpec fill(PodSpec spec) {
    if (!refersToSecrets(spec)) {
      return spec;
    }
    return spec.withContainers(fill(spec.name(), spec.containers()))
        .withInitContainers(fill(spec.name(), spec.initContainers()))
        .withVolumes(spec.volumes().stream().map(v -> fill(spec.name(), v)).toList());
  }

  /**
   * {@code spec} as it may be recorded: every Secret's file of its volumes of files emptied, the
   * reference kept ({@link VolumeFile#secret()}). A spec converted from a manifest has the bytes
   * (to check the pod's bounds on file volumes); a provider gets this.
   */
  public static PodSpec withoutValues(PodSpec spec) {
    return spec.withVolumes(spec.volumes().stream().map(v -> v.files().isEmpty() || !v.files().get().sensitive() ? v
        : VolumeSpec.files(v.name(), new FileSet(v.files().get().files().stream()
            .map(f -> f.secret() == null ? f : f.withContent(new byte[0])).toList(), true))).toList());
  }

  /** Whether any variable or file of {@code spec} takes its value from a Secret. */
  public static boolean refersToSecrets(PodSpec spec) {
    return spec.allContainers().stream().anyMatch(c -> !c.secretEnv().isEmpty())
        || spec.volumes().stream().anyMatch(v -> v.files().map(FileSet::sensitive).orElse(false));
  }

  private VolumeSpec fill(String pod, VolumeSpec volume) {
    if (volume.files().isEmpty() || !volume.files().get().sensitive()) {
      return volume;
    }
    List<VolumeFile> files = new ArrayList<>();
    for (VolumeFile f : volume.files().get().files()) {
      if (f.secret() == null) {
        files.add(f);
        continue;
      }
      byte[] value = values.get(f.secret());
      if (value == null) {
        throw new ProviderException(pod, null, "file " + f.path() + " of volume " + volume.name() + " holds "
            + f.secret().describe() + ", which was not given with this call: Peapod keeps Secret values only inside"
            + " the VM, so a pod that uses them is started by whoever reads its source (peapod apply, peapod start,"
            + " the controller or the node agent)", null);
      }
      files.add(f.withContent(value));
    }
    return VolumeSpec.files(volume.name(), new FileSet(files, true));
  }

  private List<ContainerSpec> fill(String pod, List<ContainerSpec> containers) {
    List<ContainerSpec> out = new ArrayList<>();
    for (ContainerSpec c : containers) {
      if (c.secretEnv().isEmpty()) {
        out.add(c);
        continue;
      }
      Map<String, String> env = new LinkedHashMap<>(c.env());
      c.secretEnv().forEach((variable, key) -> env.put(variable, text(key).orElseThrow(() ->
          new ProviderException(pod, c.name(), "variable " + variable + " takes its value from " + key.describe()
              + ", which was not given with this call: Peapod keeps Secret values only inside the VM, so a pod that"
              + " uses them is started by whoever reads its source (peapod apply, the controller or the node"
              + " agent)", null))));
      out.add(c.withEnv(env).withSecretEnv(Map.of()));
    }
    return out;
  }

  @Override
  public String toString() {
    return "SecretValues(" + values.size() + " values)";
  }
}
