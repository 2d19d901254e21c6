package dev.peapod.engine.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;



import dev.peapod.engine.ManifestRejectedException;
import dev.peapod.engine.source.DesiredSnapshot;
import dev.peapod.engine.source.DirectorySource;
import dev.peapod.engine.spec.HostPathAllowList;
import dev.peapod.engine.spec.ImageSource;
import dev.peapod.engine.spec.ManifestToPodSpec;
import dev.peapod.images.oci.ImageConfig;
import dev.peapod.manifest.model.PodManifest;
import dev.peapod.plan.DesiredPod;
import dev.peapod.provider.ImageRootfs;
import java.nio.file.Files;
import java.nio.file.Path;
import dev.peapod.apply.SecretInputs;
import dev.peapod.provider.ContainerSpec;
import dev.peapod.provider.PodSpec;
import dev.peapod.provider.ProviderException;
import dev.peapod.provider.SecretKey;
import dev.peapod.provider.SecretValues;
import java.util.List;
import java.util.Optional;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** env valueFrom (ConfigMap keys, the downward API, resources) and envFrom, from a directory source to the provider spec. */
class ConfigAndDownwardEnvTest {

  private static final String POD = """
      apiVersion: v1
      kind: Pod
      metadata:
        name: web
        labels: {tier: front}
        annotations: {team: blue}
      spec:
        containers:
          - name: app
            image: busybox:1
            resources:
              limits: {cpu: 1500m, memory: 64Mi}
            envFrom:
              - configMapRef: {name: web-config}
                prefix: CFG_
            env:
              - name: GREETING
                valueFrom:
                  configMapKeyRef: {name: web-config, key: greeting}
              - name: CFG_greeting
                value: overridden
              - name: MISSING
                valueFrom:
                  configMapKeyRef: {name: absent, key: x, optional: true}
              - name: POD_NAME
                valueFrom: {fieldRef: {fieldPath: metadata.name}}
              - name: POD_NAMESPACE
                valueFrom: {fieldRef: {fieldPath: metadata.namespace}}
              - name: POD_UID
                valueFrom: {fieldRef: {fieldPath: metadata.uid}}
              - name: TIER
                valueFrom: {fieldRef: {fieldPath: "metadata.labels['tier']"}}
              - name: TEAM
                valueFrom: {fieldRef: {fieldPath: "metadata.annotations['team']"}}
              - name: NODE
                valueFrom: {fieldRef: {fieldPath: spec.nodeName}}
              - name: POD_IP
                valueFrom: {fieldRef: {fieldPath: status.podIP}}
              - name: HOST_IP
                valueFrom: {fieldRef: {fieldPath: status.hostIP}}
              - name: CPU_MILLIS
                valueFrom: {resourceFieldRef: {resource: limits.cpu, divisor: 1m}}
              - name: CPUS
                valueFrom: {resourceFieldRef: {resource: limits.cpu}}
              - name: MEM_MI
                valueFrom: {resourceFieldRef: {containerName: app, resource: limits.memory, divisor: 1Mi}}
      """;

  private static String configMap(String greeting) {
    return "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web-config\ndata:\n  greeting: " + greeting
        + "\n  color: blue\n  bad key!: x\n".replace("  bad key!: x\n", "");
  }

  private static final ImageSource IMAGES = (reference, policy) -> new ImageSource.Resolved(
      new ImageRootfs("sha256:1", Path.of("/images/busybox.erofs")),
      ImageConfig.of(null, List.of("sh"), List.of("PATH=/bin"), "", ""));

  @TempDir
  Path dir;

