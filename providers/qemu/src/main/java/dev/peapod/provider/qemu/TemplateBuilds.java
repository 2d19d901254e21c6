package dev.peapod.provider.qemu;

import dev.peapod.provider.qemu.runtime.HostProcess;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Starts the {@link TemplateBuilder} processes that make missing templates, and waits for them
 * when asked.
 *
 * <p>Making one takes 4-7 s under TCG, and nothing waits for it: the cold boot that finds no
 * template for its shape asks for one here and the pod's start returns. A separate process rather
 * than a thread because the CLI is a process per command: a thread dies with the JVM, so the CLI
 * would have to wait for it (it did: its first start of a shape returned 4-7 s after the pod was
 * up), while a builder in its own session outlives the CLI, its terminal's SIGHUP and Ctrl-C. One
 * path for every caller: long-lived processes (tests, benchmarks, a controller) start builders too
 * and can wait for them with {@link #awaitBuilds}.
 *
 * <p>No builder is started while one holds the key's lock (see {@link TemplateMaker}) or its claim
 * (one that is starting, see {@link #startUnderClaim}), nor for
 * {@link #FAILED_BACKOFF} after a failed build (a shape QEMU cannot save would otherwise cost a
 * boot's CPU after every cold start).
 */
final class TemplateBuilds {

  private static final System.Logger LOG = System.getLogger(TemplateBuilds.class.getName());
  /** How long after a failed build no builder is started for the same key. */
  static final Duration FAILED_BACKOFF = Duration.ofMinutes(5);

  private final TemplateCatalogue catalogue;
  private final QemuCommandLine commandLine;
  private final Duration bootTimeout;
  /** Pids of the builder processes this instance started, by key. */
  private final Map<String, Long> builders = new HashMap<>();

  TemplateBuilds(TemplateCatalogue catalogue, QemuCommandLine commandLine, Duration bootTimeout) {
    this.catalogue = catalogue;
    this.commandLine = commandLine;
    this.bootTimeout = bootTimeout;
  }

  /**
   * Starts a {@link TemplateBuilder} process for {@code shape} and returns without waiting,
   * unless the template exists, a builder holds its lock, this instance's builder for it still
   * runs, or its last build failed less than {@link #FAILED_BACKOFF} ago. Never throws: a
   * template is an optimisation, its absence means cold boots.
   */
  synchronized void prepareLater(VmShape shape) {
    if (catalogue.ineligible(false).isPresent()) {
      return;
    }
    String key = catalogue.key(shape);
    if (TemplateCatalogue.complete(catalogue.root().resolve(key))) {
      return;
    }
    Long mine = builders.get(key);
    if (mine != null && ProcessHandle.of(mine).map(ProcessHandle::isAlive).orElse(false)) {
      return;
    }
    try {
      Files.createDirectories(catalogue.root());
      synchronized (CLAIMS) {
        startUnderClaim(key, shape);
      }
    } catch (IOException | RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "cannot start a template VM builder (pods keep booting cold): " + e);
    }
  }

  /**
   * File locks belong to the process: two instances in one JVM (two homes in a test JVM) must not
   * take the same claim's lock at once ({@link java.nio.channels.OverlappingFileLockException}).
   */
  private static final Object CLAIMS = new Object();
  /** A claim is "PID START" (start time in epoch ms); anything longer is garbage. */
  private static final int CLAIM_MAX = 64;

  /**
   * Decides and starts under the key's claim, {@code .KEY.starting}, locked for the whole decision.
   *
   * <p>Why a claim beside the template's lock: the builder takes {@code KEY.lock} only once its JVM
   * runs (~1 s, more at load), and another process that probed the lock meanwhile (the run server's
   * pool keeping, a second command) started a second builder, which then found the lock taken and
   * ended. The claim names the builder by pid and start time, so it holds exactly while that builder
   * lives: a builder that ended, was killed, or whose pid was reused by another process no longer
   * holds it. Its lock is held from reading it until the new builder is named, so two processes never
   * both find it stale and both start one, and a claimer that died half way (the kernel drops its
   * lock) leaves an empty or partial claim that the next reader takes over at once.
   */
  private void startUnderClaim(String key, VmShape shape) throws IOException {
    Path claimFile = claimFile(key);
    if (Files.exists(claimFile, LinkOption.NOFOLLOW_LINKS)
        && !Files.isRegularFile(claimFile, LinkOption.NOFOLLOW_LINKS)) {
      Files.delete(claimFile); // a symlink, FIFO or empty directory is no claim of ours (and no link is followed)
    }
    try (FileChannel claim = FileChannel.open(claimFile, StandardOpenOption.CREATE, StandardOpenOption.READ,
        StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS); FileLock held = claim.lock()) {
      Optional<String> notNow = liveBuilder(claim).map(pid -> "builder process " + pid + " is starting or making it");
      if (notNow.isEmpty()) {
        notNow = whyNotBuildNow(key);
      }
      if (notNow.isEmpty() && TemplateCatalogue.complete(catalogue.root().resolve(key))) {
        notNow = Optional.of("it was made meanwhile");
      }
      if (notNow.isPresent()) {
        String why = notNow.get();
        LOG.log(System.Logger.Level.DEBUG, () -> "no template builder for " + key + ": " + why);
        return;
      }
      long builder = TemplateBuilder.launch(new TemplateBuilder.Request(catalogue.root(), key,
          commandLine.qemuBinary(), commandLine.tbSizeMiB(), commandLine.tscKhz(), bootTimeout, shape),
          catalogue.log(key));
      builders.put(key, builder);
      // its start time read now, while it is alive (a builder that already ended gets 0: it holds nothing)
      long startedAt = ProcessHandle.of(builder).flatMap(p -> p.info().startInstant()).map(Instant::toEpochMilli)
          .orElse(0L);
      claim.truncate(0);
      claim.write(ByteBuffer.wrap((builder + " " + startedAt).getBytes(StandardCharsets.US_ASCII)), 0);
      LOG.log(System.Logger.Level.DEBUG, () -> "making template VM " + key + " in process " + builder
          + " (log: " + catalogue.log(key) + ")");
    }
  }

  /** The pid of the builder a claim names if that very process (same start time) still runs. */
  static Optional<Long> liveBuilder(FileChannel claim) throws IOException {
    if (claim.size() > CLAIM_MAX) {
      return Optional.empty(); // garbage: not a claim
    }
    ByteBuffer bytes = ByteBuffer.allocate(CLAIM_MAX);
    while (bytes.hasRemaining() && claim.read(bytes, bytes.position()) > 0) {
      // reads until the end
    }
    String text = new String(bytes.array(), 0, bytes.position(), StandardCharsets.US_ASCII);
    Matcher named = CLAIM.matcher(text);
    if (!named.matches()) {
      return Optional.empty(); // empty (its claimer died before naming a builder) or garbage
    }
    long pid = Long.parseLong(named.group(1));
    long startedAt = Long.parseLong(named.group(2));
    return ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
        .filter(p -> p.info().startInstant().map(Instant::toEpochMilli).orElse(-1L) == startedAt)
        .map(p -> pid);
  }

  private static final Pattern CLAIM = Pattern.compile("([0-9]{1,18}) ([0-9]{1,18})");

  private Path claimFile(String key) {
    return catalogue.root().resolve("." + key + ".starting");
  }

  private Optional<String> whyNotBuildNow(String key) throws IOException {
    Path failed = catalogue.failedFile(key);
    if (Files.isRegularFile(failed)) {
      Instant at = Files.getLastModifiedTime(failed).toInstant();
      if (at.plus(FAILED_BACKOFF).isAfter(Instant.now())) {
        return Optional.of("its last build failed at " + at + " (see " + catalogue.log(key) + ")");
      }
    }
    try (FileChannel channel = FileChannel.open(catalogue.lockFile(key), StandardOpenOption.CREATE,
        StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS); FileLock probe = TemplateCatalogue.tryLock(channel)) {
      return probe == null ? Optional.of("a builder is making it") : Optional.empty();
    }
  }

  /** How many builder processes this instance started (tests). */
  synchronized int startedCount() {
    return builders.size();
  }

  /**
   * Waits until the builders this instance started have ended (each made its template, found
   * it made by another, or failed), at most {@code timeout}; returns whether they all ended.
   */
  boolean awaitBuilds(Duration timeout) throws InterruptedException {
    List<Long> started;
    synchronized (this) {
      started = List.copyOf(builders.values());
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    for (long pid : started) {
      // a builder is not this JVM's child (it runs under setsid): see HostProcess.terminate
      if (!HostProcess.awaitGone(pid, Duration.ofNanos(Math.max(0, deadline - System.nanoTime())))) {
        return false;
      }
      if (Thread.interrupted()) {
        throw new InterruptedException();
      }
    }
    return true;
  }
}
