package dev.peapod.provider.qemu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.peapod.provider.qemu.runtime.JsonFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AcceleratorProbeTest {

  @TempDir Path tmp;

  private final AtomicInteger boots = new AtomicInteger();
  private static final AcceleratorProbe.CacheKey KEY =
      new AcceleratorProbe.CacheKey("boot-1", "qemu", "/k/bz", 1, "/k/i", 2);
  private Path device;

  @BeforeEach
  void fakeDevice() throws IOException {
    device = Files.createFile(tmp.resolve("kvm")); // exists and is read-writable: the probe boot decides
  }

  private AcceleratorProbe probe(Optional<Accelerator> override, boolean kvmDevice, boolean kvmBoots,
      AcceleratorProbe.CacheKey key) {
    return new AcceleratorProbe(override, kvmDevice ? device : tmp.resolve("no-kvm"), timeout -> {
      boots.incrementAndGet();
      return kvmBoots ? Optional.empty() : Optional.of("guest-init did not answer HELLO");
    }, tmp.resolve("accelerator.json"), key, Duration.ofSeconds(3));
  }

  private AcceleratorProbe.Verdict verdict() throws IOException {
    return JsonFiles.read(tmp.resolve("accelerator.json"), AcceleratorProbe.Verdict.class).orElseThrow();
  }

  @Test
  void usesKvmWhenAProbeBootReachesReady() throws IOException {
    assertEquals(Accelerator.KVM, probe(Optional.empty(), true, true, KEY).choose());
    assertEquals(1, boots.get());
    assertEquals("a KVM guest reached READY within 3000 ms", verdict().reason());
  }

  @Test
  void fallsBackToTcgWhenTheKvmGuestHangs() throws IOException {
    assertEquals(Accelerator.TCG, probe(Optional.empty(), true, false, KEY).choose());
    assertEquals(new AcceleratorProbe.Verdict(KEY, Accelerator.TCG, true,
        "a KVM guest did not reach READY within 3000 ms: guest-init did not answer HELLO"), verdict());
  }

  @Test
  void withoutAKvmDeviceRecordsTcgAndWhyWithoutProbing() throws IOException {
    assertEquals(Accelerator.TCG, probe(Optional.empty(), false, true, KEY).choose());
    assertEquals(0, boots.get());
    assertEquals(new AcceleratorProbe.Verdict(KEY, Accelerator.TCG, false, "no " + tmp.resolve("no-kvm")), verdict());
  }

  @Test
  void aVerdictTakenWithoutADeviceIsNotReusedOnceTheDeviceIsThere() {
    assertEquals(Accelerator.TCG, probe(Optional.empty(), false, true, KEY).choose());
    assertEquals(Accelerator.KVM, probe(Optional.empty(), true, true, KEY).choose());
    assertEquals(1, boots.get());
  }

  @Test
  void anOverrideWinsWithoutProbing() {
    assertEquals(Accelerator.KVM, probe(Optional.of(Accelerator.KVM), false, false, KEY).choose());
    assertEquals(Accelerator.TCG, probe(Optional.of(Accelerator.TCG), true, true, KEY).choose());
    assertEquals(0, boots.get());
  }

  @Test
  void cachesTheVerdictPerHostBootAndGuestFiles() {
    assertEquals(Accelerator.TCG, probe(Optional.empty(), true, false, KEY).choose());
    // A new provider on the same host boot trusts the cache, even if KVM would now work.
    assertEquals(Accelerator.TCG, probe(Optional.empty(), true, true, KEY).choose());
    assertEquals(1, boots.get());
    // A host reboot or a new kernel invalidates it.
    AcceleratorProbe.CacheKey rebooted = new AcceleratorProbe.CacheKey("boot-2", "qemu", "/k/bz", 1, "/k/i", 2);
    assertEquals(Accelerator.KVM, probe(Optional.empty(), true, true, rebooted).choose());
    AcceleratorProbe.CacheKey newKernel = new AcceleratorProbe.CacheKey("boot-2", "qemu", "/k/bz", 9, "/k/i", 2);
    assertEquals(Accelerator.TCG, probe(Optional.empty(), true, false, newKernel).choose());
    assertEquals(3, boots.get());
  }

  @Test
  void aVerdictFileOfTheOlderFormatIsDecidedAgain() throws IOException {
    JsonFiles.write(tmp.resolve("accelerator.json"), java.util.Map.of("key", KEY, "accelerator", "TCG"));
    assertEquals(Accelerator.KVM, probe(Optional.empty(), true, true, KEY).choose());
    assertEquals(1, boots.get());
  }

  @Test
  void parsesAcceleratorNames() {
    assertEquals(Accelerator.KVM, Accelerator.parse(" KVM "));
    assertEquals("tcg", Accelerator.parse("tcg").id());
  }
}
