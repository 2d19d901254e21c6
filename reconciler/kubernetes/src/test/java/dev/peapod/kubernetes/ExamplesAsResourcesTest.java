package dev.peapod.kubernetes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.peapod.manifest.ManifestParser;
import dev.peapod.manifest.ParseResult;
import dev.peapod.manifest.model.PodManifest;
import dev.peapod.plan.NormalizedPod;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every PeaPod in {@code examples/}, applied as a custom resource, is the pod its file declares:
 * the same spec, labels and annotations, normalised as the planner compares them; only the name
 * differs ({@code default--web}).
 */
class ExamplesAsResourcesTest {

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  @Test
  void everyExampleReadsTheSameAsAResource() throws Exception {
    Path examples = Path.of(System.getProperty("peapod.repo", "../..")).toAbsolutePath().normalize()
        .resolve("examples");
    List<Path> files;
    try (Stream<Path> all = Files.walk(examples)) {
      files = all.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
    }
    int compared = 0;
    for (Path file : files) {
      ParseResult fromFile = ManifestParser.parse(file);
      assertTrue(fromFile.diagnostics().errors().isEmpty(), fromFile.diagnostics().toString());
      List<JsonNode> documents = YAML.readValues(YAML.createParser(file.toFile()), JsonNode.class).readAll();
      for (int i = 0; i < documents.size(); i++) {
        GenericKubernetesResource resource = SERIALIZATION.unmarshal(documents.get(i).toString(),
            GenericKubernetesResource.class);
        resource.getMetadata().setNamespace("default");
        resource.getMetadata().setGeneration(1L);
        PodManifest fromResource = new KubernetesSource(resource).read().pods().get(0).manifest();
        PodManifest declared = fromFile.manifests().get(i);
        assertEquals("default--" + declared.name(), fromResource.name());
        assertEquals(withoutName(NormalizedPod.of(declared).tree()), withoutName(NormalizedPod.of(fromResource).tree()),
            file.toString());
        compared++;
      }
    }
    assertTrue(compared >= 3, "examples compared: " + compared);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> withoutName(Map<String, Object> tree) {
    Map<String, Object> copy = new java.util.TreeMap<>(tree);
    copy.remove("name");
    if (copy.get("metadata") instanceof Map<?, ?> metadata) {
      Map<String, Object> m = new java.util.TreeMap<>((Map<String, Object>) metadata);
      m.remove("name");
      copy.put("metadata", m);
    }
    return copy;
  }
}
