package dev.peapod.provider.qemu.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peapod.provider.ContainerSpec;
import dev.peapod.provider.ExecSession;
import dev.peapod.provider.ExecSpec;
import dev.peapod.provider.FileSet;
import dev.peapod.provider.ImageRootfs;
import dev.peapod.provider.InvalidStateException;
import dev.peapod.provider.PodSpec;
import dev.peapod.provider.PodState;
import dev.peapod.provider.PodStatus;
import dev.peapod.provider.ProviderException;
import dev.peapod.provider.VmResources;
import dev.peapod.provider.VolumeFile;
import dev.peapod.provider.VolumeMount;
import dev.peapod.provider.VolumeSpec;
import java.nio.charset.StandardCharsets;
import dev.peapod.provider.qemu.QemuProvider;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/** Bad input and dying VMs: every error names the pod and, where one is involved, the container. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class FailureModesIT {

  private static final String[] PODS = {"no-image", "no-kernel", "no-command", "victim", "fifo-passwd", "stopper",
      "proc-volume", "proc-symlink", "ptmx-link"};

  private QemuProvider provider;
  private ImageRootfs image;

  @BeforeAll
  void setUp() throws Exception {
    image = BusyboxImages.build(VmTestSupport.IMAGES, "busybox-a", Map.of("www/index.html", "hello from web\n"));
    provider = VmTestSupport.newProviderWithout(PODS);
  }

  @AfterAll
  void cleanUp() {
    VmTestSupport.cleanUp(provider, PODS);
  }

  @Test
  void aMissingImageFileIsRefusedAtCreate() {
    ImageRootfs missing = new ImageRootfs("test:missing", VmTestSupport.IMAGES.resolve("missing.erofs"));
    PodSpec spec = PodSpec.of("no-image", List.of(ContainerSpec.of("app", missing, List.of("true"))));

    ProviderException e = assertThrows(ProviderException.class, () -> provider.create(spec));

    assertEquals("no-image", e.pod());
    assertEquals(Optional.of("app"), e.container());
    assertTrue(e.getMessage().contains("missing.erofs"), e.getMessage());
    assertTrue(provider.inspect("no-image").isEmpty());
  }

  @Test
  void aMissingKernelIsRefusedAtCreate() {
    PodSpec spec = PodSpec.of("no-kernel", List.of(ContainerSpec.of("app", image, List.of("true"))))
        .withVm(new VmResources(1, 64, Optional.of(Path.of("/nonexistent/bzImage"))));

    ProviderException e = assertThrows(ProviderException.class, () -> provider.create(spec));

    assertEquals("pod \"no-kernel\": kernel /nonexistent/bzImage does not exist", e.getMessage());
    assertTrue(provider.inspect("no-kernel").isEmpty());
  }

  @Test
  void aCommandThatDoesNotExistFailsStartAndLeavesThePodCreated() {
    PodSpec spec = PodSpec.of("no-command", List.of(
        ContainerSpec.of("fine", image, List.of("sleep", "1000")),
        ContainerSpec.of("broken", image, List.of("/no/such/binary", "--flag"))));
    provider.create(spec);

    ProviderException e = assertThrows(ProviderException.class, () -> provider.start("no-command"));

    System.out.println("[errors] " + e.getMessage());
    assertEquals("no-command", e.pod());
    assertEquals(Optional.of("broken"), e.container());
    assertTrue(e.getMessage().contains("/no/such/binary"), e.getMessage());
    PodStatus status = provider.inspect("no-command").orElseThrow();
    assertEquals(PodState.CREATED, status.state());
    assertTrue(status.vm().isEmpty());
    assertTrue(ProcessHandle.allProcesses().noneMatch(p ->
        p.info().commandLine().orElse("").contains("peapod-no-command ")), "the failed VM was killed");
  }

  @Test
  void aKilledVmIsReportedGoneAndCanBeStartedAgain() throws Exception {
    provider.create(PodSpec.of("victim", List.of(ContainerSpec.of("app", image, List.of("sleep", "1000")))));
    PodStatus running = provider.start("victim");
    long pid = running.vm().orElseThrow().pid();

    ProcessHandle.of(pid).orElseThrow().destroyForcibly(); // kill -9

    PodStatus gone = VmTestSupport.awaitStatus(provider, "victim", s -> s.state() == PodState.VM_GONE,
        Duration.ofSeconds(30));
    assertTrue(gone.message().contains(Long.toString(pid)), gone.message());
    assertEquals(running.vm().orElseThrow().bootId(), gone.vm().orElseThrow().bootId());
    InvalidStateException exec = assertThrows(InvalidStateException.class,
        () -> VmTestSupport.exec(provider, "victim", "app", "true"));
    assertEquals(PodState.VM_GONE, exec.actual());

    PodStatus again = provider.start("victim");
    assertEquals(PodState.RUNNING, again.state());
    assertNotEquals(running.vm().orElseThrow().bootId(), again.vm().orElseThrow().bootId());

    provider.remove("victim", Duration.ofSeconds(1));
    assertTrue(provider.inspect("victim").isEmpty());
    assertTrue(ProcessHandle.of(again.vm().orElseThrow().pid()).map(p -> !p.isAlive()).orElse(true)
        || !ProcessHandle.of(again.vm().orElseThrow().pid()).get().info().commandLine().orElse("")
            .contains("peapod-victim "));
  }

  /**
   * A container makes its /etc/passwd and /etc/group FIFOs with no writer. guest-init starts a process
   * with clone(CLONE_VFORK) and waits, suspended, until the child execs; the child reads those files to
   * resolve the user, and a blocking open of the FIFO held PID 1, and with it every request to the pod,
   * for good. Now the exec is served (the files are no regular files: read as absent) and the pod still
   * answers.
   */
  @Test
  void aContainersFifoPasswdDoesNotHangTheGuestInit() {
    provider.create(PodSpec.of("fifo-passwd", List.of(ContainerSpec.of("app", image, List.of("sh", "-c",
        "rm -f /etc/passwd /etc/group; mkfifo /etc/passwd /etc/group && touch /tmp/ready; sleep 1000")))));
    provider.start("fifo-passwd");
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (VmTestSupport.exec(provider, "fifo-passwd", "app", "test", "-p", "/etc/passwd").exitCode() != 0) {
      assertTrue(System.nanoTime() < deadline, "the container made its FIFOs");
    }
    VmTestSupport.Result again = VmTestSupport.exec(provider, "fifo-passwd", "app", "echo", "still served");
    assertEquals(0, again.exitCode(), again.toString());
    assertEquals("still served\n", again.stdout());
    assertEquals(PodState.RUNNING, provider.inspect("fifo-passwd").orElseThrow().state());
  }

  /**
   * A root container stops every process of its pod, over and over ({@code kill -STOP -1}: all but itself and
   * the namespace's PID 1, the pause process, which the kernel shields). guest-init waited for each exec's child,
   * which runs in the pod's PID namespace until its execve, to exec or report a failure: a child stopped
   * before that held PID 1, and every request to the pod, until the 30 s start timeout (the host's wait too,
   * so STATUS and the exec both failed), and one stopped after writing its failure report hung PID 1 in
   * waitpid for good. Now the child is guest-init's tracee until it execs, and a stop signal is dropped
   * instead of stopping it: every exec is answered at once (what it runs is stopped the moment it starts;
   * the pod's own doing), as is each STATUS, and the pod is removed.
   */
  @Test
  void aContainerStoppingEveryProcessOfItsPodDoesNotStopTheGuestInit() throws Exception {
    provider.create(PodSpec.of("stopper", List.of(ContainerSpec.of("app", image, List.of("sh", "-c",
        "touch /tmp/stopping; while :; do kill -STOP -1; done")))));
    provider.start("stopper");
    for (int i = 0; i < 6; i++) {
      long start = System.nanoTime();
      if (i % 2 == 0) {
        try (ExecSession s = provider.exec("stopper", ExecSpec.of("app", "echo", "started"))) {
          s.stdin().close();
        }
      } else {
        ProviderException e = assertThrows(ProviderException.class,
            () -> provider.exec("stopper", ExecSpec.of("app", "/no/such/binary")));
        assertTrue(e.getMessage().contains("/no/such/binary"), e.getMessage());
      }
      long execMs = (System.nanoTime() - start) / 1_000_000;
      start = System.nanoTime();
      PodStatus status = provider.inspect("stopper").orElseThrow();
      long statusMs = (System.nanoTime() - start) / 1_000_000;
      System.out.println("[stopper] exec " + i + ": " + execMs + " ms, STATUS " + statusMs + " ms");
      assertEquals(PodState.RUNNING, status.state(), status.toString());
      assertTrue(execMs < 15_000, "exec " + i + " answered in " + execMs + " ms");
      assertTrue(statusMs < 5_000, "STATUS after exec " + i + " answered in " + statusMs + " ms");
    }
    provider.remove("stopper", Duration.ofSeconds(1));
    assertTrue(provider.inspect("stopper").isEmpty());
  }

  /**
   * A volume over the container's /proc: a volume of files holding {@code cap_last_cap} ("3") at
   * /proc/sys/kernel, where the child read how many capabilities to drop from the bounding set (all from 4
   * on stayed, CAP_SYS_ADMIN among them), and where it shadows what the container's /proc keeps
   * read-only. Refused at create when the path says so (the provider's validator applies the pod file's
   * rule; guest-init's ADD_CONTAINER check stays behind it), and by guest-init where a symlink an init container planted in a volume mounted before leads there. The
   * child no longer reads cap_last_cap at all.
   */
  @Test
  void aVolumeMayNotShadowTheContainersProcNotEvenThroughASymlink() {
    VolumeSpec evil = VolumeSpec.files("evil", new FileSet(List.of(
        new VolumeFile("cap_last_cap", 0644, 0, 0, "3\n".getBytes(StandardCharsets.UTF_8))), false));
    ProviderException direct = assertThrows(ProviderException.class, () -> provider.create(PodSpec.of("proc-volume",
        List.of(ContainerSpec.of("app", image, List.of("sleep", "1000"))
            .withMounts(List.of(VolumeMount.of("evil", "/proc/sys/kernel"))))).withVolumes(List.of(evil))));

    assertTrue(direct.getMessage().contains(
        "mountPath \"/proc/sys/kernel\" would shadow the container's /proc"), direct.getMessage());

    provider.create(PodSpec.of("proc-symlink", List.of(ContainerSpec.of("app", image, List.of("sleep", "1000"))
            .withMounts(List.of(VolumeMount.of("shared", "/shared"), VolumeMount.of("evil", "/shared/link")))))
        .withVolumes(List.of(VolumeSpec.emptyDir("shared"), evil))
        .withInitContainers(List.of(ContainerSpec.of("plant", image, List.of("ln", "-s", "/proc/sys/kernel",
            "/shared/link")).withMounts(List.of(VolumeMount.of("shared", "/shared"))))));

    ProviderException linked = assertThrows(ProviderException.class, () -> provider.start("proc-symlink"));

    assertEquals(Optional.of("app"), linked.container(), linked.getMessage());
    assertTrue(linked.getMessage().contains(
        "mount path \"/shared/link\" leads to /proc, /sys or /dev/pts, where no volume may be mounted"),
        linked.getMessage());
  }

  /**
   * A container makes its /dev/ptmx an absolute symlink. guest-init opened an exec's pty through
   * /proc/PID/root/dev/ptmx, which followed such a link into guest-init's own root: /dev/pts/ptmx there gave the
   * exec a terminal of the guest's devpts, and any other path was opened read-write by PID 1. Now the link is
   * resolved in the container's root, where /dev/pts/ptmx is its own devpts.
   */
  @Test
  void anExecsTerminalComesFromTheContainersDevptsWhateverItsPtmxLinkSays() throws Exception {
    provider.create(PodSpec.of("ptmx-link", List.of(ContainerSpec.of("app", image, List.of("sh", "-c",
        "rm -f /dev/ptmx && ln -s /dev/pts/ptmx /dev/ptmx && touch /tmp/linked; sleep 1000")))));
    provider.start("ptmx-link");
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (VmTestSupport.exec(provider, "ptmx-link", "app", "test", "-f", "/tmp/linked").exitCode() != 0) {
      assertTrue(System.nanoTime() < deadline, "the container made its link");
    }
    ExecSpec tty = new ExecSpec("app", List.of("sh", "-c",
        "[ \"$(stat -L -c %d /proc/self/fd/0)\" = \"$(stat -c %d /dev/pts)\" ] && echo own-devpts || echo other"),
        null, null, null, true, null);
    try (ExecSession s = provider.exec("ptmx-link", tty)) {
      s.stdin().close();
      String out = new String(s.stdout().readAllBytes(), StandardCharsets.UTF_8);
      assertEquals(java.util.OptionalInt.of(0), s.waitFor(Duration.ofSeconds(30)), out);
      assertTrue(out.contains("own-devpts"), out);
    }
  }

  @Test
  void operationsOnUnknownPodsSaySo() {
    ProviderException e = assertThrows(ProviderException.class, () -> provider.start("nobody-here"));
    assertEquals("pod \"nobody-here\": no such pod", e.getMessage());
    assertTrue(provider.inspect("Not_A_Name").isEmpty());
    ProviderException bad = assertThrows(ProviderException.class, () -> provider.create(
        PodSpec.of("Bad_Name", List.of(ContainerSpec.of("app", image, List.of("true"))))));
    assertTrue(bad.getMessage().contains("pod name"), bad.getMessage());
  }
}
