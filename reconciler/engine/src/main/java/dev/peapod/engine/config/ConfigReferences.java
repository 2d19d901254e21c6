package dev.peapod.engine.config;

import dev.peapod.engine.ManifestRejectedException;
import dev.peapod.engine.spec.HostPathAllowList;
import dev.peapod.engine.spec.ManifestToPodSpec;
import dev.peapod.manifest.ParseResult;
import dev.peapod.manifest.diag.Diagnostic;
import dev.peapod.manifest.diag.Severity;
import dev.peapod.manifest.model.ConfigObject;
import dev.peapod.manifest.model.ConfigReference;
import dev.peapod.manifest.model.HostFiles;
import dev.peapod.manifest.model.PodManifest;
import dev.peapod.manifest.source.Position;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Finds the ConfigMaps and Secrets a pod refers to and attaches them to it ({@link
 * PodManifest#inputs()}), so that planning compares their hashes and the conversion to a provider
 * spec has their values; and hashes the host files its volumes of files name ({@link
 * ManifestToPodSpec#withHostFileHashes}), so that editing one changes the pod too. Every source
 * calls {@link #attach} on each pod it reads, with its own {@link ConfigResolver}.
 *
 * <p>A reference that is not {@code optional} and finds nothing is an error at the referring
 * field, as the kubelet refuses to start such a pod; an optional one is left out.
 */
public final class ConfigReferences {
  private ConfigReferences() {}

  /** A pod with its inputs, or the errors of its references. */
  public record Attached(PodManifest pod, List<Diagnostic> errors) {
    public Attached {
      errors = List.copyOf(errors);
    }
  }

  /**
   * The pod with every object it refers to resolved through {@code resolver}.
   *
   * @param namespace where the pod's references are looked up: {@code default} in file mode, the
   *     PeaPod's namespace on Kubernetes
   */
  public static Attached attach(PodManifest pod, String namespace, ConfigResolver resolver) {
    // The host files it names are inputs as its ConfigMaps are: their hashes are part of the pod's.
    // (The allow-list is read only for a pod that names one: most never do.)
    if (!HostFiles.uris(pod).isEmpty()) {
      pod = ManifestToPodSpec.withHostFileHashes(pod, HostPathAllowList.fromEnvironment());
    }
    Map<String, ConfigObject> found = new LinkedHashMap<>();
    List<Diagnostic> errors = new ArrayList<>();
    for (ConfigReference reference : ConfigReference.of(pod)) {
      Optional<ConfigObject> object = resolver.find(reference.kind(), namespace, reference.name());
      if (object.isPresent()) {
        found.putIfAbsent(object.get().reference(), object.get());
        if (!reference.key().isEmpty() && !object.get().keys().contains(reference.key()) && !reference.optional()) {
          errors.add(error(pod, reference.path(), reference.kind().word() + " \"" + reference.name()
              + "\" has no key \"" + reference.key() + "\" (it has " + String.join(", ", object.get().keys()) + ")"));
        }
      } else if (!reference.optional()) {
        errors.add(error(pod, reference.path(), reference.kind().word() + " \"" + reference.name()
            + "\" not found in namespace " + namespace + " (declare a " + reference.kind().kubernetesKind()
            + " document next to the pod, or mark the reference optional: true)"));
      }
    }
    return new Attached(pod.withInputs(new ArrayList<>(found.values())), errors);
  }

  /**
   * Every pod of {@code parsed} with the ConfigMaps and Secrets it uses, found among the documents
   * of the same parse in each pod's namespace ({@code default} unless it names another), as
   * {@code apply -f}, {@code peapod run -f} and the API's {@code POST /v1/pods} resolve them.
   *
   * @throws ManifestRejectedException with the errors of every pod at once, not the first pod's
   */
  public static List<PodManifest> attachAll(ParseResult parsed) {
    ConfigResolver resolver = ConfigResolver.of(parsed.configObjects());
    List<PodManifest> out = new ArrayList<>();
    List<Diagnostic> errors = new ArrayList<>();
    for (PodManifest pod : parsed.manifests()) {
      Attached attached = attach(pod, pod.metadata().effectiveNamespace(), resolver);
      errors.addAll(attached.errors());
      out.add(attached.pod());
    }
    if (!errors.isEmpty()) {
      throw new ManifestRejectedException(errors);
    }
    return out;
  }

  private static Diagnostic error(PodManifest pod, String path, String message) {
    Position at = pod.origin().positionOf(path);
    return new Diagnostic(Severity.ERROR, pod.origin().file(), at.line(), at.column(), path, message);
  }
}
