package dev.peapod.images.oci;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A content digest as OCI writes it, {@code sha256:<64 hex>}. Only sha256 and sha512
 * are accepted: they are the two the image spec registers, and a digest we cannot
 * verify must not be trusted.
 *
 * @param algorithm {@code sha256} or {@code sha512}
 * @param hex lowercase hex of the hash
 */
public record Digest(String algorithm, String hex) {
  private static final Pattern SHA256 = Pattern.compile("[a-f0-9]{64}");
  private static final Pattern SHA512 = Pattern.compile("[a-f0-9]{128}");

  public Digest {
    Objects.requireNonNull(algorithm, "algorithm");
    Objects.requireNonNull(hex, "hex");
    Pattern pattern = switch (algorithm) {
      case "sha256" -> SHA256;
      case "sha512" -> SHA512;
      default -> throw new IllegalArgumentException("unsupported digest algorithm \"" + algorithm + "\"");
    };
    if (!pattern.matcher(hex).matches()) {
      throw new IllegalArgumentException("malformed " + algorithm + " digest \"" + hex + "\"");
    }
  }

  /** Parses {@code algorithm:hex}; throws IllegalArgumentException saying what is wrong. */
  public static Digest parse(String text) {
    int colon = text.indexOf(':');
    if (colon <= 0) {
      throw new IllegalArgumentException("digest \"" + text + "\" is not of the form algorithm:hex");
    }
    return new Digest(text.substring(0, colon), text.substring(colon + 1));
  }

  /** The sha256 digest of these bytes. */
  public static Digest sha256(byte[] bytes) {
    return new Digest("sha256", HexFormat.of().formatHex(newSha256().digest(bytes)));
  }

  /** A fresh sha256 MessageDigest (always present in the JDK). */
  public static MessageDigest newSha256() {
    return newMessageDigest("sha256");
  }

  /** A fresh MessageDigest for this digest's algorithm, to verify content against it. */
  public MessageDigest newMessageDigest() {
    return newMessageDigest(algorithm);
  }

  /** True when the finished MessageDigest hashed to this digest. */
  public boolean matches(MessageDigest finished) {
    return hex.equals(HexFormat.of().formatHex(finished.digest()));
  }

  /** The first 12 hex characters, as Docker shows image ids. */
  public String shortHex() {
    return hex.substring(0, 12);
  }

  @Override
  public String toString() {
    return algorithm + ":" + hex;
  }

  private static MessageDigest newMessageDigest(String algorithm) {
    try {
      return MessageDigest.getInstance(algorithm.equals("sha256") ? "SHA-256" : "SHA-512");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("JDK without " + algorithm, e);
    }
  }
}
