package dev.peapod.provider.qemu;

import dev.peapod.provider.qemu.runtime.HostProcess;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

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
 * <p>No builder is started while one holds the key's lock (see {@link TemplateMaker}), nor for
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
      Optional<String> notNow = whyNotBuildNow(key);
      if (notNow.isEmpty() && !claimStart(key)) {
        notNow = Optional.of("another process is starting a builder");
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
      Files.writeString(claimFile(key), Long.toString(builder)); // the claim lasts while this builder lives
      LOG.log(System.Logger.Level.DEBUG, () -> "making template VM " + key + " in process " + builder
          + " (log: " + catalogue.log(key) + ")");
    } catch (IOException | RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "cannot start a template VM builder (pods keep booting cold): " + e);
    }
  }

  /** How long a claim to start a builder (see {@link #claimStart}) keeps other processes from starting one. */
  static final Duration STARTING = Duration.ofSeconds(60);

  /**
   * Claims the start of {@code key}'s builder for this process: the builder takes the template's lock only
   * once its JVM runs (~1 s, more at load), and another process that probed the lock meanwhile (the run
   * server's pool keeping, a second command) started a second builder, which then found the lock taken and
   * ended. The claim is a file made atomically, then naming the builder's pid: it holds while that builder
   * lives (a builder killed half way leaves none), or, before it names one, for {@link #STARTING}.
   */
  private boolean claimStart(String key) throws IOException {
    Path claim = claimFile(key);
    for (int attempt = 0; attempt < 2; attempt++) {
      try {
        Files.createFile(claim);
        return true;
      } catch (java.nio.file.FileAlreadyExistsException e) {
        try {
          String pid = Files.readString(claim).trim();
          boolean holds = pid.isEmpty()
              ? Files.getLastModifiedTime(claim).toInstant().plus(STARTING).isAfter(Instant.now())
              : pid.matches("[0-9]{1,18}") && ProcessHandle.of(Long.parseLong(pid)).map(ProcessHandle::isAlive).orElse(false)
                  // a builder takes minutes at most: a pid alive after this is another process's by now
                  && Files.getLastModifiedTime(claim).toInstant().plus(Duration.ofMinutes(30)).isAfter(Instant.now());
          if (holds) {
            return false;
          }
          Files.deleteIfExists(claim); // a start or builder that ended: claim it anew
        } catch (java.nio.file.NoSuchFileException gone) {
          // its maker's builder ended and it was removed: try again
        }
      }
    }
    return false;
  }

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
        StandardOpenOption.WRITE); FileLock probe = TemplateCatalogue.tryLock(channel)) {
      return probe == null ? Optional.of("a builder is making it") : Optional.empty();
    }
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
