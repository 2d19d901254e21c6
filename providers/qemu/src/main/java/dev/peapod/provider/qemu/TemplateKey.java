package dev.peapod.provider.qemu;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * Names a template VM by everything that shapes it until READY: the QEMU binary, kernel and
 * initramfs (resolved path, size, mtime, inode: a rebuild changes them without hashing
 * megabytes on every start), and the template's whole QEMU command line with per-VM paths
 * replaced by placeholders (machine, devices, kernel command line, TCG buffer, vcpus, memory,
 * accelerator: KVM state is not TCG state), plus {@link TemplateCatalogue#FORMAT}.
 */
final class TemplateKey {

  private TemplateKey() {}

  /** 16 hex digits of a SHA-256 over the inputs. */
  static String of(String qemuBinary, Path kernel, Path initrd, List<String> templateArgv) {
    StringBuilder in = new StringBuilder(TemplateCatalogue.FORMAT).append('\n');
    in.append("qemu ").append(identity(resolveBinary(qemuBinary))).append('\n');
    in.append("kernel ").append(identity(kernel)).append('\n');
    in.append("initrd ").append(identity(initrd)).append('\n');
    in.append(String.join("\u0000", templateArgv));
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(in.toString().getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String identity(Path file) {
    try {
      BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
      return file.toRealPath() + " " + a.size() + " " + a.lastModifiedTime().toMillis() + " " + a.fileKey();
    } catch (IOException e) {
      return file + " (unreadable: " + e.getMessage() + ")";
    }
  }

  /** The binary QEMU runs as: a path as given, a bare name looked up in PATH. */
  private static Path resolveBinary(String binary) {
    if (binary.contains("/")) {
      return Path.of(binary);
    }
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
      Path p = Path.of(dir.isEmpty() ? "." : dir, binary);
      if (Files.isExecutable(p)) {
        return p;
      }
    }
    return Path.of(binary);
  }
}
