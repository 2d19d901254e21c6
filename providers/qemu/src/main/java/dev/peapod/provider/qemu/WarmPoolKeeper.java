package dev.peapod.provider.qemu;

import dev.peapod.provider.qemu.guest.Fields;
import dev.peapod.provider.qemu.guest.GuestConnection;
import dev.peapod.provider.qemu.guest.GuestException;
import dev.peapod.provider.qemu.guest.GuestListener;
import dev.peapod.provider.qemu.guest.GuestMessages;
import dev.peapod.provider.qemu.guest.Wire;
import dev.peapod.provider.qemu.runtime.HostInfo;
import dev.peapod.provider.qemu.runtime.HostProcess;
import dev.peapod.provider.qemu.runtime.JsonFiles;
import dev.peapod.provider.qemu.runtime.PoolVmRecord;
import dev.peapod.provider.qemu.runtime.PrivateFiles;
import dev.peapod.provider.qemu.runtime.VmFiles;
import dev.peapod.provider.qemu.runtime.VmUsers;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Keeps the warm pool of one VM shape (see {@link WarmPool}): fills it up to {@link
 * WarmPoolConfig#perShape()} VMs restored from the shape's template, within the memory budget,
 * fills it again when a start took one, and when the shape has not been started for {@link
 * WarmPoolConfig#idle()} stops its VMs and ends.
 *
 * <p>Who runs it: with {@code peapod serve} running, a thread of the controller (see {@link
 * WarmPoolKeepers#keepInThisProcess}); otherwise a detached process of its own ({@link #main},
 * started like the template builder by the first start of the shape that finds none running), so
 * the CLI, which is a process per command, still has a pool. One keeper per shape on the host: it
 * holds {@code <key>.lock} (an fcntl lock, gone with its holder however it dies) for as long as it
 * runs, and a second keeper finds it taken and ends at once.
 *
 * <p>After a restart: a new keeper adopts the VMs a killed one left waiting (they are ordinary
 * detached QEMU processes recorded in pool.json) if they still run and are of the current
 * template, and discards the rest: half-restored {@code .new} VMs, VMs whose QEMU is gone, VMs of
 * a host boot before this one, and claimed VMs whose taker died before its pod owned them. It
 * also discards the VMs of other shapes whose keeper is gone and whose idle time is over, so
 * no VM waits forever for a keeper that will not come back.
 */
final class WarmPoolKeeper {

  /** How often the keeper looks whether a start took a VM. */
  static final Duration POLL = Duration.ofMillis(200);
  /**
   * How long the pool stays short before the keeper restores another VM: a restore takes a core for
   * ~0.2-0.4 s under TCG, which the pod that just took a VM needs for its own containers.
   */
  static final Duration REFILL_DELAY = Duration.ofMillis(1000);
  /** How long a restored pool VM may take to answer RESTORED (see PodVm's RESTORE_TIMEOUT). */
  private static final Duration RESTORE_TIMEOUT = Duration.ofSeconds(15);
  /** After a failed fill, how long before the next try (a broken template is discarded and made again). */
  private static final Duration FAILED_FILL_PAUSE = Duration.ofSeconds(5);
  private static final SecureRandom RANDOM = new SecureRandom();

  private final WarmPool pool;
  /** The VM users pool VMs' QEMUs run as, or empty (see {@link VmUsers}). */
  private final java.util.Optional<VmUsers> users = VmUsers.fromEnvironment();
  private final TemplateCatalogue templates;
  /** Starts a template builder when the shape has no template (none yet, or a pod's restore discarded it). */
  private final TemplateBuilds builds;
  private final TemplateRestore restore;
  private final VmShape shape;
  private final String key;
  private final Consumer<String> say;
  /** The VMs that waited at the last look. */
  private List<PoolVmRecord> lastSeen = List.of();

  WarmPoolKeeper(WarmPool pool, TemplateCatalogue templates, TemplateBuilds builds, TemplateRestore restore,
      VmShape shape, Consumer<String> say) {
    this.builds = builds;
    this.pool = pool;
    this.templates = templates;
    this.restore = restore;
    this.shape = shape;
    this.key = templates.key(shape);
    this.say = say;
  }

  /**
   * Keeps the pool until the shape is idle, the pool directory is deleted, or the thread is
   * interrupted (then the VMs keep waiting for the next keeper); returns false at once when
   * another keeper holds the lock.
   */
  boolean keep() throws IOException {
    PrivateFiles.createDirectories(pool.root());
    try (FileChannel lockFile = FileChannel.open(pool.lockFile(key), StandardOpenOption.CREATE,
        StandardOpenOption.WRITE); FileLock lock = TemplateCatalogue.tryLock(lockFile)) {
      if (lock == null) {
        return false;
      }
      lockFile.truncate(0).write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n")
          .getBytes(StandardCharsets.US_ASCII)));
      say.accept("keeping the warm pool of " + key + " (" + pool.config().perShape() + " VMs of "
          + shape.memoryMiB() + " MiB, idle " + pool.config().idle().toSeconds() + " s)");
      Instant nextFill = Instant.EPOCH;
      Instant shortSince = Instant.EPOCH; // the first fill does not wait
      while (!Thread.currentThread().isInterrupted()) {
        if (!Files.isDirectory(pool.root())) {
          // Deleted with its state directory: its VMs' records went with it, so they end here.
          lastSeen.forEach(r -> WarmPool.process(r).kill(WarmPool.marker(r), Duration.ofSeconds(5)));
          say.accept("the pool directory " + pool.root() + " is gone; stopped its " + lastSeen.size()
              + " VMs; ending");
          // and, with the whole state directory gone, any VM restored into it that it had not seen waiting
          users.ifPresent(u -> u.stopAbandonedPoolVms().forEach(what -> say.accept("stopped " + what)));
          return true;
        }
        sweep();
        lastSeen = WarmPool.waiting(pool.shapeDir(key)).stream().map(WarmPool::read).flatMap(Optional::stream)
            .toList();
        Instant lastUsed = pool.lastUsed(key).orElse(Instant.EPOCH);
        if (lastUsed.plus(pool.config().idle()).isBefore(Instant.now())) {
          List<Path> left = WarmPool.waiting(pool.shapeDir(key));
          left.forEach(vm -> WarmPool.discard(vm, WarmPool.read(vm)));
          say.accept("shape " + key + " not started for " + pool.config().idle().toSeconds() + " s: stopped "
              + left.size() + " pool VMs; ending");
          return true;
        }
        boolean isShort = wantsAnother();
        shortSince = !isShort ? null : shortSince != null ? shortSince : Instant.now();
        if (isShort && Instant.now().isAfter(nextFill) && shortSince.plus(REFILL_DELAY).isBefore(Instant.now())) {
          Optional<Template> template = templates.find("pool", shape, false);
          if (template.isPresent()) {
            if (!fill(template.get())) {
              nextFill = Instant.now().plus(FAILED_FILL_PAUSE);
            }
            continue;
          }
          if (builds != null) {
            builds.prepareLater(shape); // none yet, or discarded: a builder makes it (one at a time, with back-off)
          }
        }
        try {
          Thread.sleep(POLL.toMillis());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      say.accept("interrupted; the pool VMs of " + key + " wait for the next keeper");
      return true;
    }
  }

  /** Whether the shape has fewer VMs than wanted and one more fits the memory budget. */
  private boolean wantsAnother() {
    if (WarmPool.waiting(pool.shapeDir(key)).size() >= pool.config().perShape()) {
      return false;
    }
    int used = pool.all().stream().mapToInt(PoolVmRecord::memoryMiB).sum();
    return used + shape.memoryMiB() <= pool.config().memoryMiB();
  }

  /**
   * Restores one VM from {@code template} into {@code .<id>.new}, gives it its identity
   * (RESTORED) and publishes it; returns whether it did. The VM is killed on any failure.
   */
  boolean fill(Template template) {
    String id = HexFormat.of().formatHex(randomBytes(4));
    String name = "pool." + id;
    Path work = pool.shapeDir(key).resolve("." + id + ".new");
    VmFiles files = new VmFiles(work);
    Optional<String> socketProblem = files.socketPathProblem();
    if (socketProblem.isPresent()) {
      say.accept("no warm pool: " + socketProblem.get());
      return false;
    }
    TemplateRestore.Restored restored = null;
    VmUsers.VmUser user = null;
    long t0 = System.nanoTime();
    try {
      PrivateFiles.createDirectories(files.imageShare());
      // Its own uid from the start: the VM will run some pod's containers (see VmUsers).
      if (users.isPresent()) {
        user = users.get().allocate(work);
        QemuProcess.linkUserFiles(files, user);
        new ImageShare(files.imageShare(), users).openTo(user.uid());
      }
      VmDefinition vm = TemplateCatalogue.definition(shape, name, files, GuestRam.MEMFD).withUser(user);
      restored = restore.launch(template, vm);
      if (user != null) {
        users.get().launched(user);
      }
      String bootId;
      Duration restoreTimeout = dev.peapod.provider.qemu.runtime.HostLoad.scale(RESTORE_TIMEOUT);
      try (GuestConnection guest = GuestConnection.open(files.ctlSocket(), name, GuestListener.NONE,
          restoreTimeout)) {
        Fields renewed = guest.call(Wire.MSG_RESTORED, GuestMessages.restored(randomBytes(Wire.RESTORED_ENTROPY_BYTES),
            Instant.now(), !restored.ram().privateMapping()), restoreTimeout);
        bootId = renewed.str(Wire.F_BOOT_ID).orElseThrow(() ->
            new GuestException("the guest answered RESTORED without a BOOT_ID"));
        PoolWarmUp.run(guest, files, PoolWarmUp.image(pool.root()), users);
      }
      QemuProcess process = restored.process();
      Duration took = Duration.ofNanos(System.nanoTime() - t0);
      JsonFiles.write(work.resolve(PoolVmRecord.FILE), new PoolVmRecord(name, key, shape.memoryMiB(),
          process.pid(), process.startTime(), HostInfo.bootId(), bootId, !restored.ram().privateMapping(),
          process.launchedAt(), took, user == null ? null : user.uid(), user == null ? null : user.claim(),
          WarmPool.restoreSettings(users)));
      TemplateCatalogue.move(work, pool.shapeDir(key).resolve(id));
      say.accept("pool VM " + id + " waits (QEMU " + process.pid() + ", restored in " + took.toMillis() + " ms)");
      return true;
    } catch (TemplateRestore.RestoreException | VmLaunchException e) {
      // Not discarded here: under load a restore can fail for reasons of the moment, and a pool without
      // its template stays empty. A pod's own restore judges the template (PodVm discards a broken one,
      // boots cold, and that cold boot makes it again); this keeper tries again after a pause.
      say.accept("cannot restore template " + template.key() + " for the pool (trying again in "
          + FAILED_FILL_PAUSE.toSeconds() + " s): " + e.getMessage());
      discardWork(work, restored, name);
      if (user != null) {
        users.get().free(user);
      }
      return false;
    } catch (IOException | RuntimeException e) {
      say.accept("a pool VM restored from " + template.key() + " did not take its identity: " + e);
      discardWork(work, restored, name);
      if (user != null) {
        users.get().free(user);
      }
      return false;
    }
  }

  private static void discardWork(Path work, TemplateRestore.Restored restored, String name) {
    if (restored != null) {
      restored.process().kill(VmDefinition.commandLineMarker(name), Duration.ofSeconds(5));
    }
    try {
      TemplateCatalogue.deleteTree(work);
    } catch (IOException e) {
      // the next sweep tries again
    }
  }

  /**
   * Discards what no one will use: this shape's VMs that no longer run and {@code .new} VMs a killed
   * keeper left; claimed VMs whose taker died before its pod owned them; other shapes' VMs that
   * no keeper holds and whose idle time is over.
   */
  private void sweep() {
    Path mine = pool.shapeDir(key);
    for (Path vm : list(mine)) {
      String name = vm.getFileName().toString();
      if (name.startsWith(".") && name.endsWith(".new")) {
        killByDirectory(vm); // this keeper fills in this thread: a .new here is a killed keeper's
        discardQuietly(vm);
        continue;
      }
      Optional<PoolVmRecord> record = WarmPool.read(vm);
      if (record.isEmpty() || !record.get().templateKey().equals(key) || !WarmPool.runs(record.get())) {
        say.accept("discarding pool VM " + name + ": " + (record.isEmpty() ? "no record" : "its QEMU is gone"));
        WarmPool.discard(vm, record);
      }
    }
    for (Path claimed : list(pool.claimedDir())) {
      String name = claimed.getFileName().toString();
      long taker;
      try {
        taker = Long.parseLong(name.substring(name.lastIndexOf('.') + 1));
      } catch (NumberFormatException e) {
        continue;
      }
      if (HostProcess.isAlive(taker)) {
        continue;
      }
      Optional<PoolVmRecord> record = WarmPool.read(claimed);
      say.accept("discarding pool VM " + name + ": its taker " + taker + " ended before a pod owned it");
      WarmPool.discard(claimed, record);
    }
    for (Path other : list(pool.root())) {
      String otherKey = other.getFileName().toString();
      if (!Files.isDirectory(other) || otherKey.equals(key) || otherKey.equals(WarmPool.CLAIMED)) {
        continue;
      }
      reapHalfRestored(other, otherKey);
      boolean idle = pool.lastUsed(otherKey).orElse(Instant.EPOCH).plus(pool.config().idle()).isBefore(Instant.now());
      if (idle && !keeperRuns(otherKey)) {
        for (Path vm : WarmPool.waiting(other)) {
          say.accept("discarding pool VM " + vm.getFileName() + " of idle shape " + otherKey + " (no keeper)");
          WarmPool.discard(vm, WarmPool.read(vm));
        }
      }
    }
  }

  /**
   * Another shape's {@code .new} VMs when no keeper holds that shape: only its keeper restores into
   * {@code .new}, so these are a killed keeper's (killed with its process group, mid-restore), whose
   * QEMU would otherwise run until that shape's next keeper. Reaped holding the shape's lock, so that
   * no keeper of it starts restoring meanwhile.
   */
  private void reapHalfRestored(Path other, String otherKey) {
    List<Path> half = list(other).stream().filter(p -> {
      String name = p.getFileName().toString();
      return name.startsWith(".") && name.endsWith(".new");
    }).toList();
    if (half.isEmpty() || WarmPoolKeepers.keptInThisProcess(pool.root(), otherKey)) {
      return; // none, or a keeper thread of this process restores it (its lock file is not to be touched)
    }
    try (FileChannel channel = FileChannel.open(pool.lockFile(otherKey), StandardOpenOption.CREATE,
        StandardOpenOption.WRITE); FileLock lock = TemplateCatalogue.tryLock(channel)) {
      if (lock == null) {
        return; // its keeper runs, and sweeps its own
      }
      for (Path vm : half) {
        killByDirectory(vm);
        discardQuietly(vm);
      }
    } catch (IOException e) {
      // the next sweep tries again
    }
  }

  private boolean keeperRuns(String otherKey) {
    if (WarmPoolKeepers.keptInThisProcess(pool.root(), otherKey)) {
      // A keeper thread of this process holds that lock: probing it would close a descriptor of the
      // file, which drops every fcntl lock this process holds on it, and a keeper of another process
      // could then start on the same shape.
      return true;
    }
    try (FileChannel channel = FileChannel.open(pool.lockFile(otherKey), StandardOpenOption.CREATE,
        StandardOpenOption.WRITE); FileLock probe = TemplateCatalogue.tryLock(channel)) {
      return probe == null;
    } catch (IOException e) {
      return true;
    }
  }

  /** Kills a QEMU whose command line names this (half-restored) pool VM's directory. */
  private void killByDirectory(Path work) {
    // By the directory its pid file is in (or, for a VM user's QEMU, the one its run directory names),
    // not by paths on its command line: a VM user's QEMU names none under the pool VM's directory.
    Optional<Path> dir = Optional.of(work.toAbsolutePath().normalize());
    ProcessHandle.allProcesses()
        .filter(p -> HostProcess.commandLine(p.pid()).map(cmd -> cmd.contains(" -name peapod-pool.")).orElse(false)
            && StrayVms.launchedDirectory(p.pid()).map(d -> d.toAbsolutePath().normalize()).equals(dir))
        .forEach(p -> {
          say.accept("killing pool QEMU " + p.pid() + " left half restored in " + work);
          p.destroyForcibly();
        });
  }

  private static void discardQuietly(Path dir) {
    try {
      TemplateCatalogue.deleteTree(dir);
    } catch (IOException e) {
      // the next sweep tries again
    }
  }

  private static List<Path> list(Path dir) {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> entries = Files.list(dir)) {
      return entries.sorted().toList();
    } catch (IOException e) {
      return List.of();
    }
  }

  private static byte[] randomBytes(int n) {
    byte[] bytes = new byte[n];
    RANDOM.nextBytes(bytes);
    return bytes;
  }

  // ---- the keeper process

  /**
   * What a keeper process keeps: the template builder's request (QEMU, kernel, shape) plus the
   * pool's directory and size.
   */
  record Request(TemplateBuilder.Request template, Path poolRoot, WarmPoolConfig config) {

    List<String> toArgs() {
      List<String> args = new ArrayList<>(template.toArgs());
      args.add("pool=" + poolRoot);
      args.add("per-shape=" + config.perShape());
      args.add("memory-budget-mib=" + config.memoryMiB());
      args.add("idle-s=" + config.idle().toSeconds());
      return args;
    }

    static Request parse(String[] argv) {
      Map<String, String> pool = new LinkedHashMap<>();
      List<String> rest = new ArrayList<>();
      for (String arg : argv) {
        int eq = arg.indexOf('=');
        String name = eq > 0 ? arg.substring(0, eq) : "";
        if (List.of("pool", "per-shape", "memory-budget-mib", "idle-s").contains(name)) {
          pool.put(name, arg.substring(eq + 1));
        } else {
          rest.add(arg);
        }
      }
      TemplateBuilder.Request template = TemplateBuilder.Request.parse(rest.toArray(String[]::new));
      for (String name : List.of("pool", "per-shape", "memory-budget-mib", "idle-s")) {
        if (pool.getOrDefault(name, "").isEmpty()) {
          throw new IllegalArgumentException("missing argument " + name + "=");
        }
      }
      try {
        return new Request(template, Path.of(pool.get("pool")), new WarmPoolConfig(
            Integer.parseInt(pool.get("per-shape")), Integer.parseInt(pool.get("memory-budget-mib")),
            Duration.ofSeconds(Long.parseLong(pool.get("idle-s")))));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("a pool size argument is not a number: " + pool);
      }
    }
  }

  /**
   * Keeps the pool {@code args} describe (see {@link Request#toArgs()}) until its shape is idle.
   * Exit status 0 when it kept it or another keeper does; 1 on a failure; 2 for arguments that do
   * not describe a pool.
   */
  public static void main(String[] args) {
    int status;
    try {
      Request request = Request.parse(args);
      TemplateBuilder.Request t = request.template();
      QemuCommandLine commandLine = new QemuCommandLine(t.qemuBinary(), t.tbSizeMiB(), t.tscKhz());
      TemplateRam ram = new TemplateRam(QemuProvider.TEMPLATE_RAMFS, Path.of("/dev/shm"));
      TemplateCatalogue templates = new TemplateCatalogue(true, commandLine, t.root(), ram);
      if (!templates.key(t.shape()).equals(t.key())) {
        throw new IllegalArgumentException("these inputs give template key " + templates.key(t.shape()) + ", not "
            + t.key() + " (kernel or initrd changed since the pool was asked for?)");
      }
      WarmPoolKeeper keeper = new WarmPoolKeeper(new WarmPool(request.poolRoot(), request.config()), templates,
          new TemplateBuilds(templates, commandLine, t.bootTimeout()), new TemplateRestore(commandLine, ram), t.shape(),
          WarmPoolKeeper::say);
      if (!keeper.keep()) {
        say("another keeper keeps the warm pool of " + t.key());
      }
      status = 0;
    } catch (IllegalArgumentException e) {
      say("warm pool keeper: " + e.getMessage());
      status = 2;
    } catch (IOException | RuntimeException e) {
      say("warm pool keeper failed (starts restore templates instead): " + e);
      e.printStackTrace();
      status = 1;
    }
    System.exit(status);
  }

  private static void say(String line) {
    System.err.println(LocalDateTime.now().truncatedTo(ChronoUnit.MILLIS) + " " + line);
  }
}
