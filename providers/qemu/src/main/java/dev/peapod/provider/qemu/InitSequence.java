package dev.peapod.provider.qemu;

import dev.peapod.provider.ContainerSpec;
import dev.peapod.provider.ContainerStatus;
import dev.peapod.provider.LogQuery;
import dev.peapod.provider.LogRecord;
import dev.peapod.provider.PodSpec;
import dev.peapod.provider.ProviderException;
import dev.peapod.provider.RestartPolicy;
import dev.peapod.provider.qemu.guest.Fields;
import dev.peapod.provider.qemu.guest.GuestConnection;
import dev.peapod.provider.qemu.guest.GuestEvent;
import dev.peapod.provider.qemu.guest.GuestException;
import dev.peapod.provider.qemu.guest.GuestMessages;
import dev.peapod.provider.qemu.guest.Wire;
import dev.peapod.provider.qemu.logs.LogFileReader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * Runs a pod's init containers in a booted VM, host-side and in order, with Kubernetes' meaning
 * (see {@link PodSpec#initContainers()}): each must exit 0 before the next starts; a sidecar
 * ({@code ALWAYS}) is started and left running, and the next one starts once its process runs
 * and, as in Kubernetes, its postStart hook ended and its startup probe passed.
 *
 * <p>The guest runs an init container like any other container, with restart policy Never: retries
 * are decided here, so that a failing one ends the start after a bounded number of attempts with
 * its exit code and output, instead of the guest restarting it forever. Completed init containers
 * stay in the guest as exited containers, so STATUS keeps showing their outcome.
 */
final class InitSequence {

  /** Attempts of an init container whose restart policy is OnFailure, the first included. */
  static final int MAX_ATTEMPTS = 3;
  /** Delay before the second attempt; doubled before each further one. */
  static final Duration FIRST_RETRY_DELAY = Duration.ofSeconds(1);
  /** How much of a failed init container's output goes into the error. */
  static final int OUTPUT_LINES = 10;
  /**
   * Output reaches the host on the log port, exits on the control port, with no order between the
   * two; the log is re-read until it stops growing for this long (at most {@link #OUTPUT_SETTLE_MAX}).
   */
  private static final Duration OUTPUT_SETTLE = Duration.ofMillis(150);
  private static final Duration OUTPUT_SETTLE_MAX = Duration.ofSeconds(1);
  /** How often a sidecar's STARTED is asked for while the next container waits for it. */
  private static final Duration STARTED_POLL = Duration.ofMillis(100);
  /** Beyond what a sidecar's startup probe allows: the postStart hook and a slow VM. */
  private static final Duration STARTED_MARGIN = Duration.ofSeconds(30);

  private final GuestConnection guest;
  private final GuestChannels channels;
  private final PodSpec spec;
  private final Path containersLog;
  private final Consumer<ContainerSpec> add;

  /**
   * @param add starts one container in the guest (ADD_CONTAINER) and returns once its process runs
   */
  InitSequence(GuestConnection guest, GuestChannels channels, PodSpec spec, Path containersLog,
      Consumer<ContainerSpec> add) {
    this.guest = guest;
    this.channels = channels;
    this.spec = spec;
    this.containersLog = containersLog;
    this.add = add;
  }

  /**
   * Runs every init container of the spec.
   *
   * @throws ProviderException naming the init container, with its exit code and last output, when
   *     one fails for good
   */
  void run() {
    for (ContainerSpec c : spec.initContainers()) {
      if (c.restartPolicy() == RestartPolicy.ALWAYS) {
        add.accept(c); // a sidecar: the guest restarts it as needed, and it runs once ADD_CONTAINER is answered
        if (c.lifecycle().startup().isPresent() || c.lifecycle().postStart().isPresent()) {
          awaitStarted(c);
        }
      } else {
        runToCompletion(c);
      }
    }
  }

  /**
   * Waits for the guest to report a sidecar started (postStart done, startup probe passed). The
   * guest ends and restarts a sidecar whose startup probe fails, as the kubelet does, so the wait
   * is bounded by what the probe allows one run, with a margin for a slow (TCG) VM.
   */
  private void awaitStarted(ContainerSpec c) {
    Duration allowed = c.lifecycle().startup()
        .map(p -> p.initialDelay().plus(p.period().plus(p.timeout()).multipliedBy(p.failureThreshold())))
        .orElse(Duration.ZERO)
        .plus(STARTED_MARGIN);
    long deadline = System.nanoTime() + allowed.toNanos();
    String last = "";
    while (System.nanoTime() < deadline) {
      for (ContainerStatus s : GuestMessages.containerStatuses(
          guest.call(Wire.MSG_STATUS, Fields.empty(), PodVm.REQUEST_TIMEOUT), id -> id)) {
        if (s.name().equals(c.name())) {
          if (s.started()) {
            return;
          }
          last = s.probeMessage();
        }
      }
      sleep(STARTED_POLL);
    }
    throw new ProviderException(spec.name(), c.name(), "sidecar did not start within "
        + allowed.toSeconds() + " s (its startup probe or postStart hook did not pass"
        + (last.isEmpty() ? "" : ": " + last) + "); the containers after it were not started", null);
  }

  private void runToCompletion(ContainerSpec c) {
    int attempts = c.restartPolicy() == RestartPolicy.ON_FAILURE ? MAX_ATTEMPTS : 1;
    Duration delay = FIRST_RETRY_DELAY;
    for (int attempt = 1; ; attempt++) {
      CompletableFuture<GuestEvent> exit = channels.nextExit(spec.name(), c.name());
      add.accept(c.withRestartPolicy(RestartPolicy.NEVER));
      GuestEvent event = await(c, exit);
      if (event.exitCode() == 0) {
        return;
      }
      if (attempt == attempts) {
        throw new ProviderException(spec.name(), c.name(), failure(c, event, attempts), null);
      }
      // The guest keeps an exited container until it is removed; a retry starts from a fresh writable layer.
      guest.call(Wire.MSG_REMOVE_CONTAINER, GuestMessages.removeContainer(c.name(), Duration.ZERO),
          PodVm.REQUEST_TIMEOUT);
      sleep(delay);
      delay = delay.multipliedBy(2);
    }
  }

  /** Init containers may run as long as they need (as in Kubernetes); only the VM's end stops the wait. */
  private GuestEvent await(ContainerSpec c, CompletableFuture<GuestEvent> exit) {
    try {
      return exit.get();
    } catch (ExecutionException e) {
      throw new ProviderException(spec.name(), c.name(), "init container did not finish: "
          + e.getCause().getMessage(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ProviderException(spec.name(), c.name(), "interrupted while the init container ran", e);
    }
  }

  private String failure(ContainerSpec c, GuestEvent event, int attempts) {
    String how = event.signal() != 0
        ? "was killed by signal " + event.signal() + " (exit code " + event.exitCode() + ")"
        : "exited with code " + event.exitCode();
    String retries = attempts == 1
        ? "; restartPolicy Never, so it was not retried"
        : " on each of " + attempts + " attempts (retried after " + describeDelays(attempts) + ")";
    return "init container " + how + retries + "; the app containers were not started. " + lastOutput(c.name());
  }

  private static String describeDelays(int attempts) {
    StringBuilder sb = new StringBuilder();
    Duration d = FIRST_RETRY_DELAY;
    for (int i = 1; i < attempts; i++) {
      sb.append(i > 1 ? ", " : "").append(d.toMillis() / 1000.0).append(" s");
      d = d.multipliedBy(2);
    }
    return sb.toString().replace(".0 s", " s");
  }

  /** "Its last output:" and the last lines it wrote (stdout and stderr as interleaved), or that it wrote none. */
  private String lastOutput(String container) {
    List<String> lines = outputLines(container);
    if (lines.isEmpty()) {
      return "It wrote no output.";
    }
    List<String> tail = lines.subList(Math.max(0, lines.size() - OUTPUT_LINES), lines.size());
    return "Its last output:\n" + tail.stream().map(l -> "  " + l).collect(Collectors.joining("\n"));
  }

  private List<String> outputLines(String container) {
    LogFileReader reader = new LogFileReader(containersLog);
    LogQuery query = LogQuery.of(container);
    long deadline = System.nanoTime() + OUTPUT_SETTLE_MAX.toNanos();
    Optional<String> last = Optional.empty();
    while (true) {
      String text = reader.read(query).stream().map(LogRecord::text).collect(Collectors.joining());
      if (last.isPresent() && last.get().equals(text) || System.nanoTime() > deadline) {
        return text.lines().toList();
      }
      last = Optional.of(text);
      sleep(OUTPUT_SETTLE);
    }
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new GuestException("interrupted between init container attempts", e);
    }
  }
}
