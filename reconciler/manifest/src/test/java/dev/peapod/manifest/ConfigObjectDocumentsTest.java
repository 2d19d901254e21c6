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
        "pods/web.yaml:6:3: data[\"pw\"]: invalid base64: it has characters base64 does not use (spaces, '-' or"
            + " '_' of the URL-safe alphabet?) (value not shown); write plain text under stringData",
        "pods/web.yaml:7:3: data[\"bad key\"]: invalid key \"bad key\": keys are letters, digits, '-', '_' and '.',"
            + " at most 253 characters"),
        Manifests.diagnostics("apiVersion: v2\nkind: Secret\nmetadata:\n  name: s\ndata:\n  pw: not*base64!\n"
            + "  bad key: YQ==\n"));
  }

  private static final String SECRET = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n";

  @Test
  void base64AsTheApiServerDecodesIt() {
    assertEquals(List.of("pods/web.yaml:6:3: data[\"pw\"]: invalid base64: its length is not a multiple of 4 (is"
            + " the = padding missing?) (value not shown); write plain text under stringData"),
        Manifests.diagnostics(SECRET + "data:\n  pw: YQ\n"));
    assertEquals(List.of("pods/web.yaml:6:3: data[\"pw\"]: invalid base64: it has characters base64 does not use"
            + " (spaces, '-' or '_' of the URL-safe alphabet?) (value not shown); write plain text under stringData"),
        Manifests.diagnostics(SECRET + "data:\n  pw: a-b_\n"));
    assertEquals(List.of("pods/web.yaml:6:3: data[\"pw\"]: invalid base64: it has characters base64 does not use"
            + " (spaces, '-' or '_' of the URL-safe alphabet?) (value not shown); write plain text under stringData"),
        Manifests.diagnostics(SECRET + "data:\n  pw: \"aGk gaGk=\"\n"));
    assertEquals("hi", only(SECRET + "data:\n  pw: |\n    aG\n    k=\n").text("pw").orElseThrow(),
        "line breaks are ignored, as Go's decoder ignores them");
  }

  @Test
  void stringDataWinsOverData() {
    assertEquals("plain", only(SECRET + "data:\n  pw: aGk=\nstringData:\n  pw: plain\n").text("pw").orElseThrow());
  }

  @Test
  void dockerConfigJsonNeedsItsKey() {
    assertEquals(List.of("pods/web.yaml:5:7: type: a Secret of type kubernetes.io/dockerconfigjson needs the key"
            + " .dockerconfigjson (under data or stringData)"),
        Manifests.diagnostics(SECRET + "type: kubernetes.io/dockerconfigjson\n"));
  }

  @Test
  void dockerConfigJsonMustBeJsonWithoutQuotingIt() {
    List<String> errors = Manifests.diagnostics(SECRET + "type: kubernetes.io/dockerconfigjson\n"
        + "stringData:\n  .dockerconfigjson: '{\"auths\": hunter2'\n");
    assertEquals(1, errors.size(), errors::toString);
    assertTrue(errors.get(0).startsWith("pods/web.yaml:7:3: stringData[\".dockerconfigjson\"]: .dockerconfigjson is"
        + " not JSON (line 1, column "), errors.get(0));
    assertFalse(errors.get(0).contains("hunter2"), errors.get(0));
  }

  @Test
  void dockerConfigJsonAuthIsBase64OfUserColonPassword() {
    assertEquals(List.of("pods/web.yaml:7:3: stringData[\".dockerconfigjson\"]: .dockerconfigjson: the auth of"
            + " registry \"r.example:5000\" must be base64 of user:password (value not shown)"),
        Manifests.diagnostics(SECRET + "type: kubernetes.io/dockerconfigjson\n"
            + "stringData:\n  .dockerconfigjson: '{\"auths\": {\"r.example:5000\": {\"auth\": \"aHVudGVyMg==\"}}}'\n"));
    assertEquals(List.of("pods/web.yaml:7:3: stringData[\".dockerconfigjson\"]: .dockerconfigjson: auths must be an"
            + " object of registry hosts"),
        Manifests.diagnostics(SECRET + "type: kubernetes.io/dockerconfigjson\n"
            + "stringData:\n  .dockerconfigjson: '{\"auths\": []}'\n"));
    assertEquals(List.of("pods/web.yaml:7:3: data[\".dockerconfigjson\"]: .dockerconfigjson must be a JSON object"),
        Manifests.diagnostics(SECRET + "type: kubernetes.io/dockerconfigjson\n"
            + "data:\n  .dockerconfigjson: WzFd\n"));
    assertEquals(List.of(), Manifests.diagnostics(SECRET + "type: kubernetes.io/dockerconfigjson\n"
        + "stringData:\n  .dockerconfigjson: '{\"auths\": {\"r:5000\": {\"auth\": \"dTpw\"}}}'\n"));
  }

  @Test
  void dockerCfgIsTheOldFormat() {
    assertEquals(List.of("pods/web.yaml:7:3: stringData[\".dockercfg\"]: .dockercfg: registry \"r\" must be an"
            + " object (auth, or username and password)"),
        Manifests.diagnostics(SECRET + "type: kubernetes.io/dockercfg\n"
            + "stringData:\n  .dockercfg: '{\"r\": 1}'\n"));
  }

  @Test
  void basicAuthNeedsAUsernameOrAPassword() {
    assertEquals(List.of("pods/web.yaml:5:7: type: a Secret of type kubernetes.io/basic-auth needs the key username"
            + " or password (under data or stringData)"),
        Manifests.diagnostics(SECRET + "type: kubernetes.io/basic-auth\nstringData:\n  user: a\n"));
    assertEquals(List.of(), Manifests.diagnostics(SECRET + "type: kubernetes.io/basic-auth\nstringData:\n"
        + "  password: a\n"));
  }

  @Test
  void sshAuthAndTlsNeedTheirKeys() {
    assertEquals(List.of("pods/web.yaml:5:7: type: a Secret of type kubernetes.io/ssh-auth needs the key"
            + " ssh-privatekey (under data or stringData)"),
        Manifests.diagnostics(SECRET + "type: kubernetes.io/ssh-auth\n"));
    assertEquals(List.of("pods/web.yaml:5:7: type: a Secret of type kubernetes.io/tls needs the key tls.key (under"
            + " data or stringData)"),
        Manifests.diagnostics(SECRET + "type: kubernetes.io/tls\nstringData:\n  tls.crt: c\n"));
  }

  @Test
  void customTypesTakeAnyKeys() {
    assertEquals("example.com/token", only(SECRET + "type: example.com/token\nstringData:\n  x: y\n").type());
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
