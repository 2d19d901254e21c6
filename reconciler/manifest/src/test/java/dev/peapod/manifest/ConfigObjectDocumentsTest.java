package dev.peapod.manifest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peapod.manifest.model.ConfigObject;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** ConfigMap and Secret documents next to pods: decoded as kubectl takes them, errors at their place. */
class ConfigObjectDocumentsTest {

  private static final String POD = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n"
      + "  - name: web\n    image: a:1\n";

  @Test
  void configMapAndSecretBesidePods() {
    ParseResult result = ManifestParser.parse("pods/web.yaml", POD + "---\n"
        + "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web-config\ndata:\n  greeting: hello\n"
        + "binaryData:\n  blob: AAEC\n---\n"
        + "apiVersion: v1\nkind: Secret\nmetadata:\n  name: web-secret\n  namespace: prod\n"
        + "data:\n  password: czNjcjN0\nstringData:\n  token: plain\n");
    assertEquals(List.of(), result.diagnostics().all());
    assertEquals(1, result.manifests().size());
    ConfigObject map = result.configObjects().get(0);
    assertEquals("configmap/default/web-config", map.reference());
    assertEquals("hello", map.text("greeting").orElseThrow());
    assertEquals(List.of((byte) 0, (byte) 1, (byte) 2), List.of(box(map.value("blob").orElseThrow())));
    ConfigObject secret = result.configObjects().get(1);
    assertEquals("secret/prod/web-secret", secret.reference());
    assertEquals("Opaque", secret.type());
    assertEquals("s3cr3t", secret.text("password").orElseThrow());
    assertEquals(Set.of("password", "token"), secret.keys());
    assertTrue(secret.sensitive());
    assertEquals("pods/web.yaml:19:1", secret.declaredAt());
  }

  @Test
  void secretValuesNeverInToStringAndHashFollowsContent() {
    ConfigObject secret = only("apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  pw: hunter2\n");
    assertFalse(secret.toString().contains("hunter2"), secret.toString());
    assertTrue(secret.hash().startsWith("sha256:"));
    ConfigObject changed = only("apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  pw: hunter3\n");
    assertNotEquals(secret.hash(), changed.hash());
    assertEquals(secret.hash(),
        only("apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\ndata:\n  pw: aHVudGVyMg==\n").hash());
  }

  @Test
  void errorsAtTheirPlaceWithoutSecretValues() {
    assertEquals(List.of(
        "pods/web.yaml:1:13: apiVersion: unsupported apiVersion \"v2\": expected v1",
        "pods/web.yaml:6:3: data[\"pw\"]: invalid base64 (value not shown); write plain text under stringData",
        "pods/web.yaml:7:3: data[\"bad key\"]: invalid key \"bad key\": keys are letters, digits, '-', '_' and '.',"
            + " at most 253 characters"),
        Manifests.diagnostics("apiVersion: v2\nkind: Secret\nmetadata:\n  name: s\ndata:\n  pw: not*base64!\n"
            + "  bad key: YQ==\n"));
    assertEquals(List.of("pods/web.yaml:1:1: data: a Secret of type kubernetes.io/dockerconfigjson needs the key"
            + " .dockerconfigjson"),
        Manifests.diagnostics("apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n"
            + "type: kubernetes.io/dockerconfigjson\n"));
  }

  @Test
  void duplicateConfigMapIsAnErrorNamingBoth() {
    String cm = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  a: b\n";
    assertEquals(List.of("pods/web.yaml:8:1: metadata.name: duplicate ConfigMap \"default/c\" (also declared at"
            + " pods/web.yaml:1:1)"),
        Manifests.diagnostics(cm + "---\n" + cm));
  }

  private static ConfigObject only(String text) {
    ParseResult result = ManifestParser.parse("pods/s.yaml", text);
    assertEquals(List.of(), result.diagnostics().all());
    return result.configObjects().get(0);
  }

  private static Byte[] box(byte[] bytes) {
    Byte[] out = new Byte[bytes.length];
    for (int i = 0; i < bytes.length; i++) {
      out[i] = bytes[i];
    }
    return out;
  }
}