  @Test
  void valuesFromConfigMapsAndThePod() throws Exception {
    Files.writeString(dir.resolve("web.yaml"), POD);
    Files.writeString(dir.resolve("config.yaml"), configMap("hello"));
    DesiredSnapshot snapshot = DirectorySource.of(List.of(dir)).read();
    PodManifest pod = snapshot.pods().get(0).manifest();
    assertEquals(List.of("configmap/default/web-config"), pod.inputs().stream().map(o -> o.reference()).toList());
    PodEnvironment env = new PodEnvironment("default", "node-1", "192.0.2.7");
    Map<String, String> values = new ManifestToPodSpec(IMAGES, HostPathAllowList.fromEnvironment(), env)
        .convert(pod).spec().containers().get(0).env();
    assertEquals("hello", values.get("GREETING"));
    assertEquals("overridden", values.get("CFG_greeting"));
    assertEquals("blue", values.get("CFG_color"));
    assertTrue(!values.containsKey("MISSING"), values::toString);
    assertEquals("web", values.get("POD_NAME"));
    assertEquals("default", values.get("POD_NAMESPACE"));
    assertEquals(env.uid("web"), values.get("POD_UID"));
    assertEquals("front", values.get("TIER"));
    assertEquals("blue", values.get("TEAM"));
    assertEquals("node-1", values.get("NODE"));
    assertEquals("10.0.2.15", values.get("POD_IP"));
    assertEquals("192.0.2.7", values.get("HOST_IP"));
    assertEquals("1500", values.get("CPU_MILLIS"));
    assertEquals("2", values.get("CPUS"));
    assertEquals("64", values.get("MEM_MI"));
  }

  @Test
  void aPodFilesNamespaceIsWhereItsConfigMapsAreAndWhatTheDownwardApiSays() throws Exception {
    Files.writeString(dir.resolve("web.yaml"), POD.replace("  name: web\n", "  name: web\n  namespace: shop\n"));
    // The same ConfigMap in two namespaces: the pod takes its own namespace's, as Kubernetes does.
    Files.writeString(dir.resolve("config.yaml"), configMap("hello") + "---\n"
        + configMap("bonjour").replace("  name: web-config\n", "  name: web-config\n  namespace: shop\n"));
    PodManifest pod = DirectorySource.of(List.of(dir)).read().pods().get(0).manifest();
    assertEquals(List.of("configmap/shop/web-config"), pod.inputs().stream().map(o -> o.reference()).toList());
    PodEnvironment env = new PodEnvironment("default", "node-1", "192.0.2.7");
    Map<String, String> values = new ManifestToPodSpec(IMAGES, HostPathAllowList.fromEnvironment(), env)
        .convert(pod).spec().containers().get(0).env();
    assertEquals("bonjour", values.get("GREETING"));
    assertEquals("shop", values.get("POD_NAMESPACE"));
    assertEquals(env.withNamespace("shop").uid("web"), values.get("POD_UID"));
    assertNotEquals(env.uid("web"), values.get("POD_UID"), "another namespace, another pod");

    // Only the other namespace has it: not found, naming the pod's namespace.
    Files.writeString(dir.resolve("config.yaml"), configMap("hello"));
    ManifestRejectedException e = assertThrows(ManifestRejectedException.class,
        () -> DirectorySource.of(List.of(dir)).read());
    assertTrue(e.diagnostics().toString().contains("configmap \"web-config\" not found in namespace shop"),
        e.diagnostics()::toString);
  }

  @Test
  void aChangedConfigMapChangesThePodButNotItsRecordedSecrets() throws Exception {
    Files.writeString(dir.resolve("web.yaml"), POD);
    Files.writeString(dir.resolve("config.yaml"), configMap("hello"));
    DesiredPod before = DirectorySource.of(List.of(dir)).read().pods().get(0);
    Files.writeString(dir.resolve("config.yaml"), configMap("bonjour"));
    DesiredPod after = DirectorySource.of(List.of(dir)).read().pods().get(0);
    assertNotEquals(before.normalized().hash(), after.normalized().hash());
    assertTrue(before.normalized().tree().toString().contains("configInputs"));
    assertTrue(!after.normalized().tree().toString().contains("bonjour"), "only the hash is in the tree");
  }

  @Test
  void aPodConvertedWithoutItsConfigMapsIsRefusedNotStrippedOfVariables() throws Exception {
    Files.writeString(dir.resolve("web.yaml"), POD);
    PodManifest unresolved = dev.peapod.manifest.ManifestParser.parse(dir.resolve("web.yaml")).manifests().get(0);
    ManifestRejectedException e = assertThrows(ManifestRejectedException.class,
        () -> new ManifestToPodSpec(IMAGES, HostPathAllowList.fromEnvironment(),
            new PodEnvironment("default", "n", "h")).convert(unresolved));
    String message = e.diagnostics().toString();
    assertTrue(message.contains("container \"app\": envFrom needs configmap \"web-config\", which was not found"),
        message);
    assertTrue(message.contains("variable \"GREETING\" needs key \"greeting\" of configmap \"web-config\""), message);
    assertTrue(!message.contains("MISSING"), "an optional reference is left out quietly: " + message);
  }

