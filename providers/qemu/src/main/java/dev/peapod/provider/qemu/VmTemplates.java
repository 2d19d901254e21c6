package dev.peapod.provider.qemu;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.peapod.provider.qemu.guest.GuestConnection;
import dev.peapod.provider.qemu.guest.GuestListener;
import dev.peapod.provider.qemu.qmp.QmpClient;
import dev.peapod.provider.qemu.qmp.QmpException;
import dev.peapod.provider.qemu.runtime.HostProcess;
import dev.peapod.provider.qemu.runtime.VmFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Template VMs: a VM booted once per {@link Shape} up to guest-init's READY with no
 * pod, saved with QEMU migration, from which pod VMs start instead of booting cold
 * (Firecracker snapshots and Kata's VM templating do the same).
 *
 * <p>A template is a directory {@code <state>/templates/<key>/} holding {@code ram}
 * (the guest RAM file, sparse) and {@code state} (the device state QEMU wrote with
 * {@code x-ignore-shared}, which leaves the shared RAM out of the stream). The
 * {@link TemplateKey} hashes everything that shapes the VM until READY, so any change
 * gives a new key and a template is never used for a VM it does not fit. Making one
 * keeps the {@link #KEEP} most recently made and deletes older ones (~25 MiB each),
 * which a rebuilt kernel or initramfs leaves behind.
 *
 * <p>A restore maps the template's RAM (see {@link TemplateRam}: copy on write from one
 * ramfs copy shared by all VMs of the template, or a copy of its own where there is no
 * ramfs) and feeds QEMU the state with {@code migrate-incoming}.
 *
 * <p>The template must have the pod VM's device layout exactly: every image comes
 * through the 9p image share (no per-pod virtio-blk), and a pod with hostPath
 * volumes (extra 9p devices) boots cold. guest-init mounts the image share only
 * when a container needs it, so the template has it unmounted, which is what lets
 * QEMU migrate a 9p device at all.
 *
 * <p>Making one takes 4-7 s under TCG (a cold boot, {@link #SETTLE}, the save), and nothing
 * waits for it: the cold boot that finds no template for its shape starts a {@link
 * TemplateBuilder} process and the pod's start returns. A separate process rather than a
 * thread because the CLI is a process per command: a thread dies with the JVM, so the CLI
 * would have to wait for it (it did: its first start of a shape returned 4-7 s after the
 * pod was up), while a builder in its own session outlives the CLI, its terminal's SIGHUP
 * and Ctrl-C. One path for every caller: long-lived processes (tests, benchmarks, a
 * controller) start builders too and can wait for them with {@link #awaitBuilds}.
 *
 * <p>Builders of the same key exclude each other with a {@link FileLock} on {@code
 * <key>.lock}, held for the whole build: the second one finds it taken and exits, and the
 * launcher does not even start a builder while the lock is taken. It is a kernel record
 * lock (fcntl), released when its holder dies however it dies, so a builder killed half way
 * leaves no stale lock: the next one gets it at once. The file holds the holder's pid, for
 * people and tests; only the lock says whether a builder runs. A builder works in {@code
 * <key>.new/} and renames it to {@code <key>/} only once {@code state} and {@code ram} are
 * complete, so a killed builder leaves nothing a restore would use; the next builder kills
 * the template QEMU it left running (by the pid file in {@code <key>.new/}) and deletes the
 * directory. A failed build leaves {@code <key>.failed}, and no builder is started for that
 * key for {@link #FAILED_BACKOFF} (a shape QEMU cannot save would otherwise cost a boot's CPU
 * after every cold start); the builder's output is in {@code <key>.log}.
 */
final class VmTemplates {

  private static final System.Logger LOG = System.getLogger(VmTemplates.class.getName());
  /** How many templates are kept (one per VM shape in use, plus a few a rebuild left behind). */
  static final int KEEP = 4;
  /** Bumped whenever what a template holds or how it is restored changes incompatibly. */
  static final String FORMAT = "peapod-template-1";
  /**
   * How long the template guest idles after READY before it is saved: free page reporting
   * runs 2 s after pages are freed, and what it returns is not in the template's RAM file.
   */
  private static final Duration SETTLE = Duration.ofMillis(2500);
  private static final Duration MIGRATION_TIMEOUT = Duration.ofSeconds(30);
  /** How long after a failed build no builder is started for the same key. */
  static final Duration FAILED_BACKOFF = Duration.ofMinutes(5);
  /** Characters a state directory may have: its sockets go into migration URIs and QEMU options unquoted. */
  private static final Pattern SHELL_SAFE = Pattern.compile("[A-Za-z0-9/._+=-]+");

  /**
   * What a template is made for.
   *
   * @param kernel the guest kernel
   * @param initrd the initramfs with guest-init
   * @param vcpus virtual CPUs
   * @param memoryMiB guest RAM
   * @param accelerator KVM or TCG
   */
  record Shape(Path kernel, Path initrd, int vcpus, int memoryMiB, Accelerator accelerator) {}

  /** A complete template on disk. */
  record Template(String key, Path dir) {
    Path ram() {
      return dir.resolve("ram");
    }

    Path state() {
      return dir.resolve("state");
    }
  }

  /**
   * A VM restored from a template and running.
   *
   * @param ram how its RAM is backed: a guest whose RAM maps the template's privately is told to
   *     stop reporting free pages (see {@link TemplateRam})
   */
  record Restored(QemuProcess process, GuestRam ram) {}

  /** Why a restore did not give a running VM; the caller boots cold instead. */
  static final class RestoreException extends RuntimeException {
    RestoreException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  private final boolean enabled;
  private final String qemuBinary;
  private final int tbSizeMiB;
  private final OptionalLong tscKhz;
  private final QemuCommandLine commandLine;
  private final Path root;
  private final TemplateRam ram;
  private final Duration bootTimeout;
  /** Pids of the builder processes this instance started, by key. */
  private final Map<String, Long> builders = new HashMap<>();

  /**
   * @param enabled false when templates are switched off (PEAPOD_TEMPLATES=off): every VM boots cold
   * @param qemuBinary the QEMU of pod VMs' {@link QemuCommandLine}
   * @param tbSizeMiB its TCG translation buffer size
   * @param tscKhz the host TSC frequency it passes to guests
   * @param root where templates live, {@code <state>/templates}
   * @param ram where restored VMs get the template's RAM
   */
  VmTemplates(boolean enabled, String qemuBinary, int tbSizeMiB, OptionalLong tscKhz, Path root, TemplateRam ram,
      Duration bootTimeout) {
    this.enabled = enabled;
    this.qemuBinary = qemuBinary;
    this.tbSizeMiB = tbSizeMiB;
    this.tscKhz = tscKhz;
    this.commandLine = new QemuCommandLine(qemuBinary, tbSizeMiB, tscKhz);
    this.root = root;
    this.ram = ram;
    this.bootTimeout = bootTimeout;
  }

  /**
   * The template a pod VM of this shape can start from, or empty (with the reason
   * logged) when it must boot cold.
   */
  Optional<Template> find(String pod, Shape shape, boolean hasHostShares) {
    Optional<String> whyNot = ineligible(hasHostShares);
    if (whyNot.isPresent()) {
      LOG.log(System.Logger.Level.DEBUG, () -> "pod " + pod + ": cold boot: " + whyNot.get());
      return Optional.empty();
    }
    String key = key(shape);
    Template t = new Template(key, root.resolve(key));
    if (!complete(t.dir())) {
      LOG.log(System.Logger.Level.DEBUG, () -> "pod " + pod + ": cold boot: no template " + t.key() + " yet");
      return Optional.empty();
    }
    return Optional.of(t);
  }

  /** Why VMs of a pod cannot start from a template at all, if they cannot. */
  Optional<String> ineligible(boolean hasHostShares) {
    if (!enabled) {
      return Optional.of("templates are off (PEAPOD_TEMPLATES=off)");
    }
    if (hasHostShares) {
      return Optional.of("hostPath volumes add 9p devices a template does not have");
    }
    Optional<String> noRam = ram.unusable();
    if (noRam.isPresent()) {
      return noRam;
    }
    if (!SHELL_SAFE.matcher(root.toString()).matches()) {
      return Optional.of("the state directory " + root + " has characters QEMU's migration URIs cannot take");
    }
    return Optional.empty();
  }

  /**
   * Starts a {@link TemplateBuilder} process for {@code shape} and returns without waiting,
   * unless the template exists, a builder holds its lock, this instance's builder for it still
   * runs, or its last build failed less than {@link #FAILED_BACKOFF} ago. Never throws: a
   * template is an optimisation, its absence means cold boots.
   */
  synchronized void prepareLater(Shape shape) {
    if (ineligible(false).isPresent()) {
      return;
    }
    String key = key(shape);
    if (complete(root.resolve(key))) {
      return;
    }
    Long mine = builders.get(key);
    if (mine != null && ProcessHandle.of(mine).map(ProcessHandle::isAlive).orElse(false)) {
      return;
    }
    try {
      Files.createDirectories(root);
      Optional<String> notNow = whyNotBuildNow(key);
      if (notNow.isPresent()) {
        LOG.log(System.Logger.Level.DEBUG, () -> "no template builder for " + key + ": " + notNow.get());
        return;
      }
      long builder = TemplateBuilder.launch(
          new TemplateBuilder.Request(root, key, qemuBinary, tbSizeMiB, tscKhz, bootTimeout, shape), log(key));
      builders.put(key, builder);
      LOG.log(System.Logger.Level.DEBUG, () -> "making template VM " + key + " in process " + builder
          + " (log: " + log(key) + ")");
    } catch (IOException | RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "cannot start a template VM builder (pods keep booting cold): " + e);
    }
  }

  private Optional<String> whyNotBuildNow(String key) throws IOException {
    Path failed = root.resolve(key + ".failed");
    if (Files.isRegularFile(failed)) {
      Instant at = Files.getLastModifiedTime(failed).toInstant();
      if (at.plus(FAILED_BACKOFF).isAfter(Instant.now())) {
        return Optional.of("its last build failed at " + at + " (see " + log(key) + ")");
      }
    }
    try (FileChannel channel = FileChannel.open(lockFile(key), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock probe = tryLock(channel)) {
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
      Optional<ProcessHandle> builder = ProcessHandle.of(pid);
      try {
        if (builder.isPresent()) {
          builder.get().onExit().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        }
      } catch (TimeoutException e) {
        return false;
      } catch (ExecutionException e) {
        throw new IllegalStateException("cannot wait for template builder " + pid, e);
      }
    }
    return true;
  }

  /**
   * Makes the template for {@code shape} now, in this process, unless it exists or another
   * builder holds its lock; returns whether it made it. A failure leaves {@code <key>.failed}.
   * What it does goes to {@code say}, one line each, not to a logger: the builder's output is
   * its log file whatever logging backend its classpath brings (the CLI's jar brings JBoss
   * LogManager, which would swallow it).
   */
  boolean build(Shape shape, Consumer<String> say) throws IOException {
    String key = key(shape);
    Path dir = root.resolve(key);
    Files.createDirectories(root);
    try (FileChannel lockFile = FileChannel.open(lockFile(key), StandardOpenOption.CREATE,
        StandardOpenOption.WRITE); FileLock lock = tryLock(lockFile)) {
      if (lock == null) {
        say.accept("template VM " + key + " is being made by another builder");
        return false;
      }
      if (complete(dir)) {
        say.accept("template VM " + key + " exists");
        return false;
      }
      lockFile.truncate(0).write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n")
          .getBytes(StandardCharsets.US_ASCII)));
      try {
        make(shape, key, dir, say);
        Files.deleteIfExists(root.resolve(key + ".failed"));
        return true;
      } catch (IOException | RuntimeException e) {
        Files.writeString(root.resolve(key + ".failed"), Instant.now() + " " + e + "\n", StandardCharsets.UTF_8);
        throw e;
      }
    }
  }

  private static FileLock tryLock(FileChannel channel) throws IOException {
    try {
      return channel.tryLock();
    } catch (OverlappingFileLockException e) {
      return null; // this JVM holds it: a build in progress here
    }
  }

  private void make(Shape shape, String key, Path dir, Consumer<String> say) throws IOException {
    Instant t0 = Instant.now();
    Path work = root.resolve(key + ".new");
    killLeftover(work, say);
    deleteTree(work);
    deleteTree(dir); // incomplete: a discard that did not finish
    VmFiles files = new VmFiles(work);
    Files.createDirectories(files.imageShare());
    // QEMU would create the RAM file 0644; it keeps the mode of one that exists.
    TemplateRam.createPrivateFile(work.resolve("ram"));
    TemplateRam.createPrivateFile(work.resolve("state")); // written through the migration socket: kept 0600
    VmDefinition vm = definition(shape, files, GuestRam.template(work.resolve("ram")));
    String marker = VmDefinition.commandLineMarker(vm.name());
    QemuProcess process = null;
    try {
      process = QemuProcess.launch(commandLine.argv(vm), files);
      GuestConnection.open(files.ctlSocket(), "template", GuestListener.NONE, bootTimeout).close();
      Thread.sleep(SETTLE.toMillis());
      try (QmpClient qmp = QmpClient.connect(files.qmpSocket(), MIGRATION_TIMEOUT)) {
        ignoreSharedRam(qmp);
        saveState(qmp, work.resolve("migrate.sock"), work.resolve("state"));
        qmp.quit();
      }
      process.awaitExit(marker, Duration.ofSeconds(5));
      Files.writeString(work.resolve("template.txt"), describe(shape), StandardCharsets.UTF_8);
      move(work, dir);
      prune(root, KEEP, say); // the RAM restores shared of what it deletes goes at the next restore
      say.accept("made template VM " + key + " in "
          + Duration.between(t0, Instant.now()).toMillis() + " ms (" + describe(shape).replace('\n', ' ') + ")");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while making template " + key, e);
    } finally {
      if (process != null) {
        process.kill(marker, Duration.ofSeconds(5));
      }
      deleteTree(work);
    }
  }

  private static boolean complete(Path template) {
    return Files.isRegularFile(template.resolve("state")) && Files.isRegularFile(template.resolve("ram"));
  }

  private Path lockFile(String key) {
    return root.resolve(key + ".lock");
  }

  private Path log(String key) {
    return root.resolve(key + ".log");
  }

  /**
   * Launches QEMU for {@code vm} from {@code template} and waits until the restored guest
   * runs. The caller connects, sends RESTORED and kills the VM if that fails.
   *
   * @throws RestoreException when the template cannot be used; the VM is gone then
   */
  Restored launchRestored(Template template, VmDefinition vm) {
    QemuProcess process = null;
    String marker = VmDefinition.commandLineMarker(vm.name());
    try {
      long t0 = System.nanoTime();
      GuestRam guestRam = ram.prepare(template);
      long t1 = System.nanoTime();
      try {
        process = QemuProcess.launch(commandLine.argv(vm.withRam(guestRam)), vm.files());
      } finally {
        ram.launched(guestRam);
      }
      try (QmpClient qmp = QmpClient.connect(vm.files().qmpSocket(), MIGRATION_TIMEOUT)) {
        ignoreSharedRam(qmp);
        loadState(qmp, vm.files().dir().resolve("migrate.sock"), template.state());
        String status = qmp.status();
        if (!"running".equals(status)) {
          throw new RestoreException("the restored VM is " + status + ", not running", null);
        }
      }
      String took = String.format("pod %s: RAM (%s) ready in %d ms, QEMU set up in %d ms, running after %d ms",
          vm.name(), guestRam.privateMapping() ? "shared, copy on write" : "copied", (t1 - t0) / 1_000_000,
          Duration.between(process.launchedAt(), process.daemonizedAt()).toMillis(),
          (System.nanoTime() - t0) / 1_000_000);
      LOG.log(System.Logger.Level.DEBUG, took);
      return new Restored(process, guestRam);
    } catch (IOException | RuntimeException e) {
      if (process != null) {
        process.kill(marker, Duration.ofSeconds(5));
      }
      if (e instanceof RestoreException r) {
        throw r;
      }
      throw new RestoreException(e.getMessage(), e);
    }
  }

  /**
   * Kills the template QEMU a builder left running when it was killed half way: a process whose
   * command line has the template VM's marker and names that work directory.
   */
  private static void killLeftover(Path work, Consumer<String> say) {
    // By command line rather than by pid file: a builder killed while QEMU was starting may
    // leave the pid file empty or missing.
    String marker = VmDefinition.commandLineMarker("template");
    String dir = work + "/";
    ProcessHandle.allProcesses()
        .filter(p -> HostProcess.commandLine(p.pid()).map(cmd -> cmd.contains(marker) && cmd.contains(dir))
            .orElse(false))
        .forEach(p -> {
          say.accept("killing template QEMU " + p.pid() + " left by an interrupted build");
          p.destroyForcibly();
        });
  }

  /**
   * Deletes all but the {@code keep} most recently made templates in {@code root}, with their
   * lock, log and failure files; work directories of builds in progress are left alone.
   */
  static void prune(Path root, int keep, Consumer<String> say) throws IOException {
    List<Path> made;
    try (Stream<Path> dirs = Files.list(root)) {
      made = dirs.filter(p -> Files.isRegularFile(p.resolve("state")) && !p.getFileName().toString().contains("."))
          .sorted(Comparator.comparing(VmTemplates::madeAt).reversed())
          .toList();
    }
    for (Path old : made.subList(Math.min(keep, made.size()), made.size())) {
      say.accept("deleting old template VM " + old.getFileName());
      deleteTree(old);
      for (String suffix : List.of(".lock", ".log", ".failed")) {
        Files.deleteIfExists(root.resolve(old.getFileName() + suffix));
      }
    }
  }

  private static FileTime madeAt(Path template) {
    try {
      return Files.getLastModifiedTime(template.resolve("state"));
    } catch (IOException e) {
      return FileTime.fromMillis(0);
    }
  }

  /** Deletes a template that failed to restore, so that the next cold boot makes it again. */
  void discard(Template template, String reason) {
    LOG.log(System.Logger.Level.WARNING, "discarding template VM " + template.key() + ": " + reason);
    try {
      deleteTree(template.dir());
    } catch (IOException e) {
      LOG.log(System.Logger.Level.WARNING, "cannot delete template " + template.dir() + ": " + e);
    }
    ram.sweep();
  }

  /** The template key of a shape (see {@link TemplateKey}). */
  String key(Shape shape) {
    VmDefinition vm = definition(shape, new VmFiles(Path.of("/vm")), GuestRam.template(Path.of("/vm/ram")));
    return TemplateKey.of(qemuBinary, shape.kernel(), shape.initrd(), commandLine.argv(vm));
  }

  private static VmDefinition definition(Shape shape, VmFiles files, GuestRam ram) {
    return new VmDefinition("template", shape.kernel(), shape.initrd(), shape.vcpus(), shape.memoryMiB(),
        shape.accelerator(), files, List.of(), List.of(), true, files.imageShare(), List.of(), ram);
  }

  private static String describe(Shape shape) {
    return "kernel " + shape.kernel() + "\ninitrd " + shape.initrd() + "\nvcpus " + shape.vcpus()
        + "\nmemory " + shape.memoryMiB() + " MiB\naccelerator " + shape.accelerator().id() + "\n";
  }

  private static void ignoreSharedRam(QmpClient qmp) {
    ObjectNode cap = JsonNodeFactory.instance.objectNode().put("capability", "x-ignore-shared").put("state", true);
    ObjectNode args = JsonNodeFactory.instance.objectNode();
    args.putArray("capabilities").add(cap);
    qmp.execute("migrate-set-capabilities", args);
  }

  /**
   * Migrates the VM's device state into {@code state} through a unix socket this process listens on.
   * Not {@code exec:cat > state}: that has QEMU spawn a shell, and QEMU runs with {@code spawn=deny}
   * (see {@link QemuCommandLine#SANDBOX}); QEMU 7.2 has no {@code file:} migration.
   */
  private static void saveState(QmpClient qmp, Path socket, Path state) throws IOException {
    Files.deleteIfExists(socket);
    try (java.nio.channels.ServerSocketChannel server =
        java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
      server.bind(java.net.UnixDomainSocketAddress.of(socket));
      java.util.concurrent.CompletableFuture<Long> copied = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
        try (java.nio.channels.SocketChannel in = server.accept();
            java.nio.channels.FileChannel out = java.nio.channels.FileChannel.open(state,
                java.nio.file.StandardOpenOption.WRITE, java.nio.file.StandardOpenOption.TRUNCATE_EXISTING)) {
          long total = 0;
          for (long n; (n = out.transferFrom(in, total, 1 << 20)) > 0; ) {
            total += n;
          }
          return total;
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      });
      try {
        qmp.execute("migrate", JsonNodeFactory.instance.objectNode().put("uri", "unix:" + socket));
        awaitMigration(qmp);
        copied.get(MIGRATION_TIMEOUT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
      } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
        throw new IOException("saving the template's state into " + state + " failed: " + e, e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while saving the template's state", e);
      }
    } finally {
      Files.deleteIfExists(socket);
    }
  }

  /** Feeds {@code state} to a QEMU waiting with {@code -incoming defer}, through a unix socket it listens on. */
  private static void loadState(QmpClient qmp, Path socket, Path state) throws IOException {
    Files.deleteIfExists(socket);
    try {
      qmp.execute("migrate-incoming", JsonNodeFactory.instance.objectNode().put("uri", "unix:" + socket));
      try (java.nio.channels.SocketChannel out = java.nio.channels.SocketChannel.open(
              java.net.UnixDomainSocketAddress.of(socket));
          java.nio.channels.FileChannel in = java.nio.channels.FileChannel.open(state)) {
        long size = in.size();
        for (long done = 0; done < size; ) {
          done += in.transferTo(done, size - done, out);
        }
      }
      awaitMigration(qmp);
    } finally {
      Files.deleteIfExists(socket);
    }
  }

  private static void awaitMigration(QmpClient qmp) {
    long deadline = System.nanoTime() + MIGRATION_TIMEOUT.toNanos();
    while (true) {
      var info = qmp.execute("query-migrate");
      String status = info.path("status").asText("");
      if (status.equals("completed")) {
        return;
      }
      if (status.equals("failed") || status.equals("cancelled")) {
        throw new QmpException("migration " + status + ": " + info.path("error-desc").asText("no reason given"));
      }
      if (System.nanoTime() > deadline) {
        throw new QmpException("migration not completed within " + MIGRATION_TIMEOUT.toSeconds() + " s: " + status);
      }
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new QmpException("interrupted while waiting for migration");
      }
    }
  }

  private static void move(Path from, Path to) throws IOException {
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(from, to);
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
