package dev.peapod.provider.qemu;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
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
   * Takes over the pools keeper processes keep ({@link QemuProvider#adoptWarmPoolKeepers}): for each
   * shape whose lock a live keeper process of this user holds, with a command line that names this
   * pool and a shape this process's settings give the same template key, the process is asked to
   * end (SIGTERM: a keeper killed at any point leaves its VMs for the next keeper, which sweeps a
   * half-restored one) and, once its lock is free, a thread of this process keeps the pool. Does
   * nothing unless this process keeps pools itself. {@code accept}: whether a keeper found so is taken over
   * (the caller's judgement of its settings: one that would not run as this process does is left alone).
   */
  List<String> adoptKeeperProcesses(java.util.function.Predicate<ProcessHandle> accept) {
    Map<String, Thread> threads = IN_PROCESS.get(pool.root().toAbsolutePath().normalize());
    if (threads == null || !Files.isDirectory(pool.root())) {
      return List.of();
    }
    List<String> adopted = new ArrayList<>();
    List<Path> locks;
    try (Stream<Path> entries = Files.list(pool.root())) {
      locks = entries.filter(p -> p.getFileName().toString().endsWith(".lock")).sorted().toList();
    } catch (IOException e) {
      return List.of();
    }
    for (Path lock : locks) {
      String name = lock.getFileName().toString();
      String key = name.substring(0, name.length() - ".lock".length());
      // Probed inside the map's lock for the key, as ensure() starts a thread: never while a thread of
      // this process keeps it (closing a descriptor of its lock file would drop that thread's lock).
      List<KeeperProcess> found = new ArrayList<>(1);
      threads.compute(key, (k, running) -> {
        if (running == null || !running.isAlive()) {
          keeperProcess(lock, key).filter(keeper -> accept.test(keeper.process())).ifPresent(found::add);
        }
        return running;
      });
      found.forEach(keeper -> {
        keeper.process().destroy();
        try {
          keeper.process().onExit().get(30, java.util.concurrent.TimeUnit.SECONDS);
        } catch (Exception e) {
          LOG.log(System.Logger.Level.WARNING, "the keeper process " + keeper.process().pid() + " of " + key
              + " did not end: " + e);
          return;
        }
        threads.compute(key, (k, running) -> running != null && running.isAlive() ? running
            : startThread(key, keeper.shape()));
        adopted.add(key);
      });
    }
    return adopted;
  }

  private record KeeperProcess(ProcessHandle process, VmShape shape) {}

  /** The keeper process that holds {@code lock} and keeps this pool's {@code key} as this process would. */
  private Optional<KeeperProcess> keeperProcess(Path lock, String key) {
    try {
      if (!Files.isRegularFile(lock, LinkOption.NOFOLLOW_LINKS) || !keeperRuns(key)) {
        return Optional.empty();
      }
      long pid = Long.parseLong(Files.readString(lock).trim());
      Optional<ProcessHandle> process = ProcessHandle.of(pid);
      Path proc = Path.of("/proc", Long.toString(pid));
      if (process.isEmpty() || !Files.getOwner(proc).equals(Files.getOwner(Path.of("/proc/self")))) {
        return Optional.empty();
      }
      List<String> argv = List.of(new String(Files.readAllBytes(proc.resolve("cmdline")), StandardCharsets.UTF_8)
          .split("\0"));
      int main = argv.indexOf(WarmPoolKeeper.class.getName());
      if (main < 0) {
        return Optional.empty();
      }
      WarmPoolKeeper.Request request = WarmPoolKeeper.Request.parse(argv.subList(main + 1, argv.size())
          .toArray(String[]::new));
      if (!request.poolRoot().toAbsolutePath().normalize().equals(pool.root().toAbsolutePath().normalize())
          || !request.template().key().equals(key) || !templates.key(request.template().shape()).equals(key)) {
        return Optional.empty(); // another pool, or settings of its own (another kernel, QEMU...): left alone
      }
      return Optional.of(new KeeperProcess(process.get(), request.template().shape()));
    } catch (IOException | RuntimeException e) {
      return Optional.empty(); // gone meanwhile, or not a keeper as this code starts them
    }
  }

  /** Whether a thread of this process keeps a pool under {@code poolRoot}. */
  static boolean keepsAnyInThisProcess(Path poolRoot) {
    Map<String, Thread> threads = IN_PROCESS.get(poolRoot.toAbsolutePath().normalize());
    return threads != null && threads.values().stream().anyMatch(Thread::isAlive);
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