  @Test
  void aMissingConfigMapIsRefusedAtTheReference() throws Exception {
    Files.writeString(dir.resolve("web.yaml"), POD);
    ManifestRejectedException e = assertThrows(ManifestRejectedException.class,
        () -> DirectorySource.of(List.of(dir)).read());
    assertEquals(List.of(
        dir.resolve("web.yaml") + ":14:11: spec.containers[0].envFrom[0]: configmap \"web-config\" not found in"
            + " namespace default (declare a ConfigMap document next to the pod, or mark the reference optional: true)",
        dir.resolve("web.yaml") + ":18:11: spec.containers[0].env[0].valueFrom: configmap \"web-config\" not found in"
            + " namespace default (declare a ConfigMap document next to the pod, or mark the reference optional: true)"),
        e.diagnostics().stream().map(Object::toString).toList());
  }

  private static final String SECRET_POD = """
      apiVersion: v1
      kind: Pod
      metadata: {name: web}
      spec:
        containers:
          - name: app
            image: busybox:1
            envFrom:
              - secretRef: {name: creds}
                prefix: S_
              - secretRef: {name: absent, optional: true}
            env:
              - name: PW
                valueFrom: {secretKeyRef: {name: creds, key: pw}}
              - name: S_user
                value: plain-wins
              - name: PATH
                valueFrom: {secretKeyRef: {name: creds, key: pw}}
      ---
      apiVersion: v1
      kind: Secret
      metadata: {name: creds}
      stringData: {pw: hunter2, user: alice}
      """;

  @Test
  void secretVariablesAreReferencesInTheSpecAndTheirValuesComeApart() throws Exception {
    Files.writeString(dir.resolve("web.yaml"), SECRET_POD);
    PodManifest pod = DirectorySource.of(List.of(dir)).read().pods().get(0).manifest();
    ContainerSpec app = new ManifestToPodSpec(IMAGES, HostPathAllowList.fromEnvironment(),
        new PodEnvironment("default", "n", "h")).convert(pod).spec().containers().get(0);
    SecretKey pw = new SecretKey("default", "creds", "pw");
    assertEquals(Map.of("PW", pw, "S_pw", pw, "PATH", pw), app.secretEnv());
    assertEquals("plain-wins", app.env().get("S_user"), "a later plain value wins over envFrom's Secret");
    assertTrue(!app.env().containsKey("PATH"), "the Secret's PATH wins over the image's: " + app.env());
    assertTrue(!app.toString().contains("hunter2") && !app.toString().contains("alice"), app::toString);

    SecretValues values = SecretInputs.of(pod);
    assertEquals(Optional.of("hunter2"), values.text(pw));
    assertEquals(Optional.of("alice"), values.text(new SecretKey("default", "creds", "user")));
    assertEquals("SecretValues(2 values)", values.toString());
    PodSpec filled = values.fill(PodSpec.of("web", List.of(app)));
    assertEquals("hunter2", filled.containers().get(0).env().get("PW"));
    assertEquals("hunter2", filled.containers().get(0).env().get("PATH"));
    assertEquals(Map.of(), filled.containers().get(0).secretEnv());
  }

  @Test
  void aSpecWhoseSecretValueWasNotGivenIsNotStarted() throws Exception {
    Files.writeString(dir.resolve("web.yaml"), SECRET_POD);
    PodManifest pod = DirectorySource.of(List.of(dir)).read().pods().get(0).manifest();
    PodSpec spec = new ManifestToPodSpec(IMAGES, HostPathAllowList.fromEnvironment(),
        new PodEnvironment("default", "n", "h")).convert(pod).spec();
    ProviderException e = assertThrows(ProviderException.class, () -> SecretValues.NONE.fill(spec));
    assertTrue(e.getMessage().contains("takes its value from key \"pw\" of secret default/creds, which was not given"),
        e.getMessage());
  }

