package dev.peapod.provider.qemu;

import dev.peapod.provider.qemu.runtime.HostProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Pod VMs that run with no pod to account for them: their QEMU's command line puts its pid file in
 * {@code pods/NAME/} of this state directory, no pod directory records that process, and
 * {@code pods/NAME/} holds no pod (deleted by hand while the VM ran, or a state directory restored
 * from a backup). Nothing else would ever find them: every command starts from the pod
 * directories. They are reported, never killed: the directory may come back, and the process
 * is somebody's VM.
 *
 * <p>A VM handed over to another pod keeps the first pod's paths on its command line; it is no
 * stray as long as the other pod's record names its pid. A VM of an interrupted start whose pod
 * directory still exists is the pod's orphan ({@link PodVm#orphan}), reported by the pod itself.
 */
final class StrayVms {

  /**
   * A QEMU found by its command line.
   *
   * @param pid its pid
   * @param pod the pod its command line names
   * @param directory the pod directory it was launched in, which no longer holds a pod
   */
  record StrayVm(long pid, String pod, Path directory) {

    /** What {@code peapod ps} and the controller say about it. */
    String describe() {
      if (pod.isEmpty()) {
        return "QEMU " + pid + " runs a VM taken from the warm pool (launched in " + directory + ") that no pod"
            + " records: its pod's directory was deleted; no command can reach or stop it; kill " + pid + " to end it";
      }
      return "QEMU " + pid + " runs the VM of pod \"" + pod + "\", whose directory " + directory
          + " was deleted: no command can reach or stop it; kill " + pid + " to end it";
    }
  }

  private StrayVms() {}

