package dev.peapod.cli.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a one-image OCI layout directory (oci-layout, index.json, blobs/sha256/...) from
 * files given in Java, with uncompressed tar layers — what {@code peapod image load} reads.
 * Every byte is fixed (mtime 0, fixed created date), so the image id is the same every run.
 */
public final class OciLayoutWriter {
  private final Map<String, byte[]> files = new LinkedHashMap<>();
  private String configJson = "\"Cmd\":[\"/bin/sh\"]";
  private String created = "2024-02-01T00:00:00Z";
  private String refName;

  /** A regular file in the single layer, e.g. {@code file("bin/hello", "hi")}. */
  public OciLayoutWriter file(String path, String content) {
    files.put(path, content.getBytes(StandardCharsets.UTF_8));
    return this;
  }

  /** The members of the image config's {@code config} object, as JSON text without braces. */
  public OciLayoutWriter config(String members) {
    this.configJson = members;
    return this;
  }

  public OciLayoutWriter created(String rfc3339) {
    this.created = rfc3339;
    return this;
  }

  /** {@code org.opencontainers.image.ref.name} on the index entry: the name load gives the image. */
  public OciLayoutWriter refName(String name) {
    this.refName = name;
    return this;
  }

  /** Writes the layout into {@code dir} (created) and returns the image id (config digest). */
  public String writeTo(Path dir) throws IOException {
    Files.createDirectories(dir.resolve("blobs/sha256"));
    byte[] layer = tar();
    String layerDigest = writeBlob(dir, layer);
    byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"created\":\"" + created + "\","
        + "\"config\":{" + configJson + "},"
        + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" + layerDigest + "\"]}}")
        .getBytes(StandardCharsets.UTF_8);
    String configDigest = writeBlob(dir, config);
    byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
        + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + configDigest
        + "\",\"size\":" + config.length + "},"
        + "\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"" + layerDigest
        + "\",\"size\":" + layer.length + "}]}")
        .getBytes(StandardCharsets.UTF_8);
    String manifestDigest = writeBlob(dir, manifest);
    String annotations = refName == null ? ""
        : ",\"annotations\":{\"org.opencontainers.image.ref.name\":\"" + refName + "\"}";
    String index = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\","
        + "\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\""
        + manifestDigest + "\",\"size\":" + manifest.length + annotations + "}]}";
    Files.writeString(dir.resolve("index.json"), index);
    Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
    return configDigest;
  }

  private static String writeBlob(Path dir, byte[] bytes) throws IOException {
    String hex = sha256(bytes);
    Files.write(dir.resolve("blobs/sha256").resolve(hex), bytes);
    return "sha256:" + hex;
  }

  /** A POSIX ustar archive: parent directories first, then the files, then two zero blocks. */
  private byte[] tar() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    List<String> dirs = new ArrayList<>();
    for (String path : files.keySet()) {
      String[] parts = path.split("/");
      StringBuilder prefix = new StringBuilder();
      for (int i = 0; i < parts.length - 1; i++) {
        prefix.append(parts[i]).append('/');
        if (!dirs.contains(prefix.toString())) {
          dirs.add(prefix.toString());
          out.write(header(prefix.toString(), 0755, 0, '5'));
        }
      }
    }
    for (Map.Entry<String, byte[]> file : files.entrySet()) {
      byte[] content = file.getValue();
      out.write(header(file.getKey(), 0755, content.length, '0'));
      out.write(content);
      out.write(new byte[(512 - content.length % 512) % 512]);
    }
    out.write(new byte[1024]);
    return out.toByteArray();
  }

  private static byte[] header(String name, int mode, long size, char type) {
    byte[] h = new byte[512];
    put(h, 0, 100, name);
    put(h, 100, 8, String.format("%07o", mode));
    put(h, 108, 8, "0000000");
    put(h, 116, 8, "0000000");
    put(h, 124, 12, String.format("%011o", size));
    put(h, 136, 12, "00000000000");
    for (int i = 148; i < 156; i++) {
      h[i] = ' ';
    }
    h[156] = (byte) type;
    put(h, 257, 6, "ustar");
    put(h, 263, 2, "00");
    long sum = 0;
    for (byte b : h) {
      sum += b & 0xff;
    }
    put(h, 148, 8, String.format("%06o", sum) + "\0 ");
    return h;
  }

  private static void put(byte[] header, int offset, int length, String value) {
    byte[] bytes = value.getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(bytes, 0, header, offset, Math.min(bytes.length, length));
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