  @Test
  void aMissingSecretIsRefusedAtTheReferenceWithoutItsValues() throws Exception {
    Files.writeString(dir.resolve("web.yaml"), SECRET_POD.replace("key: pw}}\n        - name: S_user",
        "key: nope}}\n        - name: S_user"));
    ManifestRejectedException e = assertThrows(ManifestRejectedException.class,
        () -> DirectorySource.of(List.of(dir)).read());
    String message = e.diagnostics().toString();
    assertTrue(message.contains("spec.containers[0].env[0].valueFrom: secret \"creds\" has no key \"nope\""),
        message);
    assertTrue(!message.contains("hunter2"), message);
  }

  @Test
  void expandingASecretVariableIntoTheCommandIsRefusedWithTheWayAround() throws Exception {
    Files.writeString(dir.resolve("web.yaml"), SECRET_POD.replace("image: busybox:1",
        "image: busybox:1\n      args: [\"--password=$(PW)\", \"$$(PW) is literal\"]"));
    PodManifest pod = DirectorySource.of(List.of(dir)).read().pods().get(0).manifest();
    ManifestRejectedException e = assertThrows(ManifestRejectedException.class,
        () -> new ManifestToPodSpec(IMAGES, HostPathAllowList.fromEnvironment(),
            new PodEnvironment("default", "n", "h")).convert(pod));
    String message = e.diagnostics().toString();
    assertTrue(message.contains("spec.containers[0]: container \"app\": args expand $(PW), whose value comes from a"
        + " Secret"), message);
    assertTrue(message.contains("sh -c '... $PW'"), message);
  }

  @Test
  void aSecretVolumesFilesAreReferencesInTheSpecAndTheirBytesComeApart() throws Exception {
    Files.writeString(dir.resolve("web.yaml"), """
        apiVersion: v1
        kind: Pod
        metadata: {name: web}
        spec:
          containers:
            - name: app
              image: busybox:1
              volumeMounts: [{name: tls, mountPath: /etc/tls}]
          volumes:
            - name: tls
              projected:
                sources:
                  - secret: {name: tls, items: [{key: tls.key, path: private/key.pem, mode: 0400}]}
                  - configMap: {name: plain}
        ---
        apiVersion: v1
        kind: Secret
        metadata: {name: tls}
        type: kubernetes.io/tls
        stringData: {tls.key: hunter2-key, tls.crt: cert}
        ---
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: plain}
        data: {motd: hello}
        """);
    PodManifest pod = DirectorySource.of(List.of(dir)).read().pods().get(0).manifest();
    PodSpec spec = new ManifestToPodSpec(IMAGES, HostPathAllowList.fromEnvironment(),
        new PodEnvironment("default", "n", "h")).convert(pod).spec();
    dev.peapod.provider.FileSet files = spec.volumes().get(0).files().orElseThrow();
    assertTrue(files.sensitive());
    dev.peapod.provider.VolumeFile key = files.files().stream().filter(f -> f.path().equals("private/key.pem"))
        .findFirst().orElseThrow();
    assertEquals(new SecretKey("default", "tls", "tls.key"), key.secret());
    assertEquals(0, key.size(), "the spec holds the reference, not the bytes");
    assertEquals(0400, key.mode());
    dev.peapod.provider.VolumeFile motd = files.files().stream().filter(f -> f.path().equals("motd"))
        .findFirst().orElseThrow();
    assertEquals("hello", new String(motd.content(), java.nio.charset.StandardCharsets.UTF_8));
    String json = new com.fasterxml.jackson.databind.ObjectMapper().findAndRegisterModules().writeValueAsString(spec);
    assertTrue(!json.contains("hunter2") && !json.contains(java.util.Base64.getEncoder().encodeToString(
        "hunter2-key".getBytes())), json);

    PodSpec filled = SecretInputs.of(pod).fill(spec);
    dev.peapod.provider.VolumeFile given = filled.volumes().get(0).files().orElseThrow().files().stream()
        .filter(f -> f.path().equals("private/key.pem")).findFirst().orElseThrow();
    assertEquals("hunter2-key", new String(given.content(), java.nio.charset.StandardCharsets.UTF_8));
    assertEquals(spec, SecretValues.withoutValues(filled), "what a provider records is the spec again");
    ProviderException e = assertThrows(ProviderException.class, () -> SecretValues.NONE.fill(spec));
    assertTrue(e.getMessage().contains("file private/key.pem of volume tls holds key \"tls.key\" of secret"
        + " default/tls, which was not given"), e.getMessage());
  }
}
