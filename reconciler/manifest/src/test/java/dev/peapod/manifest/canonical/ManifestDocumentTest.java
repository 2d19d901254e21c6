package dev.peapod.manifest.canonical;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peapod.manifest.ManifestParser;
import dev.peapod.manifest.ParseResult;
import dev.peapod.manifest.model.DesiredState;
import dev.peapod.manifest.model.PodManifest;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The canonical tree written back as a PeaPod document parses to the same pod. */
class ManifestDocumentTest {

  private static final String RICH = """
      apiVersion: peapod.dev/v1alpha1
      kind: PeaPod
      metadata:
        name: shop
        labels: {team: web}
        annotations: {note: "x: y"}
      spec:
        initContainers:
        - name: migrate
          image: app:2
          command: [/migrate]
        - name: proxy
          image: proxy:1
          restartPolicy: Always
          ports: [{containerPort: 9000, hostPort: 9001, hostIP: 127.0.0.2}]
        containers:
        - name: web
          image: web:latest
          args: [--port, "8080"]
          env: [{name: A, value: "1"}, {name: B, value: "$(A)x"}]
          workingDir: /srv
          ports: [{name: http, containerPort: 8080, hostPort: 8080}, {containerPort: 53, protocol: UDP}]
          volumeMounts: [{name: data, mountPath: /data, readOnly: true, subPath: sub}, {name: cache, mountPath: /cache}]
          resources: {limits: {memory: 128Mi, cpu: "2"}}
          securityContext: {runAsUser: 1000, runAsGroup: 100}
        - name: side
          image: busybox:1.36
          imagePullPolicy: Never
          command: [sh, -c, "sleep 1"]
        volumes:
        - name: data
          hostPath: {path: /tmp, type: Directory}
        - name: cache
          emptyDir: {medium: Memory, sizeLimit: 64Mi}
        hostname: shop1
        dnsPolicy: None
        dnsConfig: {nameservers: [10.0.0.1], searches: [a.example], options: [{name: ndots, value: "2"}, {name: edns0}]}
        hostAliases: [{ip: 10.0.0.9, hostnames: [db, db.local]}]
        terminationGracePeriodSeconds: 5
        restartPolicy: OnFailure
        vm: {vcpus: 2, memory: 256Mi}
        state: Created
      """;

  @Test
  void aRichPodRoundTrips() throws Exception {
    PodManifest original = parse("shop.yaml", RICH);
    PodManifest back = roundTrip(original, original.spec().state() == DesiredState.CREATED);
    assertEquals(CanonicalForm.json(original), CanonicalForm.json(back));
    assertEquals(original, back);
  }

  @Test
  void aPodOfDefaultsRoundTripsAndWritesFewFields() throws Exception {
    PodManifest original = parse("min.yaml", """
        apiVersion: peapod.dev/v1alpha1
        kind: PeaPod
        metadata: {name: min}
        spec:
          containers: [{name: c, image: busybox:1.36}]
        """);
    Map<String, Object> document = ManifestDocument.of(CanonicalForm.tree(original), false);
    String json = new ObjectMapper().writeValueAsString(document);
    assertEquals("{\"apiVersion\":\"peapod.dev/v1alpha1\",\"kind\":\"PeaPod\",\"metadata\":{\"name\":\"min\"},"
        + "\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"busybox:1.36\",\"imagePullPolicy\":\"IfNotPresent\"}],"
        + "\"hostname\":\"min\",\"terminationGracePeriodSeconds\":30,\"restartPolicy\":\"Always\","
        + "\"vm\":{\"vcpus\":1,\"memory\":\"" + original.spec().vm().memory().toNormalizedString() + "\"}}}", json);
    assertEquals(original, roundTrip(original, false));
  }

  @Test
  void securityContextsRoundTripWithThePodsSettingsOnEachContainer() throws Exception {
    PodManifest original = parse("secure.yaml", """
        apiVersion: v1
        kind: Pod
        metadata: {name: secure}
        spec:
          securityContext:
            runAsUser: 1000
            runAsNonRoot: true
            fsGroup: 2000
            fsGroupChangePolicy: OnRootMismatch
            supplementalGroups: [3000, 4000]
            supplementalGroupsPolicy: Strict
            sysctls: [{name: net.core.somaxconn, value: "1024"}, {name: kernel/shm_rmid_forced, value: "1"}]
            seccompProfile: {type: RuntimeDefault}
          containers:
          - name: web
            image: web:1
            securityContext:
              allowPrivilegeEscalation: false
              capabilities: {drop: [ALL], add: [NET_BIND_SERVICE]}
              readOnlyRootFilesystem: true
          - name: debug
            image: web:1
            securityContext: {runAsNonRoot: false, seccompProfile: {type: Unconfined}, allowPrivilegeEscalation: true}
        """);
    PodManifest back = roundTrip(original, false);
    assertEquals(CanonicalForm.json(original), CanonicalForm.json(back));
    assertEquals(original, back);
  }

