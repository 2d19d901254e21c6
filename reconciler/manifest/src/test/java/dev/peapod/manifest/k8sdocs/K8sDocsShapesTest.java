package dev.peapod.manifest.k8sdocs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peapod.manifest.ManifestParser;
import dev.peapod.manifest.ParseResult;
import dev.peapod.manifest.diag.Diagnostic;
import dev.peapod.manifest.diag.Severity;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Pod files in the shapes of the Kubernetes documentation's pod examples ({@code
 * content/en/examples/pods/} of kubernetes/website), one file per shape, written for this test (not
 * copies): which Peapod accepts, and for each it refuses, that the reason is the one the README's
 * compatibility table gives. The share accepted is printed for issue 17's target (90 %).
 */
class K8sDocsShapesTest {

  private static final Path REPO = Path.of(System.getProperty("peapod.repo", "../..")).toAbsolutePath().normalize();
  private static final Pattern UNSUPPORTED = Pattern.compile(".*not supported by Peapod \\((.*)\\)$");

  /** Shapes refused on purpose, with why in a few words; every other shape must be accepted. */
  private static final Map<String, String> REFUSED_BY_DESIGN = Map.of(
      "extended-resource.yaml", "extended resources cannot exist in a VM on this host",
      "restart-rules.yaml", "guest-init restarts by restartPolicy only",
      "projected-service-account-token.yaml", "a service account token is a cluster's",
      "node-name.yaml", "pods run on this host, there is no scheduler",
      "apparmor-annotation.yaml", "a Localhost AppArmor profile: the guest kernel has no AppArmor");

  private static Path corpus() throws URISyntaxException {
    return Path.of(K8sDocsShapesTest.class.getResource("/k8s-docs-shapes").toURI());
  }

  private static Map<String, List<Diagnostic>> errorsByFile() throws Exception {
    Map<String, List<Diagnostic>> out = new TreeMap<>();
    try (Stream<Path> files = Files.list(corpus())) {
      for (Path file : files.sorted().toList()) {
        ParseResult result = ManifestParser.parse(file);
        out.put(file.getFileName().toString(), result.diagnostics().all().stream()
            .filter(d -> d.severity() == Severity.ERROR).toList());
      }
    }
    return out;
  }

  @Test
  void everyRefusalIsInTheReadmesCompatibilityTable() throws Exception {
    String table = compatibilitySection();
    List<String> missing = new ArrayList<>();
    errorsByFile().forEach((file, errors) -> errors.forEach(e -> {
      String reason = reasonOf(e.message());
      if (!table.contains(reason)) {
        missing.add(file + ": " + e.path() + ": " + reason);
      }
    }));
    assertEquals(List.of(), missing, "refusal reasons missing from README's compatibility table");
  }

  @Test
  void shapesAreAcceptedButForTheRefusalsByDesignAndTheShareIsPrinted() throws Exception {
    Map<String, List<Diagnostic>> errors = errorsByFile();
    List<String> refused = errors.entrySet().stream().filter(e -> !e.getValue().isEmpty())
        .map(Map.Entry::getKey).toList();
    long accepted = errors.size() - refused.size();
    System.out.printf("k8s-docs-shapes: %d of %d accepted (%.0f %%); refused: %s%n", accepted,
        errors.size(), 100.0 * accepted / errors.size(), refused);
    for (String file : REFUSED_BY_DESIGN.keySet()) {
      assertTrue(refused.contains(file), file + " is refused by design: " + REFUSED_BY_DESIGN.get(file));
    }
    for (String file : FILE_VOLUMES) {
      assertEquals(List.of(), errors.get(file).stream().map(Diagnostic::toString).toList(), file);
    }
    for (String file : MINE) {
      assertEquals(List.of(), errors.get(file).stream().map(Diagnostic::toString).toList(), file);
    }
    for (String file : VOLUMES_AND_NEWER_FIELDS) {
      assertEquals(List.of(), errors.get(file).stream().map(Diagnostic::toString).toList(), file);
    }
  }

  /** configMap, downwardAPI and projected volumes (volumes of files). */
  private static final List<String> FILE_VOLUMES = List.of("configmap-volume.yaml", "downward-volume.yaml",
      "projected-volume.yaml");

  /** Image volumes and emptyDir's mode (Kubernetes 1.37), accepted since helper k8sdocs2's work. */
  private static final List<String> VOLUMES_AND_NEWER_FIELDS = List.of("image-volume.yaml",
      "image-volume-subpath.yaml", "emptydir-mode.yaml");

  /** The shapes issue 17 left to this test's author (pod-level resources, claims, resize, ...). */
  private static final List<String> MINE = List.of("pod-level-cpu.yaml", "pod-level-memory.yaml",
      "pod-level-both.yaml", "pod-level-with-sidecar.yaml", "pod-level-pids.yaml", "pod-level-resize.json",
      "resize-policy.yaml", "pvc-pod.yaml", "pvc-two-subpaths.yaml", "pvc-with-claim-document.yaml",
      "pvc-read-only.yaml", "qos-guaranteed.yaml", "qos-burstable-two-containers.yaml",
      "qos-best-effort.yaml", "cpu-request-limit.yaml", "memory-request-limit.yaml",
      "simple-pod.yaml", "command-and-args.yaml", "two-containers-shared-emptydir.yaml",
      "init-containers.yaml", "sidecar-log-shipper.yaml", "adapter-and-ambassador.yaml",
      "redis-emptydir.yaml", "dns-config.yaml", "host-aliases.yaml",
      // Secrets (helper secrets): imagePullSecrets resolve to registry credentials, secret volumes are files
      "private-registry.yaml", "secret-volume.yaml");

  /** What the README must say for a refusal: the reason in parentheses, or the whole message. */
  static String reasonOf(String message) {
    Matcher m = UNSUPPORTED.matcher(message);
    return m.matches() ? m.group(1) : message;
  }

  private static String compatibilitySection() throws IOException {
    String readme = Files.readString(REPO.resolve("README.md"));
    int start = readme.indexOf("### Kubernetes compatibility");
    assertTrue(start >= 0, "README has a '### Kubernetes compatibility' section");
    int end = readme.indexOf("\n## ", start);
    return readme.substring(start, end < 0 ? readme.length() : end).replace("\\|", "|");
  }
}
