package dev.peapod.manifest;

import static dev.peapod.manifest.Manifests.diagnostics;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peapod.manifest.model.VmSettings;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Pod-level {@code spec.resources} size the VM over the containers' sum, as Kubernetes sizes the
 * pod from them; {@code resizePolicy} is checked and accepted; image references are checked where
 * they are written.
 */
class PodLevelResourcesTest {

  private static VmSettings vm(String spec) {
    ParseResult parsed = ManifestParser.parse(Manifests.FILE,
        "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n" + spec);
    assertTrue(parsed.isValid(), parsed.diagnostics()::toString);
    return parsed.manifests().get(0).spec().vm();
  }

  @Test
  void podLevelLimitsTakePrecedenceOverTheContainers() {
    VmSettings vm = vm("""
          resources: {limits: {cpu: "2", memory: 512Mi}}
          containers:
          - {name: a, image: a:1, resources: {limits: {cpu: 500m, memory: 100Mi}}}
          - {name: b, image: b:1}
        """);
    assertEquals(2, vm.vcpus());
    assertEquals(512 + 32, vm.memoryMiB(), "the pod's memory plus the guest's own");
  }

  @Test
  void podLevelRequestsCountWhenThereIsNoLimitAndEachResourceIsItsOwn() {
    VmSettings vm = vm("""
          resources: {requests: {memory: 200Mi}}
          containers:
          - {name: a, image: a:1, resources: {limits: {cpu: "2"}}}
        """);
    assertEquals(2, vm.vcpus(), "cpu from the container: the pod names only memory");
    assertEquals(232, vm.memoryMiB());
  }

  @Test
  void podLevelResourcesMustHoldWhatTheContainersAskFor() {
    assertEquals(List.of("pods/web.yaml:5:14: spec.resources: the pod's memory (128Mi) is less than its"
        + " containers ask for together (256Mi); pod-level resources must hold them"),
        diagnostics("""
            apiVersion: v1
            kind: Pod
            metadata: {name: web}
            spec:
              resources: {limits: {memory: 128Mi}}
              containers:
              - {name: a, image: a:1, resources: {limits: {memory: 128Mi}}}
              - {name: b, image: b:1, resources: {requests: {memory: 128Mi}}}
            """));
  }

  @Test
  void resizePolicyIsCheckedAndAccepted() {
    assertEquals(List.of(
        "pods/web.yaml:9:22: spec.containers[0].resizePolicy[0].resourceName: invalid value \"gpu\": must"
            + " be one of cpu, memory",
        "pods/web.yaml:11:22: spec.containers[0].resizePolicy[2].resourceName: resource \"cpu\" has a resize"
            + " policy already"),
        diagnostics("""
            apiVersion: v1
            kind: Pod
            metadata: {name: web}
            spec:
              containers:
              - name: a
                image: a:1
                resizePolicy:
                - {resourceName: gpu, restartPolicy: RestartContainer}
                - {resourceName: cpu, restartPolicy: NotRequired}
                - {resourceName: cpu, restartPolicy: RestartContainer}
            """));
  }

  @Test
  void anInvalidImageReferenceIsReportedWithTheOtherProblemsAtItsPosition() {
    assertEquals(List.of(
        "pods/web.yaml:7:12: spec.containers[0].image: invalid image reference \"Web:1\": repository name"
            + " must be lowercase",
        "pods/web.yaml:8:5: spec.containers[0].colour: unknown field"),
        diagnostics("""
            apiVersion: v1
            kind: Pod
            metadata: {name: web}
            spec:
              containers:
              - name: a
                image: Web:1
                colour: red
            """));
  }
}
