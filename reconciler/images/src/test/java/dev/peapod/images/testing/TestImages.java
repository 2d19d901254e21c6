package dev.peapod.images.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** The images the tests build from files on this machine. */
public final class TestImages {
  private TestImages() {}

  /** A busybox rootfs in three layers; the third whites out /etc/motd and makes /var/lib/data opaque. */
  public static OciImageBuilder busybox() {
    try {
      TarBuilder base = new TarBuilder()
          .dir("bin", 0755).dir("etc", 0755).dir("tmp", 01777).dir("usr", 0755).dir("usr/bin", 0755)
          .file("bin/busybox", 0755, Files.readAllBytes(Path.of("/bin/busybox")));
      for (String applet : applets()) {
        if (!applet.equals("busybox")) {
          base.symlink("bin/" + applet, "busybox");
        }
      }
      TarBuilder config = new TarBuilder()
          .dir("etc", 0755)
          .file("etc/passwd", "root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000::/home/user:/bin/sh\n")
          .file("etc/group", "root:x:0:\nuser:x:1000:\n")
          .file("etc/motd", "welcome\n")
          .dir("var/lib/data", 0755).file("var/lib/data/a", "a").file("var/lib/data/b", "b")
          .dir("home/user", 0700)
          .owned("home/user/.profile", 0600, 1000, 1000, "export X=1\n")
          .owned("usr/bin/setuid-tool", 04755, 0, 0, "#!/bin/sh\n")
          .fileWithXattrs("etc/labelled", "x", Map.of("user.peapod", new byte[] {1, 2, (byte) 0xff}));
      TarBuilder changes = new TarBuilder()
          .whiteout("etc", "motd")
          .dir("var/lib/data", 0750)
          .opaque("var/lib/data")
          .file("var/lib/data/c", "c")
          .file("usr/share/doc/readme", "read me\n")
          .hardlink("usr/share/doc/readme-link", "usr/share/doc/readme")
          .symlink("usr/share/doc/abs-link", "/etc/passwd");
      return new OciImageBuilder()
          .layer(base.build(), OciImageBuilder.Compression.GZIP)
          .layer(config.build(), OciImageBuilder.Compression.ZSTD)
          .layer(changes.build(), OciImageBuilder.Compression.NONE)
          .cmd("sh")
          .env("PATH=/bin:/usr/bin", "HOME=/root")
          .workingDir("/")
          .exposedPort("8080/tcp")
          .label("org.example.test", "busybox");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static List<String> applets() {
    try {
      Process p = new ProcessBuilder("/bin/busybox", "--list").start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      p.waitFor(10, TimeUnit.SECONDS);
      List<String> list = new ArrayList<>();
      for (String line : out.split("\n")) {
        if (!line.isBlank()) {
          list.add(line.strip());
        }
      }
      return list;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /**
   * The files of a Debian package (attr, which install-deps.sh installs) as a one-layer
   * image: from the apt cache if it is there, else fetched with {@code apt-get download}.
   */
  public static OciImageBuilder debianPackage(Path work) throws IOException {
    Path deb = findDeb(work, "attr");
    Path tree = Files.createDirectories(work.resolve("deb-root"));
    LocalRegistry.run(List.of("dpkg-deb", "-x", deb.toString(), tree.toString()));
    return new OciImageBuilder()
        .layer(new TarBuilder().tree(tree, "").build(), OciImageBuilder.Compression.GZIP)
        .entrypoint("/usr/bin/getfattr")
        .cmd("--version");
  }

  private static Path findDeb(Path work, String pkg) throws IOException {
    try (Stream<Path> cached = Files.list(Path.of("/var/cache/apt/archives"))) {
      var hit = cached.filter(p -> p.getFileName().toString().startsWith(pkg + "_")
          && p.getFileName().toString().endsWith(".deb")).findFirst();
      if (hit.isPresent()) {
        return hit.get();
      }
    } catch (IOException e) {
      // no apt cache: download below
    }
    Path dir = Files.createDirectories(work.resolve("debs"));
    Process p = new ProcessBuilder("apt-get", "download", pkg).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    try {
      if (p.waitFor() != 0) {
        throw new IOException("apt-get download " + pkg + " failed: " + out);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(f -> f.toString().endsWith(".deb")).findFirst()
          .orElseThrow(() -> new IOException("apt-get download " + pkg + " wrote no .deb"));
    }
  }
}
