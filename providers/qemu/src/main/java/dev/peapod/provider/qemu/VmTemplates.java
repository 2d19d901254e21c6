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
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
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
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
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
 */
final class VmTemplates implements AutoCloseable {

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
  /** How long {@link #close()} waits for a template still being made. */
  private static final Duration CLOSE_WAIT = Duration.ofSeconds(60);
  /** Characters a path may have to be given to {@code exec:} (a shell command) unquoted. */
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
  private final QemuCommandLine commandLine;
  private final String qemuBinary;
  private final Path root;
  private final TemplateRam ram;
  private final Duration bootTimeout;
  private final ExecutorService builder;
  private Future<?> building;

  /**
   * @param enabled false when templates are switched off (PEAPOD_TEMPLATES=off): every VM boots cold
   * @param root where templates live, {@code <state>/templates}
   * @param ram where restored VMs get the template's RAM
   */
  VmTemplates(boolean enabled, QemuCommandLine commandLine, String qemuBinary, Path root, TemplateRam ram,
      Duration bootTimeout) {
    this.enabled = enabled;
    this.commandLine = commandLine;
    this.qemuBinary = qemuBinary;
    this.root = root;
    this.ram = ram;
    this.bootTimeout = bootTimeout;
    // One builder thread at most, gone when idle: a provider may be closed and used again.
    this.builder = new ThreadPoolExecutor(0, 1, 1, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
      Thread t = new Thread(r, "peapod-template-builder");
      t.setDaemon(true);
      return t;
    });
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
    Template t = new Template(key(shape), root.resolve(key(shape)));
    if (!Files.isRegularFile(t.state()) || !Files.isRegularFile(t.ram())) {
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
      return Optional.of("the state directory " + root + " has characters QEMU's exec: migration cannot take");
    }
    return Optional.empty();
  }

  /**
   * Makes the template for {@code shape} on a background thread, unless it exists or
   * is being made (by this or another process). {@link #close()} waits for it.
   */
  synchronized void prepareLater(Shape shape) {
    if (ineligible(false).isPresent() || Files.isRegularFile(root.resolve(key(shape)).resolve("state"))) {
      return;
    }
    if (building != null && !building.isDone()) {
      return;
    }
    building = builder.submit(() -> {
      try {
        build(shape);
      } catch (RuntimeException | IOException e) {
        LOG.log(System.Logger.Level.WARNING, "cannot make a template VM (pods keep booting cold): " + e);
      }
    });
  }

  /** Makes the template for {@code shape} now, unless it exists or another process makes it. */
  void build(Shape shape) throws IOException {
    String key = key(shape);
    Path dir = root.resolve(key);
    Files.createDirectories(root);
    try (FileChannel lockFile = FileChannel.open(root.resolve(key + ".lock"), StandardOpenOption.CREATE,
        StandardOpenOption.WRITE); FileLock lock = lockFile.tryLock()) {
      if (lock == null || Files.isRegularFile(dir.resolve("state"))) {
        return; // another process is making it, or has
      }
      Instant t0 = Instant.now();
      Path work = root.resolve(key + ".new");
      killLeftover(work);
      deleteTree(work);
      VmFiles files = new VmFiles(work);
      Files.createDirectories(files.imageShare());
      VmDefinition vm = definition(shape, files, GuestRam.template(work.resolve("ram")));
      QemuProcess process = QemuProcess.launch(commandLine.argv(vm), files);
      String marker = VmDefinition.commandLineMarker(vm.name());
      try {
        GuestConnection.open(files.ctlSocket(), "template", GuestListener.NONE, bootTimeout).close();
        Thread.sleep(SETTLE.toMillis());
        try (QmpClient qmp = QmpClient.connect(files.qmpSocket(), MIGRATION_TIMEOUT)) {
          ignoreSharedRam(qmp);
          ObjectNode args = JsonNodeFactory.instance.objectNode()
              .put("uri", "exec:cat > " + work.resolve("state"));
          qmp.execute("migrate", args);
          awaitMigration(qmp, "query-migrate");
          qmp.quit();
        }
        process.awaitExit(marker, Duration.ofSeconds(5));
        Files.writeString(work.resolve("template.txt"), describe(shape), StandardCharsets.UTF_8);
        move(work, dir);
        prune(root, KEEP);
        ram.sweep();
        LOG.log(System.Logger.Level.INFO, "made template VM " + key + " in "
            + Duration.between(t0, Instant.now()).toMillis() + " ms (" + describe(shape).replace('\n', ' ') + ")");
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while making template " + key, e);
      } finally {
        process.kill(marker, Duration.ofSeconds(5));
        deleteTree(work);
      }
    }
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
        qmp.execute("migrate-incoming", JsonNodeFactory.instance.objectNode()
            .put("uri", "exec:cat " + template.state()));
        awaitMigration(qmp, "query-migrate");
        String status = qmp.status();
        if (!"running".equals(status)) {
          throw new RestoreException("the restored VM is " + status + ", not running", null);
        }
      }
      String took = String.format("pod %s: RAM (%s) ready in %d ms, QEMU daemonized in %d ms, running after %d ms",
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
   * Kills the template QEMU a builder left running when it was killed half way (its pid file
   * is in the work directory); only a process whose command line names that directory.
   */
  private static void killLeftover(Path work) {
    Path pidFile = new VmFiles(work).pidFile();
    try {
      long pid = Long.parseLong(Files.readString(pidFile).trim());
      boolean ours = HostProcess.commandLine(pid)
          .map(cmd -> cmd.contains(VmDefinition.commandLineMarker("template")) && cmd.contains(work.toString()))
          .orElse(false);
      if (ours) {
        LOG.log(System.Logger.Level.INFO, "killing template QEMU " + pid + " left by an interrupted build");
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
      }
    } catch (IOException | NumberFormatException e) {
      // no pid file: nothing was left running
    }
  }

  /**
   * Deletes all but the {@code keep} most recently made templates in {@code root}, with their
   * lock files; work directories of builds in progress are left alone.
   */
  static void prune(Path root, int keep) throws IOException {
    List<Path> made;
    try (Stream<Path> dirs = Files.list(root)) {
      made = dirs.filter(p -> Files.isRegularFile(p.resolve("state")) && !p.getFileName().toString().contains("."))
          .sorted(Comparator.comparing(VmTemplates::madeAt).reversed())
          .toList();
    }
    for (Path old : made.subList(Math.min(keep, made.size()), made.size())) {
      LOG.log(System.Logger.Level.INFO, "deleting old template VM " + old.getFileName());
      deleteTree(old);
      Files.deleteIfExists(root.resolve(old.getFileName() + ".lock"));
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

  /** Waits for the template being made, if one is, so a short-lived process leaves it complete. */
  @Override
  public void close() {
    Future<?> pending;
    synchronized (this) {
      pending = building;
    }
    if (pending != null && !pending.isDone()) {
      LOG.log(System.Logger.Level.INFO, "waiting for the template VM being made");
      try {
        pending.get(CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
      } catch (Exception e) {
        LOG.log(System.Logger.Level.WARNING, "template VM not finished: " + e);
      }
    }
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

  private static void awaitMigration(QmpClient qmp, String query) {
    long deadline = System.nanoTime() + MIGRATION_TIMEOUT.toNanos();
    while (true) {
      var info = qmp.execute(query);
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
