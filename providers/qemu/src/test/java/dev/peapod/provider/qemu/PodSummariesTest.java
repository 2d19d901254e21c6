package dev.peapod.provider.qemu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peapod.provider.PodState;
import dev.peapod.provider.PodSummary;
import dev.peapod.provider.PortForward;
import dev.peapod.provider.VmResources;
import dev.peapod.provider.qemu.runtime.HandOverRecord;
import dev.peapod.provider.qemu.runtime.HostInfo;
import dev.peapod.provider.qemu.runtime.PodDirectory;
import dev.peapod.provider.qemu.runtime.PodDirectoryTest;
import dev.peapod.provider.qemu.runtime.PodRecord;
import dev.peapod.provider.qemu.runtime.StateDirectory;
import dev.peapod.provider.qemu.runtime.VmRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link QemuProvider#summaries()}, what a plan reads of every pod, tells each pod as {@link
 * QemuProvider#inventory()} does, without the spec; pods set up from files alone (no VM runs).
 */
class PodSummariesTest {

  @TempDir Path tmp;

  private QemuProvider provider() {
    Properties props = new Properties();
    props.setProperty("peapod.home", tmp.toString());
    props.setProperty("peapod.kernel", tmp.resolve("vmlinux").toString());
    props.setProperty("peapod.initrd", tmp.resolve("initrd").toString());
    return new QemuProvider(QemuConfig.fromEnvironment(props, Map.of(), false));
  }

  private static VmRecord vm(long pid, String hostBootId) {
    return new VmRecord(pid, 1234, hostBootId, "guest-boot", "tcg", Path.of("/k/bz"), VmResources.DEFAULT,
        List.of(), List.of(PortForward.tcp(8080, 80)), Instant.parse("2024-01-02T03:04:05Z"), Duration.ofMillis(812));
  }

  @Test
  void summariesTellEveryPodAsTheInventoryDoes() throws Exception {
    QemuProvider provider = provider();
    StateDirectory state = new StateDirectory(provider.config().stateDir());
    PodDirectory created = state.pod("created");
    created.create(new PodRecord(PodDirectoryTest.fullSpec(), Instant.now()));
    PodDirectory failed = state.pod("failed");
    failed.create(new PodRecord(PodDirectoryTest.fullSpec(), Instant.now())
        .withStartFailure("start failed: init container \"init\" exited with 3: {\"quoted\": [1]}"));
    PodDirectory rebooted = state.pod("rebooted");
    rebooted.create(new PodRecord(PodDirectoryTest.fullSpec(), Instant.now()));
    rebooted.writeVm(vm(42, "another-boot"));
    PodDirectory ended = state.pod("ended");
    ended.create(new PodRecord(PodDirectoryTest.fullSpec(), Instant.now()));
    ended.writeVm(vm(Integer.MAX_VALUE - 7, HostInfo.bootId()));
    PodDirectory giving = state.pod("giving");
    giving.create(new PodRecord(PodDirectoryTest.fullSpec(), Instant.now()));
    state.beginHandOver(new HandOverRecord("giving", "taking", vm(43, "another-boot")));
    Files.createDirectories(state.pod("no-record").path()); // a directory without pod.json is no pod

    List<PodSummary> summaries = provider.summaries();

    assertEquals(provider.inventory().stream().map(PodSummary::of).toList(), summaries);
    assertEquals(List.of("created", "ended", "failed", "giving", "rebooted"),
        summaries.stream().map(PodSummary::name).toList());
    assertEquals(List.of(PodState.CREATED, PodState.VM_GONE, PodState.CREATED, PodState.CREATED, PodState.VM_GONE),
        summaries.stream().map(PodSummary::state).toList());
    assertTrue(summaries.get(2).message().contains("exited with 3: {\"quoted\": [1]}"), summaries.get(2).message());
    assertTrue(summaries.get(3).message().contains("was interrupted"), summaries.get(3).message());
    assertEquals(Optional.of("guest-boot"), summaries.get(4).vm().map(v -> v.bootId()));
    for (String pod : List.of("created", "ended", "failed", "giving", "rebooted", "no-record", "absent")) {
      assertEquals(provider.inventoryOf(pod).map(PodSummary::of), provider.summaryOf(pod), pod);
    }
    assertFalse(provider.summaryOf("Not a name").isPresent());
  }

  @Test
  void aPodChangedInTheSameInstantWithTheSameSizeAndTimeReadsAsChanged() throws Exception {
    // Nothing of a pod's files is kept between reads: a VM record written within the same clock
    // tick, or a start failure of the same length with the mtime set back, is read as it is now.
    QemuProvider provider = provider();
    PodDirectory pod = new StateDirectory(provider.config().stateDir()).pod("web");
    pod.create(new PodRecord(PodDirectoryTest.fullSpec(), Instant.now()).withStartFailure("failure A"));
    Path file = pod.path().resolve("pod.json");
    var mtime = Files.getLastModifiedTime(file);
    assertEquals("failure A", provider.summaries().get(0).message());
    pod.writePod(pod.readPod().orElseThrow().withStartFailure("failure B"));
    Files.setLastModifiedTime(file, mtime);
    assertEquals("failure B", provider.summaries().get(0).message());
    pod.writeVm(vm(42, "another-boot"));
    assertEquals(PodState.VM_GONE, provider.summaries().get(0).state());
    assertEquals(PodState.VM_GONE, provider.summaryOf("web").orElseThrow().state());
  }

  @Test
  void aPodRecordThatIsNotJsonIsAnErrorAsInTheInventory() throws Exception {
    QemuProvider provider = provider();
    PodDirectory broken = new StateDirectory(provider.config().stateDir()).pod("broken");
    broken.create(new PodRecord(PodDirectoryTest.fullSpec(), Instant.now()));
    Files.writeString(broken.path().resolve("pod.json"), "{\"spec\": {\"name\": \"broken\"");

    Exception summary = org.junit.jupiter.api.Assertions.assertThrows(RuntimeException.class, provider::summaries);
    assertTrue(summary.getMessage().contains("pod.json"), summary.getMessage());
    org.junit.jupiter.api.Assertions.assertThrows(RuntimeException.class, provider::inventory);
  }
}
