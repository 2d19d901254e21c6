package dev.peapod.provider.qemu.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peapod.provider.ContainerSpec;
import dev.peapod.provider.ImageRootfs;
import dev.peapod.provider.LogQuery;
import dev.peapod.provider.LogRecord;
import dev.peapod.provider.PodSpec;
import dev.peapod.provider.PodStatus;
import dev.peapod.provider.qemu.QemuProvider;
import dev.peapod.provider.qemu.logs.LogLimits;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * A container that writes far more than the host keeps: the log files stay within their cap (a
 * ring of 3 files of 64 KiB here), the newest lines are what {@code logs} returns, a follower
 * started before the flood reads on across every rotation in order, and a killed log writer is
 * started again by the next look at the pod.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class LogRotationIT {

  private static final String POD = "chatty";
  private static final LogLimits LIMITS = new LogLimits(64 << 10, 3);
  /** 40 bursts of 300 lines of ~100 bytes: 1.2 MB, 6 times what the ring keeps. */
  private static final int BURSTS = 40;
  private static final int LINES = 300;
  private static final Pattern LINE = Pattern.compile("line (\\d+) ");

  private QemuProvider provider;
  private ImageRootfs image;

  @BeforeAll
  void setUp() throws Exception {
    image = BusyboxImages.build(VmTestSupport.IMAGES, "busybox-a", Map.of("www/index.html", "hello\n"));
    VmTestSupport.killStrays(POD);
    System.setProperty("peapod.log.maxSize", Long.toString(LIMITS.maxFileBytes()));
    System.setProperty("peapod.log.maxFiles", Integer.toString(LIMITS.files()));
    try {
      provider = VmTestSupport.newProvider();
    } finally {
      System.clearProperty("peapod.log.maxSize");
      System.clearProperty("peapod.log.maxFiles");
    }
    if (provider.inspect(POD).isPresent()) {
      provider.remove(POD, Duration.ZERO);
    }
  }

  @AfterAll
  void cleanUp() {
    VmTestSupport.cleanUp(provider, POD);
  }

  @Test
  void aFloodStaysWithinTheCapAndFollowReadsAcrossRotations() throws Exception {
    // Waits for /tmp/go, so that the follower is there before the first line.
    String flood = "while [ ! -e /tmp/go ]; do sleep 0.1; done; n=0; b=0; while [ $b -lt " + BURSTS + " ]; do"
        + " i=0; while [ $i -lt " + LINES + " ]; do"
        + " echo \"line $n xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\";"
        + " i=$((i+1)); n=$((n+1)); done; b=$((b+1)); sleep 0.3; done; echo the-end; exec sleep 100000";
    provider.create(PodSpec.of(POD, List.of(ContainerSpec.of("app", image, List.of("sh", "-c", flood)))));
    provider.start(POD);

    LogQuery follow = new LogQuery(Optional.empty(), true, OptionalInt.empty());
    CompletableFuture<List<Integer>> followed = CompletableFuture.supplyAsync(() -> {
      List<Integer> seen = new ArrayList<>();
      try (Stream<LogRecord> s = provider.logs(POD, follow)) {
        Iterator<LogRecord> it = s.iterator();
        StringBuilder text = new StringBuilder();
        while (it.hasNext()) {
          text.append(it.next().text());
          if (text.indexOf("the-end") >= 0) {
            break;
          }
        }
        Matcher m = LINE.matcher(text);
        while (m.find()) {
          seen.add(Integer.parseInt(m.group(1)));
        }
      }
      return seen;
    });
    Thread.sleep(500);
    VmTestSupport.exec(provider, POD, "app", "touch", "/tmp/go");

    List<Integer> seen = followed.get(180, TimeUnit.SECONDS);
    int total = BURSTS * LINES;
    for (int i = 1; i < seen.size(); i++) {
      assertTrue(seen.get(i) > seen.get(i - 1), "in order, no line twice: " + seen.get(i - 1) + " then " + seen.get(i));
    }
    assertTrue(seen.size() > total * 9 / 10, "the follower read " + seen.size() + " of " + total + " lines");
    assertEquals(total - 1, seen.get(seen.size() - 1));

    Path dir = VmTestSupport.STATE.resolve("pods").resolve(POD);
    long onDisk = 0;
    for (Path file : List.of(dir.resolve("containers.log"), dir.resolve("containers.log.1"), dir.resolve("containers.log.2"))) {
      long size = Files.size(file);
      assertTrue(size <= LIMITS.maxFileBytes() + LogLimits.OVERSHOOT_BYTES, file + ": " + size + " bytes");
      onDisk += size;
    }
    assertTrue(onDisk > LIMITS.maxFileBytes(), "the ring was used: " + onDisk);
    assertTrue(Files.notExists(dir.resolve("containers.log.3")));

    List<LogRecord> kept;
    try (Stream<LogRecord> s = provider.logs(POD, LogQuery.ALL)) {
      kept = s.toList();
    }
    String text = String.join("", kept.stream().map(LogRecord::text).toList());
    String last = text.substring(text.lastIndexOf("line "));
    assertTrue(last.startsWith("line " + (total - 1) + " x") && last.endsWith("x\nthe-end\n"), last);
    assertTrue(!text.contains("line 0 "), "the oldest lines were rotated away");
  }

  @Test
  void aKilledLogWriterIsStartedAgainByTheNextLook() throws Exception {
    if (provider.inspect(POD).isEmpty()) {
      aFloodStaysWithinTheCapAndFollowReadsAcrossRotations();
    }
    Path pidFile = VmTestSupport.STATE.resolve("pods").resolve(POD).resolve("log-writer.pid");
    long pid = Long.parseLong(Files.readString(pidFile).trim().split(" ")[0]);
    ProcessHandle writer = ProcessHandle.of(pid).orElseThrow();
    writer.destroyForcibly();
    writer.onExit().get(10, TimeUnit.SECONDS);

    PodStatus status = provider.inventory().stream().filter(p -> p.name().equals(POD)).findFirst().orElseThrow();
    assertEquals("the writer of its container log had ended and was started again", status.message());
    VmTestSupport.exec(provider, POD, "app", "sh", "-c", "echo after the repair > /proc/$(pidof sleep)/fd/1");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    String text = "";
    while (!text.contains("after the repair") && System.nanoTime() < deadline) {
      try (Stream<LogRecord> s = provider.logs(POD, LogQuery.ALL)) {
        text = String.join("", s.map(LogRecord::text).toList());
      }
      Thread.sleep(200);
    }
    assertTrue(text.contains("after the repair"), text.substring(Math.max(0, text.length() - 300)));
  }
}