  /**
   * The strays under {@code podsRoot}, and the VMs taken from the warm pool under {@code poolRoot}
   * that no pod records (a pool VM's command line names the pool directory it was restored in, not
   * the pod that took it, so a pod directory deleted by hand leaves nothing else to find it by).
   *
   * @param recordedPids the pids every existing pod directory's vm.json names
   */
  static List<StrayVm> find(Path podsRoot, Path poolRoot, Set<Long> recordedPids) {
    List<StrayVm> strays = new ArrayList<>();
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      procs.map(p -> p.getFileName().toString()).filter(n -> n.chars().allMatch(Character::isDigit))
          .map(Long::parseLong)
          .filter(pid -> !recordedPids.contains(pid))
          .forEach(pid -> {
            List<String> argv = argv(pid);
            launchedIn(argv, podsRoot).ifPresent(dir -> {
              if (!Files.isRegularFile(dir.resolve("pod.json")) && HostProcess.isAlive(pid)) {
                strays.add(new StrayVm(pid, dir.getFileName().toString(), dir));
              }
            });
            pidFileDirectory(argv).filter(dir -> isPoolVmDirectory(dir, poolRoot)).ifPresent(dir -> {
              // Read after the pods' records: a VM taken meanwhile is in one or the other.
              if (!poolHolds(dir) && HostProcess.isAlive(pid) && !recordedNow(pid, podsRoot)) {
                strays.add(new StrayVm(pid, "", dir));
              }
            });
          });
    } catch (IOException e) {
      return List.of(); // no /proc: nothing to report
    }
    strays.sort(Comparator.comparing(StrayVm::pod).thenComparingLong(StrayVm::pid));
    return strays;
  }

  /** {@code pool/KEY/.ID.new/} or {@code pool/claimed/ID.PID/}: where the keeper restores VMs. */
  private static boolean isPoolVmDirectory(Path dir, Path poolRoot) {
    Path shape = dir.getParent();
    return shape != null && poolRoot.equals(shape.getParent());
  }

  /**
   * Whether the pool still has the VM launched in {@code dir}: being restored there, waiting under
   * its id, or being taken (claimed). A VM leaves the pool only into a pod, whose vm.json names it.
   */
  private static boolean poolHolds(Path dir) {
    if (Files.exists(dir)) {
      return true;
    }
    String name = dir.getFileName().toString();
    String id = name.startsWith(".") && name.endsWith(".new") ? name.substring(1, name.length() - 4) : name;
    Path shape = dir.getParent();
    if (Files.exists(shape.resolve(id))) {
      return true;
    }
    try (Stream<Path> claimed = Files.list(shape.resolveSibling(WarmPool.CLAIMED))) {
      return claimed.anyMatch(c -> c.getFileName().toString().startsWith(id + "."));
    } catch (IOException e) {
      return false; // no claimed directory: nothing is being taken
    }
  }

  /** Whether a pod's vm.json names {@code pid} now (it may have taken the VM since the first look). */
  private static boolean recordedNow(long pid, Path podsRoot) {
    try (Stream<Path> pods = Files.list(podsRoot)) {
      return pods.anyMatch(pod -> {
        try {
          return Files.readString(pod.resolve("vm.json")).matches("(?s).*\"pid\"\\s*:\\s*" + pid + "\\s*[,}].*");
        } catch (IOException e) {
          return false;
        }
      });
    } catch (IOException e) {
      return false;
    }
  }

  /** The pod directory under {@code podsRoot} whose qemu.pid the process's {@code -pidfile} names, if any. */
  static java.util.Optional<Path> launchedIn(long pid, Path podsRoot) {
    return launchedIn(argv(pid), podsRoot).filter(dir -> runsAsItsVmUser(pid));
  }

  /**
   * The directory a QEMU process was launched in, by the {@code qemu.pid} its {@code -pidfile}
   * names (for a VM user's QEMU, by what its run directory records), if it is a QEMU.
   */
  static java.util.Optional<Path> launchedDirectory(long pid) {
    return pidFileDirectory(argv(pid)).filter(dir -> runsAsItsVmUser(pid));
  }

  /**
   * Whether a process whose {@code -pidfile} is in a VM user's run directory ({@code RUN/UID/q/qemu.pid})
   * runs as that uid, as that VM's QEMU does (true for any other process): a command line is its
   * process's own to choose, and a process of another user that names a VM's run directory on its
   * command line is not that VM's QEMU, and never to be killed for it.
   */
  static boolean runsAsItsVmUser(long pid) {
    List<String> argv = argv(pid);
    for (int i = 0; i + 1 < argv.size(); i++) {
      if (argv.get(i).equals("-pidfile")) {
        Path q = Path.of(argv.get(i + 1)).normalize().getParent();
        if (q == null || dev.peapod.provider.qemu.runtime.VmUsers.launchedIn(Path.of(argv.get(i + 1))).isEmpty()) {
          return true;
        }
        try {
          Object owner = Files.getAttribute(q, "unix:uid", java.nio.file.LinkOption.NOFOLLOW_LINKS);
          return dev.peapod.provider.qemu.runtime.HostProcess.realUid(pid)
              .equals(java.util.OptionalInt.of((Integer) owner));
        } catch (IOException | RuntimeException e) {
          return false;
        }
      }
    }
    return true;
  }

  private static java.util.Optional<Path> launchedIn(List<String> argv, Path podsRoot) {
    return pidFileDirectory(argv).filter(dir -> podsRoot.equals(dir.getParent()));
  }

  /** The directory of the {@code qemu.pid} a QEMU command line's {@code -pidfile} names, if any. */
  private static java.util.Optional<Path> pidFileDirectory(List<String> argv) {
    if (argv.isEmpty() || !Path.of(argv.get(0)).getFileName().toString().startsWith("qemu")) {
      return java.util.Optional.empty();
    }
    for (int i = 0; i + 1 < argv.size(); i++) {
      if (argv.get(i).equals("-pidfile")) {
        Path pidFile = Path.of(argv.get(i + 1)).normalize();
        // A VM user's QEMU keeps its pid file in its own run directory, which names the directory it was
        // launched in (see VmUsers).
        Path dir = dev.peapod.provider.qemu.runtime.VmUsers.launchedIn(pidFile).orElse(pidFile.getParent());
        if (dir != null && pidFile.getFileName().toString().equals("qemu.pid")) {
          return java.util.Optional.of(dir);
        }
      }
    }
    return java.util.Optional.empty();
  }

  private static List<String> argv(long pid) {
    try {
      byte[] raw = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline"));
      if (raw.length == 0) {
        return List.of();
      }
      String all = new String(raw, StandardCharsets.UTF_8);
      return List.of((all.endsWith("\0") ? all.substring(0, all.length() - 1) : all).split("\0", -1));
    } catch (IOException e) {
      return List.of();
    }
  }
}
