package dev.peapod.provider.qemu.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peapod.provider.ContainerSpec;
import dev.peapod.provider.ImageRootfs;
import dev.peapod.provider.PodSpec;
import dev.peapod.provider.PortForward;
import dev.peapod.provider.qemu.QemuProvider;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import dev.peapod.provider.qemu.runtime.VmUsers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * A pod's state is private whatever the umask: a provider in a JVM started with umask 000 creates
 * and starts a pod, and every directory under {@code pods/} is then 0700, every file and socket
 * 0600 (the image share's links are the image store's files and keep its modes).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class UmaskIT {

  private static final String POD = "umask";
  private static final Path STATE = VmTestSupport.TARGET.resolve("it-umask");

  /** Run in the child JVM: creates and starts the pod, leaving its VM running. */
  public static void main(String[] args) throws Exception {
    try (QemuProvider provider = new QemuProvider(VmTestSupport.config().withStateDir(Path.of(args[0])))) {
      ImageRootfs image = new ImageRootfs("test:busybox-a", Path.of(args[1]));
      provider.create(PodSpec.of(POD, List.of(ContainerSpec.of("app", image, List.of("sleep", "100000"))))
          .withPorts(List.of(PortForward.tcp(Integer.parseInt(args[2]), 80))));
      provider.start(POD);
    }
  }

  @AfterAll
  void cleanUp() {
    VmTestSupport.cleanUp(new QemuProvider(VmTestSupport.config().withStateDir(STATE)), POD);
  }

  @Test
  void aPodsFilesAreTheOwnersAloneUnderUmask000() throws Exception {
    ImageRootfs image = BusyboxImages.build(VmTestSupport.IMAGES, "busybox-a", Map.of("www/index.html", "x\n"));
    Process child = new ProcessBuilder("sh", "-c", "umask 000 && exec \"$0\" \"$@\"",
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"),
        "-Dpeapod.kernel=" + VmTestSupport.config().kernel(), "-Dpeapod.initrd=" + VmTestSupport.config().initrd(),
        UmaskIT.class.getName(), STATE.toString(), image.path().toString(),
        Integer.toString(VmTestSupport.freePort()))
        .redirectErrorStream(true).start();
    String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, child.waitFor(), out);

    Path pod = STATE.resolve("pods").resolve(POD);
    List<String> open = new ArrayList<>();
    try (Stream<Path> all = Files.walk(STATE.resolve("pods"))) {
      for (Path p : all.toList()) {
        if (p.getParent().equals(pod.resolve("images"))) {
          continue; // hard links to the image store's files
        }
        if (Files.isSymbolicLink(p)) {
          // QEMU's sockets, pid file and image share when it runs as a VM user: in that user's run directory,
          // its sockets' directory the user's alone, the share readable by that user only (see VmUsers)
          Path target = Files.readSymbolicLink(p);
          assertTrue(target.startsWith(VmUsers.RUN_ROOT), p + " -> " + target);
          String mode = PosixFilePermissions.toString(Files.getPosixFilePermissions(target.getParent()));
          if (!mode.equals("rwx------")) {
            open.add(STATE.relativize(p) + " -> " + target.getParent() + " " + mode);
          }
          continue;
        }
        if (p.equals(pod.resolve("images")) && VmUsers.fromEnvironment().isPresent()) {
          // open to the VM's own user alone: root:UID 0750 (see ImageShare#openTo)
          int gid = (Integer) Files.getAttribute(p, "unix:gid", LinkOption.NOFOLLOW_LINKS);
          assertTrue(VmUsers.fromEnvironment().get().owns(gid), "the share's group is a VM user's: " + gid);
          assertEquals("rwxr-x---", PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS)));
          continue;
        }
        String mode = PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
        String expected = Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) ? "rwx------" : "rw-------";
        if (!mode.equals(expected)) {
          open.add(STATE.relativize(p) + " " + mode);
        }
      }
    }
    assertEquals(List.of(), open, "open to others under umask 000");
    for (String name : List.of("qmp.sock", "ctl.sock", "net.sock", "log.sock", "console.sock", "console.log", "console.log.1",
        "containers.log", "containers.log.1", "passt.log", "log-writer.pid", "log-writers.err")) {
      assertTrue(Files.exists(pod.resolve(name), LinkOption.NOFOLLOW_LINKS), name + " was checked");
    }
  }
}
