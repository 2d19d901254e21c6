package dev.peapod.provider.qemu.it;

import dev.peapod.provider.ImageRootfs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Builds small erofs root filesystems from the host's static busybox: one
 * binary, a symlink per applet, /etc/passwd and /etc/group, plus whatever
 * extra files a test wants to tell images apart by.
 */
final class BusyboxImages {

  private static final Path BUSYBOX = Path.of("/bin/busybox");

  private BusyboxImages() {}

  /** The image {@code name}.erofs under {@code dir}, built once per test run. */
  static synchronized ImageRootfs build(Path dir, String name, Map<String, String> extraFiles) throws Exception {
    Path image = dir.resolve(name + ".erofs");
    Path root = dir.resolve(name + ".rootfs");
    if (!Files.exists(image)) {
      stage(root, extraFiles);
      run(List.of("mkfs.erofs", "--quiet", "--all-root", image.toString(), root.toString()));
    }
    return new ImageRootfs("test:" + name, image);
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
