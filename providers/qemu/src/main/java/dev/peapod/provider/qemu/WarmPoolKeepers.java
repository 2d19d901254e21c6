package dev.peapod.provider.qemu;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Makes sure every recently started shape has a {@link WarmPoolKeeper}: a detached keeper process
 * when nothing else keeps pools (the CLI), or a thread of this process once it said it keeps them
 * ({@link #keepInThisProcess}: the controller). The two never keep one shape at once: both take
 * the shape's lock, and a controller thread that finds a detached keeper holding it waits for
 * that keeper to end.
 */
final class WarmPoolKeepers {

  private static final System.Logger LOG = System.getLogger(WarmPoolKeepers.class.getName());
  /** How often a controller's keeper thread tries again for a lock another keeper holds. */
  private static final Duration LOCK_RETRY = Duration.ofSeconds(2);
  /** Pool roots whose pools this process keeps itself, each with its keeper threads by template key. */
  private static final Map<Path, Map<String, Thread>> IN_PROCESS = new ConcurrentHashMap<>();

  private final WarmPool pool;
  private final TemplateCatalogue templates;
  private final TemplateRestore restore;
  private final TemplateBuilds builds;
  private final QemuCommandLine commandLine;
  private final Duration bootTimeout;

  WarmPoolKeepers(WarmPool pool, TemplateCatalogue templates, TemplateBuilds builds, TemplateRestore restore,
      QemuCommandLine commandLine, Duration bootTimeout) {
    this.builds = builds;
    this.pool = pool;
    this.templates = templates;
    this.restore = restore;
    this.commandLine = commandLine;
    this.bootTimeout = bootTimeout;
  }

  /**
   * Notes that a VM of {@code shape} was just started and makes sure a keeper keeps its pool. Never
   * throws and never waits for a VM: a pool is an optimisation.
   */
  void ensure(VmShape shape) {
    if (!pool.config().enabled() || templates.ineligible(false).isPresent()) {
      return;
    }
    try {
      String key = templates.key(shape);
      pool.used(key);
      Map<String, Thread> threads = IN_PROCESS.get(pool.root());
      if (threads != null) {
        threads.compute(key, (k, running) -> running != null && running.isAlive() ? running : startThread(key, shape));
        return;
      }
      if (keeperRuns(key)) {
        return;
      }
      TemplateBuilder.Request template = new TemplateBuilder.Request(templates.root(), key,
          commandLine.qemuBinary(), commandLine.tbSizeMiB(), commandLine.tscKhz(), bootTimeout, shape);
      long pid = DetachedJvm.launch(WarmPoolKeeper.class,
          new WarmPoolKeeper.Request(template, pool.root(), pool.config()).toArgs(), pool.root(), pool.log(key));
      LOG.log(System.Logger.Level.DEBUG, () -> "keeping the warm pool of " + key + " in process " + pid);
    } catch (IOException | RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "cannot start a warm pool keeper (starts restore templates instead): " + e);
    }
  }

  private boolean keeperRuns(String key) throws IOException {
    try (FileChannel channel = FileChannel.open(pool.lockFile(key), StandardOpenOption.CREATE,
        StandardOpenOption.WRITE); FileLock probe = TemplateCatalogue.tryLock(channel)) {
      return probe == null;
    }
  }

  private Thread startThread(String key, VmShape shape) {
    WarmPoolKeeper keeper = new WarmPoolKeeper(pool, templates, builds, restore, shape,
        line -> LOG.log(System.Logger.Level.INFO, line));
    Thread thread = new Thread(() -> {
      try {
        while (!Thread.currentThread().isInterrupted() && !keeper.keep()) {
          // A detached keeper holds the lock: it ends when the shape is idle, or keeps it meanwhile.
          if (pool.lastUsed(key).orElse(Instant.EPOCH).plus(pool.config().idle()).isBefore(Instant.now())) {
            return;
          }
          Thread.sleep(LOCK_RETRY.toMillis());
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (IOException | RuntimeException e) {
        LOG.log(System.Logger.Level.WARNING, "the warm pool keeper of " + key + " failed: " + e);
      }
    }, "peapod-warm-pool-" + key);
    thread.setDaemon(true);
    thread.start();
    return thread;
  }

  /**
   * From now on this process keeps the warm pools under {@code poolRoot} itself, in threads,
   * instead of starting keeper processes: for a long-lived process (the controller).
   */
  static void keepInThisProcess(Path poolRoot) {
    IN_PROCESS.putIfAbsent(poolRoot.toAbsolutePath().normalize(), new ConcurrentHashMap<>());
  }

  /**
   * Whether a thread of this process keeps {@code key}'s pool under {@code poolRoot}: then this
   * process must not open that shape's lock file elsewhere, since closing any descriptor of a file
   * drops every fcntl lock the process holds on it.
   */
  static boolean keptInThisProcess(Path poolRoot, String key) {
    Map<String, Thread> threads = IN_PROCESS.get(poolRoot.toAbsolutePath().normalize());
    Thread thread = threads == null ? null : threads.get(key);
    return thread != null && thread.isAlive();
  }

  /**
   * Stops this process's keeper threads of {@code poolRoot}; their VMs keep waiting, for the next
   * keeper to adopt (or discard once their shape is idle).
   */
  static void stopKeepingInThisProcess(Path poolRoot) throws InterruptedException {
    Map<String, Thread> threads = IN_PROCESS.remove(poolRoot.toAbsolutePath().normalize());
    if (threads == null) {
      return;
    }
    threads.values().forEach(Thread::interrupt);
    for (Thread t : threads.values()) {
      t.join(Duration.ofSeconds(30).toMillis());
    }
  }
}