  @Test
  void theExamplesRoundTrip() throws Exception {
    for (String file : new String[] {"web/web.yaml", "init-containers/migrate.yaml", "shared-pid/shared-pid.yaml"}) {
      ParseResult parsed = ManifestParser.parse(Path.of("../../examples").resolve(file));
      assertTrue(parsed.isValid(), parsed.diagnostics().all()::toString);
      for (PodManifest pod : parsed.manifests()) {
        assertEquals(CanonicalForm.json(pod), CanonicalForm.json(roundTrip(pod,
            pod.spec().state() == DesiredState.CREATED)), file + " " + pod.name());
      }
    }
  }

  /**
   * A HyperContainer pod's files are the volume {@code hyperd-files}: written back as a {@code files}
   * volume with the bytes the pod's spec keeps (text as content, the rest in base64), it parses to
   * the same pod; without them the digests stay and the document is refused, never applied with
   * other bytes.
   */
  @Test
  void aHyperContainerPodsFilesRoundTripWithTheirBytes() throws Exception {
    ParseResult parsed = ManifestParser.parse(Path.of("src/test/resources/hyper/files.pod"));
    assertTrue(parsed.isValid(), parsed.diagnostics().all()::toString);
    PodManifest original = parsed.manifests().get(0);
    var inline = (dev.peapod.manifest.model.FileProjection.Inline) ((dev.peapod.manifest.model.VolumeSource.Files)
        original.spec().volumes().get(0).source()).sources().get(0);
    Map<String, byte[]> bytes = new java.util.HashMap<>();
    inline.files().forEach(f -> bytes.put(f.path(), f.content()));
    @SuppressWarnings("unchecked")
    Map<String, Object> stored = new ObjectMapper().readValue(CanonicalForm.json(original), Map.class);
    Map<String, Object> document = ManifestDocument.withFileContents(ManifestDocument.of(stored, false),
        (volume, path) -> volume.equals("hyperd-files") ? java.util.Optional.ofNullable(bytes.get(path))
            : java.util.Optional.empty());
    String text = new ObjectMapper().writeValueAsString(document);
    assertTrue(text.contains("\"files\":{\"defaultMode\"") && text.contains("\"content\":\"greeting=hello\\n\""),
        text);
    PodManifest back = parse("back.json", text);
    assertEquals(CanonicalForm.json(original), CanonicalForm.json(back));

    // Bytes that are not text go as base64, and still give the same digest.
    PodManifest binary = parse("bin.yaml", """
        apiVersion: peapod.dev/v1alpha1
        kind: PeaPod
        metadata: {name: bin}
        spec:
          containers: [{name: c, image: busybox:1.36, volumeMounts: [{name: f, mountPath: /f, subPath: a/b}]}]
          volumes:
          - name: f
            files: {defaultMode: 0600, files: [{path: a/b, contentBase64: AAEC/w==, mode: 0755, uid: 7}]}
        """);
    @SuppressWarnings("unchecked")
    Map<String, Object> tree = new ObjectMapper().readValue(CanonicalForm.json(binary), Map.class);
    String written = new ObjectMapper().writeValueAsString(ManifestDocument.withFileContents(
        ManifestDocument.of(tree, false), (volume, path) -> java.util.Optional.of(new byte[] {0, 1, 2, (byte) 0xff})));
    assertTrue(written.contains("\"contentBase64\":\"AAEC/w==\""), written);
    assertEquals(CanonicalForm.json(binary), CanonicalForm.json(parse("bin2.json", written)));

    String digestsOnly = new ObjectMapper().writeValueAsString(ManifestDocument.of(tree, false));
    assertTrue(!ManifestParser.parse("d.json", digestsOnly).isValid(), "a digest is no content");
  }

  private static PodManifest roundTrip(PodManifest pod, boolean created) throws Exception {
    // Through JSON as an applied record stores the tree, then as the text a user saves.
    @SuppressWarnings("unchecked")
    Map<String, Object> stored = new ObjectMapper().readValue(CanonicalForm.json(pod), Map.class);
    String text = new ObjectMapper().writeValueAsString(ManifestDocument.of(stored, created));
    return parse("back.json", text);
  }

  private static PodManifest parse(String name, String text) {
    ParseResult parsed = ManifestParser.parse(name, text);
    assertTrue(parsed.isValid(), () -> parsed.diagnostics().all() + "\n" + text);
    return parsed.manifests().get(0);
  }
}
