package dev.peapod.manifest;

import static dev.peapod.manifest.Manifests.diagnostics;
import static dev.peapod.manifest.Manifests.peapod;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.peapod.manifest.canonical.CanonicalForm;
import dev.peapod.manifest.canonical.ManifestDocument;
import dev.peapod.manifest.model.ConfigObject;
import dev.peapod.manifest.model.EnvFromDecl;
import dev.peapod.manifest.model.EnvSource;
import dev.peapod.manifest.model.PodManifest;
import dev.peapod.manifest.model.Quantity;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/** env valueFrom and envFrom: decoded with Kubernetes' rules, errors at their place, canonical form round trip. */
class EnvSourceTest {

  private static final String C = "containers:";

  @Test
  void everySourceDecodes() {
    PodManifest pod = ManifestParser.parse(Manifests.FILE, peapod(C, "- name: web", "  image: a:1", "  env:",
        "  - name: A", "    valueFrom: {fieldRef: {fieldPath: \"metadata.labels['app']\"}}",
        "  - name: B", "    valueFrom: {resourceFieldRef: {resource: limits.memory, divisor: 1Mi}}",
        "  - name: C", "    valueFrom: {configMapKeyRef: {name: cfg, key: k, optional: true}}",
        "  - name: D", "    valueFrom: {secretKeyRef: {name: s, key: pw}}",
        "  envFrom:", "  - prefix: X_", "    configMapRef: {name: cfg}", "  - secretRef: {name: s, optional: true}"))
        .manifests().get(0);
    var env = pod.spec().containers().get(0).env();
    assertEquals(new EnvSource.FieldRef("metadata.labels['app']"), env.get(0).valueFrom());
    assertEquals(new EnvSource.ResourceFieldRef("", "limits.memory", Optional.of(Quantity.parse("1Mi"))),
        env.get(1).valueFrom());
    assertEquals(new EnvSource.KeyRef(ConfigObject.Kind.CONFIG_MAP, "cfg", "k", true), env.get(2).valueFrom());
    assertEquals(new EnvSource.KeyRef(ConfigObject.Kind.SECRET, "s", "pw", false), env.get(3).valueFrom());
    assertEquals(List.of(new EnvFromDecl(ConfigObject.Kind.CONFIG_MAP, "cfg", "X_", false),
        new EnvFromDecl(ConfigObject.Kind.SECRET, "s", "", true)), pod.spec().containers().get(0).envFrom());

    // inspect -o yaml writes it back as a document that parses to the same pod
    String written = new Yaml().dump(ManifestDocument.of(CanonicalForm.tree(pod), false));
    PodManifest again = ManifestParser.parse("again.yaml", written).manifests().get(0);
    assertEquals(CanonicalForm.json(pod), CanonicalForm.json(again));
  }

  @Test
  void badSourcesAreRefusedAtTheirPlace() {
    assertEquals(List.of(
        "pods/web.yaml:12:31: spec.containers[0].env[0].valueFrom.fieldRef.fieldPath: unsupported fieldPath"
            + " \"status.phase\": must be one of metadata.name, metadata.namespace, metadata.uid,"
            + " spec.nodeName, spec.serviceAccountName, status.hostIP, status.hostIPs, status.podIP,"
            + " status.podIPs, metadata.labels['KEY'], metadata.annotations['KEY']",
        "pods/web.yaml:15:9: spec.containers[0].env[1].valueFrom: valueFrom may have only one of fieldRef,"
            + " resourceFieldRef, configMapKeyRef, secretKeyRef",
        "pods/web.yaml:18:18: spec.containers[0].env[2].valueFrom: valueFrom needs one of fieldRef,"
            + " resourceFieldRef, configMapKeyRef, secretKeyRef",
        "pods/web.yaml:20:48: spec.containers[0].env[3].valueFrom.resourceFieldRef.resource: unsupported"
            + " resource \"limits.ephemeral-storage\": must be one of limits.cpu, limits.memory, requests.cpu,"
            + " requests.memory",
        "pods/web.yaml:22:7: spec.containers[0].envFrom[0]: an envFrom entry needs exactly one of"
            + " configMapRef, secretRef"),
        diagnostics(peapod(C, "- name: web", "  image: a:1", "  env:",
            "  - name: A", "    valueFrom:", "      fieldRef: {fieldPath: status.phase}",
            "  - name: B", "    valueFrom:", "      fieldRef: {fieldPath: metadata.name}",
            "      configMapKeyRef: {name: c, key: k}",
            "  - name: C", "    valueFrom: {}",
            "  - name: D", "    valueFrom: {resourceFieldRef: {resource: limits.ephemeral-storage}}",
            "  envFrom:", "  - prefix: P_")));
  }
}
