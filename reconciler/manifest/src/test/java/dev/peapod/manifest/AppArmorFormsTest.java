package dev.peapod.manifest;

import static dev.peapod.manifest.Manifests.diagnostics;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/**
 * AppArmor's two forms, the annotation {@code container.apparmor.security.beta.kubernetes.io/NAME}
 * and the field {@code securityContext.appArmorProfile} (pod or container), behave identically:
 * RuntimeDefault and Unconfined accepted (no AppArmor in the guest kernel; the VM boundary and the
 * default confinement stand in), Localhost refused with one reason; and together, as Kubernetes
 * checks on create, the annotation names a container of the pod and agrees with its field.
 */
class AppArmorFormsTest {

  private static final String REFUSED = "AppArmor profiles are not loaded: the guest kernel has no AppArmor"
      + " (containers are confined by capabilities, seccomp and their VM); use RuntimeDefault or Unconfined";

  private static List<String> annotated(String value) {
    return messages(diagnostics("apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  annotations:\n"
        + "    container.apparmor.security.beta.kubernetes.io/app: " + value + "\n"
        + "spec:\n  containers: [{name: app, image: app:1}]\n"));
  }

  private static List<String> containerField(String type) {
    return messages(diagnostics("apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n  containers:\n"
        + "  - name: app\n    image: app:1\n    securityContext:\n      appArmorProfile: {type: " + type
        + (type.equals("Localhost") ? ", localhostProfile: k8s-deny-write" : "") + "}\n"));
  }

  private static List<String> podField(String type) {
    return messages(diagnostics("apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n  securityContext:\n"
        + "    appArmorProfile: {type: " + type + (type.equals("Localhost") ? ", localhostProfile: k8s-deny-write" : "")
        + "}\n  containers: [{name: app, image: app:1}]\n"));
  }

  /** Each diagnostic without its position and path, which differ between the forms by nature. */
  private static List<String> messages(List<String> diagnostics) {
    return diagnostics.stream().map(d -> d.substring(d.indexOf(": ", d.indexOf(": ") + 2) + 2)).toList();
  }

  @ParameterizedTest
  @CsvSource({"runtime/default, RuntimeDefault, ''", "unconfined, Unconfined, ''",
      "localhost/k8s-deny-write, Localhost, refused"})
  void bothFormsGiveTheSameAnswer(String annotation, String type, String outcome) {
    List<String> expected = outcome.isEmpty() ? List.of() : List.of(REFUSED);
    assertEquals(expected, annotated(annotation), "annotation " + annotation);
    assertEquals(expected, containerField(type), "container field " + type);
    assertEquals(expected, podField(type), "pod field " + type);
  }

  @Test
  void theAnnotationNamesAContainerOfThePodAndAgreesWithItsField() {
    assertEquals(List.of(
        "pods/web.yaml:6:5: metadata.annotations[\"container.apparmor.security.beta.kubernetes.io/other\"]: the pod"
            + " has no container \"other\": the AppArmor annotation names the container it is for",
        "pods/web.yaml:7:5: metadata.annotations[\"container.apparmor.security.beta.kubernetes.io/app\"]: AppArmor"
            + " profile \"unconfined\" disagrees with appArmorProfile type RuntimeDefault at line 13 (as Kubernetes"
            + " requires, the annotation and the field must say the same; keep one)"),
        diagnostics("""
            apiVersion: v1
            kind: Pod
            metadata:
              name: web
              annotations:
                container.apparmor.security.beta.kubernetes.io/other: runtime/default
                container.apparmor.security.beta.kubernetes.io/app: unconfined
                container.apparmor.security.beta.kubernetes.io/side: unconfined
            spec:
              containers:
              - name: app
                image: app:1
                securityContext: {appArmorProfile: {type: RuntimeDefault}}
              - name: side
                image: app:1
            """));
    // Agreeing forms, the container's over the pod's as Kubernetes compares them.
    assertEquals(List.of(), diagnostics("""
        apiVersion: v1
        kind: Pod
        metadata:
          name: web
          annotations: {container.apparmor.security.beta.kubernetes.io/app: runtime/default}
        spec:
          securityContext: {appArmorProfile: {type: Unconfined}}
          containers:
          - {name: app, image: app:1, securityContext: {appArmorProfile: {type: RuntimeDefault}}}
        """));
  }
}
