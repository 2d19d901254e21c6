package dev.peapod.provider.qemu;

import dev.peapod.provider.qemu.runtime.HostInfo;
import dev.peapod.provider.qemu.runtime.JsonFiles;
import dev.peapod.provider.qemu.runtime.PoolVmRecord;
import dev.peapod.provider.qemu.runtime.PrivateFiles;
import dev.peapod.provider.qemu.runtime.VmFiles;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The warm pool on disk: VMs restored from a template before any pod asks, waiting at READY with
 * no pod, one directory each, and how a start takes one.
 *
 * <pre>
 * pool/&lt;key&gt;/&lt;id&gt;/          a waiting VM: its runtime files ({@link VmFiles}) and pool.json ({@link PoolVmRecord})
 * pool/&lt;key&gt;/.&lt;id&gt;.new/     a VM being restored by the keeper: never taken
 * pool/&lt;key&gt;.lock            held (fcntl) by the shape's keeper ({@link WarmPoolKeeper})
 * pool/&lt;key&gt;.used            touched by every start of the shape: its mtime says how recently it was used
 * pool/&lt;key&gt;.log             the keeper's output
 * pool/claimed/&lt;id&gt;.&lt;pid&gt;/   a VM being taken by process pid
 * </pre>
 *
 * <p>Taken exactly once: a start takes a VM by renaming its directory into {@code claimed/} under
 * a name with its own pid. rename(2) is atomic, so of two clients racing for one VM exactly one
 * rename succeeds and the other finds the directory gone and tries the next VM (or none is left,
 * and it restores or boots as without a pool). Nothing else is needed to decide who won, and the
 * keeper never takes a VM back: it only adds new ones and discards ones nobody took.
 *
 * <p>Never a previous pod's data: a VM enters the pool only freshly restored from the template
 * (the keeper's {@code .new} directory is renamed into the pool once RESTORED gave it a boot id
 * of its own and fresh entropy, and {@link PoolWarmUp} ran Peapod's own warm-up container in it),
 * and a VM leaves it only to one pod, whose stop or rm ends it. No path puts a VM that has run a
 * pod back; its image share is empty again when it is published.
 *
 * <p>Crash safety of a take: the taker writes the pod's vm.json (the pod owns the VM), deletes the
 * VM's pool.json, then moves its files into the pod directory. A taker killed before the pod owns
 * the VM leaves a claimed directory with a pool.json whose taker is dead: the keeper kills that
 * VM. Killed after, the pod's vm.json says its start did not complete, and the pod's next start
 * replaces the VM, as after any interrupted start.
 */
final class WarmPool {

  private static final System.Logger LOG = System.getLogger(WarmPool.class.getName());
  /** The directory name under the pool where VMs being taken are. */
  static final String CLAIMED = "claimed";

  /**
   * A VM this process took from the pool: its record and the directory its files are in until
   * {@link PodVm} moves them into the pod's.
   */
  record Taken(PoolVmRecord record, VmFiles files) {}

  private final Path root;
  private final WarmPoolConfig config;

  /**
   * @param root {@code <state>/pool}
   * @param config how big the pool may be
   */
  WarmPool(Path root, WarmPoolConfig config) {
    this.root = root;
    this.config = config;
  }

  Path root() {
    return root;
  }

  WarmPoolConfig config() {
    return config;
  }

  Path shapeDir(String key) {
    return root.resolve(key);
  }

  Path lockFile(String key) {
    return root.resolve(key + ".lock");
  }

  Path usedFile(String key) {
    return root.resolve(key + ".used");
  }

  Path log(String key) {
    return root.resolve(key + ".log");
  }

  Path claimedDir() {
    return root.resolve(CLAIMED);
  }

  /** Notes that a VM of the template {@code key} was just started (the pool of a shape lives while it is used). */
  void used(String key) {
    try {
      PrivateFiles.createDirectories(root);
      Path used = usedFile(key);
      if (!Files.exists(used)) {
        Files.write(used, new byte[0]);
      }
      Files.setLastModifiedTime(used, FileTime.from(Instant.now()));
    } catch (IOException e) {
      LOG.log(System.Logger.Level.DEBUG, () -> "cannot note the use of pool " + key + ": " + e);
    }
  }

  /** When a VM of the template {@code key} was last started, if ever. */
  Optional<Instant> lastUsed(String key) {
    try {
      return Optional.of(Files.getLastModifiedTime(usedFile(key)).toInstant());
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /**
   * What a VM is restored under beyond its template, as this process's settings say: whether and as which uids
   * QEMU runs as VM users, whether the template's RAM is shared ({@code PEAPOD_TEMPLATE_RAM}), and what is
   * marked for same-page merging ({@code PEAPOD_KSM}). None of these is in the template key, and the pool's
   * keeper (a run server, a keeper process, a controller) may have been started with other settings than the
   * command taking a VM: a VM restored under other settings is not what that command asked for (a pod run with
   * {@code PEAPOD_TEMPLATE_RAM=copy} would get shared pages, one run with VM users a root QEMU).
   */
  static String restoreSettings(Optional<dev.peapod.provider.qemu.runtime.VmUsers> users) {
    return "vm-users=" + users.map(dev.peapod.provider.qemu.runtime.VmUsers::range).orElse("off")
        + " template-ram=" + (TemplateRam.sharedFromEnvironment() ? "shared" : "copy")
        + " ksm=" + dev.peapod.provider.qemu.runtime.SamePageMerging.fromEnvironment().name().toLowerCase(java.util.Locale.ROOT)
        + " confinement=" + confinement(Path.of("/proc/self"));
  }

  /**
   * Where this process's QEMUs run, as a short digest: its cgroup (a CI job's or a service's memory and CPU
   * limits) and its namespaces (the network namespace a pod's host port is bound in, the mount namespace its
   * files are seen through). A pool VM's QEMU is its keeper's child, so it lives where the keeper does: a
   * command run in a memory-limited cgroup or under {@code unshare --net} that took a VM kept from outside
   * would have its pod escape the limit or bind its port elsewhere (the run server gives back such commands
   * for the same reason; they then start their pods themselves, and must not take its VMs either).
   */
  static String confinement(Path proc) {
    StringBuilder facts = new StringBuilder();
    try {
      facts.append(Files.readString(proc.resolve("cgroup")));
    } catch (IOException e) {
      facts.append("cgroup unknown\n");
    }
    for (String ns : List.of("cgroup", "ipc", "mnt", "net", "pid", "user", "uts")) {
      try {
        facts.append(ns).append('=').append(Files.readSymbolicLink(proc.resolve("ns").resolve(ns))).append('\n');
      } catch (IOException | UnsupportedOperationException e) {
        facts.append(ns).append("=unknown\n");
      }
    }
    try {
      byte[] digest = java.security.MessageDigest.getInstance("SHA-256")
          .digest(facts.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
      return java.util.HexFormat.of().formatHex(digest, 0, 8);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e); // every JVM has SHA-256
    }
  }

  /**
   * Takes a waiting VM of the template {@code key} restored under {@code settings} (see {@link #restoreSettings}),
   * or empty when none waits (or none of those waiting still runs: those are deleted; one restored under other
   * settings is left waiting for a taker of its own settings). The caller owns the VM from here: it moves it into a
   * pod or kills it.
   */
  Optional<Taken> take(String key, String settings) {
    Path shape = shapeDir(key);
    for (Path entry : waiting(shape)) {
      Path claimed = claimedDir().resolve(entry.getFileName() + "." + ProcessHandle.current().pid());
      try {
        PrivateFiles.createDirectories(claimedDir());
        Files.move(entry, claimed, StandardCopyOption.ATOMIC_MOVE);
      } catch (NoSuchFileException | FileAlreadyExistsException | DirectoryNotEmptyException
          | AtomicMoveNotSupportedException e) {
        continue; // another client took it first
      } catch (IOException e) {
        LOG.log(System.Logger.Level.WARNING, "cannot take pool VM " + entry + ": " + e);
        continue;
      }
      Optional<PoolVmRecord> record = read(claimed);
      if (record.isPresent() && record.get().templateKey().equals(key) && runs(record.get())) {
        if (settings.equals(record.get().restoreSettings())) {
          return Optional.of(new Taken(record.get(), new VmFiles(claimed)));
        }
        LOG.log(System.Logger.Level.DEBUG, () -> "pool VM " + entry.getFileName() + " was restored under "
            + record.get().restoreSettings() + ", not " + settings + ": left waiting");
        try {
          Files.move(claimed, entry, StandardCopyOption.ATOMIC_MOVE);
          continue;
        } catch (IOException e) {
          LOG.log(System.Logger.Level.WARNING, "cannot put pool VM " + entry + " back: " + e);
        }
      }
      LOG.log(System.Logger.Level.INFO, "pool VM " + entry.getFileName() + " no longer runs; deleted");
      discard(claimed, record);
    }
    return Optional.empty();
  }

  /** The waiting VMs' directories of one shape, oldest first (they have waited longest). */
  static List<Path> waiting(Path shape) {
    if (!Files.isDirectory(shape)) {
      return List.of();
    }
    try (Stream<Path> entries = Files.list(shape)) {
      return entries.filter(p -> !p.getFileName().toString().startsWith("."))
          .filter(p -> Files.isRegularFile(p.resolve(PoolVmRecord.FILE)))
          .sorted()
          .toList();
    } catch (IOException e) {
      return List.of();
    }
  }

  /** Every waiting VM's record, all shapes: for the memory budget. */
  List<PoolVmRecord> all() {
    List<PoolVmRecord> records = new ArrayList<>();
    if (!Files.isDirectory(root)) {
      return records;
    }
    try (Stream<Path> shapes = Files.list(root)) {
      for (Path shape : shapes.filter(Files::isDirectory).filter(p -> !p.getFileName().toString().equals(CLAIMED))
          .toList()) {
        for (Path vm : waiting(shape)) {
          read(vm).ifPresent(records::add);
        }
      }
    } catch (IOException e) {
      LOG.log(System.Logger.Level.DEBUG, () -> "cannot list the pool: " + e);
    }
    return records;
  }

  static Optional<PoolVmRecord> read(Path vmDir) {
    try {
      return JsonFiles.read(vmDir.resolve(PoolVmRecord.FILE), PoolVmRecord.class);
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** Whether the recorded QEMU is still that pool VM, on this host boot. */
  static boolean runs(PoolVmRecord record) {
    return record.hostBootId().equals(HostInfo.bootId()) && process(record).isAlive(marker(record));
  }

  static QemuProcess process(PoolVmRecord record) {
    return new QemuProcess(record.pid(), record.processStartTime(), record.startedAt(), record.startedAt(),
        record.vmUser());
  }

  static String marker(PoolVmRecord record) {
    return VmDefinition.commandLineMarker(record.name());
  }

  /** Kills a pool VM (if it still runs) and deletes its directory. */
  static void discard(Path vmDir, Optional<PoolVmRecord> record) {
    record.ifPresent(r -> {
      if (r.hostBootId().equals(HostInfo.bootId())) {
        process(r).kill(marker(r), Duration.ofSeconds(5));
      }
    });
    try {
      TemplateCatalogue.deleteTree(vmDir);
    } catch (IOException e) {
      LOG.log(System.Logger.Level.WARNING, "cannot delete pool VM directory " + vmDir + ": " + e);
    }
  }

  /**
   * Moves a taken VM's runtime files into the pod's directory {@code to} (its image share replaces
   * the pod's empty one), then deletes what is left of the claimed directory. Sockets keep working:
   * QEMU holds them by their bound inode, and its 9p export by an open descriptor.
   */
  static void moveInto(VmFiles from, VmFiles to) throws IOException {
    List<Path> moving = from.runtimeFiles();
    List<Path> into = to.runtimeFiles();
    for (int i = 0; i < moving.size(); i++) {
      Path source = moving.get(i);
      if (!Files.exists(source, LinkOption.NOFOLLOW_LINKS)) {
        continue;
      }
      if (Files.isDirectory(into.get(i), LinkOption.NOFOLLOW_LINKS)) {
        TemplateCatalogue.deleteTree(into.get(i));
      }
      Files.move(source, into.get(i), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
    TemplateCatalogue.deleteTree(from.dir());
  }
}
