package dev.peapod.manifest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.peapod.manifest.model.VmSettings;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** spec.vm left out: sized from the containers' limits (or requests), see VmSizing. */
class VmSizingTest {

  private static VmSettings vm(String spec) {
    ParseResult result = ManifestParser.parse("p.yaml",
        "apiVersion: peapod.dev/v1alpha1\nkind: PeaPod\nmetadata: {name: p}\nspec:\n" + spec);
    assertEquals(java.util.List.of(), result.diagnostics().errors(), result.diagnostics().toString());
    return result.manifests().get(0).spec().vm();
  }

  private static String c(String name, String resources) {
    return "  - {name: " + name + ", image: a:1, resources: " + resources + "}\n";
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      // no resources anywhere: the defaults
      "no limits | containers:\\n" + "  - {name: a, image: a:1}\\n | 1 | 128Mi",
      // sum of limits, cpu rounded up, memory + 32Mi overhead
      "limits add up | containers:\\n  - {name: a, image: a:1, resources: {limits: {cpu: 500m, memory: 64Mi}}}\\n"
          + "  - {name: b, image: a:1, resources: {limits: {cpu: 700m, memory: 100M}}}\\n | 2 | 192Mi",
      // requests count when there is no limit
      "requests without limits | containers:\\n  - {name: a, image: a:1, resources: {requests: {cpu: '3', memory: 1Gi}}}\\n | 3 | 1056Mi",
      // tiny memory still gets the 64Mi minimum
      "minimum memory | containers:\\n  - {name: a, image: a:1, resources: {limits: {memory: 8Mi}}}\\n | 1 | 64Mi",
      // a plain init container runs alone: the peak is the larger of it and the app
      "init peak | initContainers:\\n  - {name: i, image: a:1, resources: {limits: {cpu: '4', memory: 512Mi}}}\\n"
          + "  containers:\\n  - {name: a, image: a:1, resources: {limits: {cpu: '1', memory: 64Mi}}}\\n | 4 | 544Mi",
      // sidecars run beside everything after them
      "sidecar adds | initContainers:\\n  - {name: s, image: a:1, restartPolicy: Always, resources: {limits: {cpu: '1', memory: 64Mi}}}\\n"
          + "  containers:\\n  - {name: a, image: a:1, resources: {limits: {cpu: '1', memory: 64Mi}}}\\n | 2 | 160Mi",
      // explicit values win field by field
      "explicit vcpus | vm: {vcpus: 3}\\n  containers:\\n  - {name: a, image: a:1, resources: {limits: {memory: 1Gi}}}\\n | 3 | 1056Mi",
  })
  void sizesTheVm(String name, String spec, int vcpus, String memory) {
    VmSettings vm = vm("  " + spec.replace("\\n", "\n"));
    assertEquals(vcpus, vm.vcpus());
    assertEquals(memory, vm.memory().toString());
  }
}
