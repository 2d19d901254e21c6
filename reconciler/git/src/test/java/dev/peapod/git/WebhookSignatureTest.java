package dev.peapod.git;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class WebhookSignatureTest {
  private static final byte[] SECRET = "hook-secret".getBytes(StandardCharsets.UTF_8);
  private static final byte[] BODY = "{\"ref\":\"refs/heads/main\",\"after\":\"0123\"}".getBytes(StandardCharsets.UTF_8);

  /** The expected signature, computed independently with javax.crypto. */
  private static String hmac(byte[] secret, byte[] body) throws Exception {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(secret, "HmacSHA256"));
    return HexFormat.of().formatHex(mac.doFinal(body));
  }

  @Test
  void githubsDocumentedExampleVerifies() {
    // docs.github.com, "Validating webhook deliveries", test values.
    byte[] secret = "It's a Secret to Everybody".getBytes(StandardCharsets.UTF_8);
    byte[] body = "Hello, World!".getBytes(StandardCharsets.UTF_8);
    String header = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
    assertTrue(WebhookSignature.verify(secret, body, Map.of("X-Hub-Signature-256", header)));
    assertFalse(WebhookSignature.verify(secret, "Hello, World?".getBytes(StandardCharsets.UTF_8), Map.of("X-Hub-Signature-256", header)));
  }

  @Test
  void githubHeaderWithTheRightSignatureVerifiesInAnyHeaderCase() throws Exception {
    String signature = "sha256=" + hmac(SECRET, BODY);
    assertTrue(WebhookSignature.verify(SECRET, BODY, Map.of("X-Hub-Signature-256", signature)));
    assertTrue(WebhookSignature.verify(SECRET, BODY, Map.of("x-hub-signature-256", signature)));
    assertTrue(WebhookSignature.verify(SECRET, BODY, Map.of("X-Hub-Signature-256", signature.toUpperCase(Locale.ROOT).replace("SHA256=", "sha256="))));
  }

  @Test
  void giteaAndGogsHeadersVerify() throws Exception {
    String hex = hmac(SECRET, BODY);
    assertTrue(WebhookSignature.verify(SECRET, BODY, Map.of("X-Gitea-Signature", hex)));
    assertTrue(WebhookSignature.verify(SECRET, BODY, Map.of("X-Gogs-Signature", hex)));
    // Gitea sends its own header and GitHub's: both right is fine.
    assertTrue(WebhookSignature.verify(SECRET, BODY, Map.of("X-Gitea-Signature", hex, "X-Hub-Signature-256", "sha256=" + hex)));
  }

  @Test
  void aWrongSecretOrAChangedBodyFails() throws Exception {
    String signature = "sha256=" + hmac("other".getBytes(StandardCharsets.UTF_8), BODY);
    assertFalse(WebhookSignature.verify(SECRET, BODY, Map.of("X-Hub-Signature-256", signature)));
    byte[] tampered = BODY.clone();
    tampered[3] ^= 1;
    assertFalse(WebhookSignature.verify(SECRET, tampered, Map.of("X-Hub-Signature-256", "sha256=" + hmac(SECRET, BODY))));
  }

  @Test
  void missingOrGarbledHeadersFail() throws Exception {
    String hex = hmac(SECRET, BODY);
    assertFalse(WebhookSignature.verify(SECRET, BODY, Map.of()));
    assertFalse(WebhookSignature.verify(SECRET, BODY, Map.of("Content-Type", "application/json")));
    assertFalse(WebhookSignature.verify(SECRET, BODY, Map.of("X-Hub-Signature-256", hex)), "no sha256= prefix");
    assertFalse(WebhookSignature.verify(SECRET, BODY, Map.of("X-Hub-Signature-256", "sha1=" + hex)));
    assertFalse(WebhookSignature.verify(SECRET, BODY, Map.of("X-Hub-Signature-256", "sha256=")));
    assertFalse(WebhookSignature.verify(SECRET, BODY, Map.of("X-Hub-Signature-256", "sha256=" + hex.substring(2))), "truncated");
    assertFalse(WebhookSignature.verify(SECRET, BODY, Map.of("X-Gitea-Signature", hex + "00")), "too long");
    assertFalse(WebhookSignature.verify(SECRET, BODY, Map.of("X-Gitea-Signature", "zz" + hex.substring(2))), "not hex");
    // Arabic-Indic digits are digits to Character.digit, not to a hex signature.
    assertFalse(WebhookSignature.verify(SECRET, BODY, Map.of("X-Gitea-Signature", "\u0663" + hex.substring(1))));
    // The legacy SHA-1 header alone is not enough.
    assertFalse(WebhookSignature.verify(SECRET, BODY, Map.of("X-Hub-Signature", "sha1=" + hex)));
  }

  @Test
  void oneWrongSignatureAmongRightOnesFails() throws Exception {
    Map<String, String> headers = new HashMap<>();
    headers.put("X-Hub-Signature-256", "sha256=" + hmac(SECRET, BODY));
    headers.put("X-Gitea-Signature", hmac("other".getBytes(StandardCharsets.UTF_8), BODY));
    assertFalse(WebhookSignature.verify(SECRET, BODY, headers));
  }

  @Test
  void anEmptySecretNeverVerifies() throws Exception {
    byte[] empty = new byte[0];
    assertFalse(WebhookSignature.verify(empty, BODY, Map.of("X-Hub-Signature-256", "sha256=" + hmac(new byte[1], BODY))));
    assertFalse(WebhookSignature.verify(null, BODY, Map.of()));
  }
}
