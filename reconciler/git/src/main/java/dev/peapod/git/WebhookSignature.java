package dev.peapod.git;

import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Checks the HMAC-SHA256 signature git hosts put on webhook deliveries, so that a "fetch now"
 * request cannot come from someone who does not know the hook's secret.
 *
 * <ul>
 *   <li>GitHub (and Gitea, Forgejo, which send it too): {@code X-Hub-Signature-256: sha256=<hex>};
 *   <li>Gitea / Forgejo: {@code X-Gitea-Signature: <hex>}; Gogs: {@code X-Gogs-Signature: <hex>}.
 * </ul>
 * Header names are matched without regard to case. Every one of these headers that is present must
 * carry the right signature of the exact body bytes, and at least one must be present. The legacy
 * SHA-1 header {@code X-Hub-Signature} is not accepted on its own.
 */
public final class WebhookSignature {
  private static final String GITHUB = "x-hub-signature-256";
  private static final String GITEA = "x-gitea-signature";
  private static final String GOGS = "x-gogs-signature";

  private WebhookSignature() {}

  /**
   * True when the headers carry a valid signature of {@code body} made with {@code secret}. False
   * for a missing, garbled or wrong signature, and for an empty secret (a hook without a secret
   * would accept anyone). The comparison takes the same time wherever the signatures differ.
   */
  public static boolean verify(byte[] secret, byte[] body, Map<String, String> headers) {
    if (secret == null || secret.length == 0 || body == null || headers == null) {
      return false;
    }
    List<String> signatures = new ArrayList<>();
    for (Map.Entry<String, String> header : headers.entrySet()) {
      if (header.getKey() == null) {
        continue;
      }
      String name = header.getKey().toLowerCase(Locale.ROOT);
      String value = header.getValue() == null ? "" : header.getValue().strip();
      if (name.equals(GITHUB)) {
        if (!value.startsWith("sha256=")) {
          return false;
        }
        signatures.add(value.substring("sha256=".length()));
      } else if (name.equals(GITEA) || name.equals(GOGS)) {
        signatures.add(value);
      }
    }
    if (signatures.isEmpty()) {
      return false;
    }
    byte[] expected = hmacSha256(secret, body);
    boolean allMatch = true;
    for (String hex : signatures) {
      byte[] given = decodeHex(hex);
      // MessageDigest.isEqual is constant-time for equal lengths; a wrong length reveals nothing secret.
      allMatch &= given != null && MessageDigest.isEqual(expected, given);
    }
    return allMatch;
  }

  /** HMAC-SHA256 of {@code body} with {@code secret}. */
  static byte[] hmacSha256(byte[] secret, byte[] body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret, "HmacSHA256"));
      return mac.doFinal(body);
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException("HmacSHA256 is not available in this JDK", e);
    }
  }

  /** Bytes of a hexadecimal string (either case); null when it is not one. */
  private static byte[] decodeHex(String hex) {
    if (hex.isEmpty() || hex.length() % 2 != 0) {
      return null;
    }
    byte[] out = new byte[hex.length() / 2];
    for (int i = 0; i < out.length; i++) {
      int hi = hexValue(hex.charAt(2 * i));
      int lo = hexValue(hex.charAt(2 * i + 1));
      if (hi < 0 || lo < 0) {
        return null;
      }
      out[i] = (byte) ((hi << 4) | lo);
    }
    return out;
  }

  /** ASCII hex digits only (Character.digit would take other scripts' digits too). */
  private static int hexValue(char c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
      return c - 'A' + 10;
    }
    return -1;
  }
}
