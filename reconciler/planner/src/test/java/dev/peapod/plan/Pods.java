package dev.peapod.plan;

import dev.peapod.manifest.ManifestParser;
import dev.peapod.manifest.ParseResult;
import dev.peapod.manifest.model.PodManifest;
import dev.peapod.provider.PodState;
import java.time.Instant;
import java.util.Optional;

/** Manifests from short YAML, and actual pods recorded as having been applied from them. */
final class Pods {
  private Pods() {}

  static final Instant APPLIED_AT = Instant.parse("2026-11-23T10:00:00Z");

  /** A PeaPod named {@code name} whose spec is {@code specYaml} (indented two spaces, under spec:). */
  static PodManifest manifest(String name, String specYaml) {
    String text = "apiVersion: peapod.dev/v1alpha1\nkind: PeaPod\nmetadata:\n  name: " + name
        + "\nspec:\n" + specYaml;
    ParseResult parsed = ManifestParser.parse("pods/" + name + ".yaml", text);
    if (!parsed.isValid()) {
      throw new AssertionError(parsed.diagnostics().all().toString());
    }
    return parsed.manifests().get(0);
  }

  static PodManifest web(String image) {
    return manifest("web", """
          containers:
            - name: web
              image: %s
              env:
                - {name: A, value: "1"}
              ports:
                - {containerPort: 80, hostPort: 8080}
        """.formatted(image));
  }

  static DesiredPod desired(PodManifest manifest) {
    return DesiredPod.of(manifest);
  }

  static AppliedRecord applied(PodManifest manifest, String managedBy) {
    return new AppliedRecord(manifest.name(), managedBy, manifest.origin().file(), APPLIED_AT,
        NormalizedPod.canonicalTree(manifest), NormalizedPod.of(manifest).hash(), Optional.empty());
  }

  static ActualPod actual(PodManifest appliedFrom, PodState state) {
    return new ActualPod(appliedFrom.name(), Optional.of(state), "",
        Optional.of(applied(appliedFrom, AppliedRecord.MANAGED_BY_APPLY)));
  }
}
