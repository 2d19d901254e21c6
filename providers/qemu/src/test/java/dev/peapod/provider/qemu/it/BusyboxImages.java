package dev.peapod.provider.qemu.it;

import dev.peapod.provider.ImageRootfs;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Builds small erofs root filesystems from the host's static busybox: one
 * binary, a symlink per applet, /etc/passwd and /etc/group, plus whatever
 * extra files a test wants to tell images apart by.
 */
final class BusyboxImages {

  private static final Path BUSYBOX = Path.of("/bin/busybox");

  private BusyboxImages() {}

  /**
   * The image {@code name} with {@code extraFiles} under {@code dir}, built once for those
   * contents. Its file is keyed by the contents as well as the name: tests that ask for one name
   * with different files (busybox-a's index.html differs from test to test) each get their own,
   * whatever order they run in. Its id stays {@code test:NAME}, which tests compare.
   */
  static synchronized ImageRootfs build(Path dir, String name, Map<String, String> extraFiles) throws Exception {
    String key = name + "-" + contentKey(extraFiles);
    Path image = dir.resolve(key + ".erofs");
    if (!Files.exists(image)) {
      Path root = dir.resolve(key + ".rootfs");
      Path partial = dir.resolve(key + ".erofs.partial");
      stage(root, extraFiles);
      run(List.of("mkfs.erofs", "--quiet", "--all-root", partial.toString(), root.toString()));
      // Renamed into place: an image file that exists is always whole.
      Files.move(partial, image, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
    return new ImageRootfs("test:" + name, image);
  }

  /** The first 12 hex digits of the SHA-256 of the extra files, in path order. */
  static String contentKey(Map<String, String> extraFiles) throws Exception {
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    for (Map.Entry<String, String> f : new TreeMap<>(extraFiles).entrySet()) {
      for (String part : List.of(f.getKey(), f.getValue())) {
        byte[] bytes = part.getBytes(StandardCharsets.UTF_8);
        sha.update(ByteBuffer.allocate(4).putInt(bytes.length).array());
        sha.update(bytes);
      }
    }
    return HexFormat.of().formatHex(sha.digest()).substring(0, 12);
  }

  private static void stage(Path root, Map<String, String> extraFiles) throws Exception {
    if (Files.exists(root)) {
      run(List.of("rm", "-rf", root.toString()));
    }
    for (String d : List.of("bin", "etc", "proc", "sys", "dev", "tmp", "root", "run", "var/www", "www")) {
      Files.createDirectories(root.resolve(d));
    }
    Files.copy(BUSYBOX, root.resolve("bin/busybox"));
    String applets = run(List.of(BUSYBOX.toString(), "--list"));
    for (String applet : applets.split("\n")) {
      if (!applet.isBlank() && !applet.equals("busybox")) {
        Files.createSymbolicLink(root.resolve("bin").resolve(applet.trim()), Path.of("busybox"));
      }
    }
    Files.writeString(root.resolve("etc/passwd"),
        "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n");
    Files.writeString(root.resolve("etc/group"), "root:x:0:\nnogroup:x:65534:\n");
    for (Map.Entry<String, String> f : extraFiles.entrySet()) {
      Path file = root.resolve(f.getKey());
      Files.createDirectories(file.getParent());
      Files.writeString(file, f.getValue());
    }
  }

  private static String run(List<String> argv) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IOException(argv + " failed: " + out);
    }
    return out;
  }
}
