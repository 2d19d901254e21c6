package dev.peapod.provider.qemu;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The guest RAM a VM restored from a template starts with.
 *
 * <p>Preferred: the template's RAM mapped <em>privately</em> (copy on write) by every VM
 * restored from it, as Kata's VM templating does. Pages a guest never writes (most of the
 * kernel image, ~12 of the ~15 MiB a restored guest holds) are then one copy in host memory
 * for all those VMs instead of one per VM: 20 idle VMs measured 45.6 MiB PSS each against
 * 52.0 MiB with copies (bench/RESULTS.md).
 *
 * <p>The catch is QEMU 7.2 (Debian 12): when a guest reports free pages, QEMU punches the
 * range out of the backing <em>file</em> even when the mapping is private, which would zero
 * those pages under every other VM mapping the template, a way for one guest to corrupt its
 * neighbours. So the shared file lives on <b>ramfs</b>, which has no {@code fallocate} at all:
 * the punch fails (QEMU logs it and drops nothing), whatever the guest does. The host also
 * asks a restored guest to stop reporting free pages (RESTORED with FREE_PAGE_REPORTING 0),
 * which only saves the futile reports. ramfs pages are not swappable and a private mapping
 * faults in each page of the file a guest touches, holes included, so the shared file grows
 * from the template's ~23 MiB towards the guest RAM size as VMs run; it is deleted when its
 * template is, or when {@link #KEEP} more recently used ones exist, which bounds what the
 * ramfs pins.
 *
 * <p>QEMU run as a VM user (see {@link dev.peapod.provider.qemu.runtime.VmUsers}) cannot be given that
 * file: QEMU 7.2 opens a RAM file read-write even to map it privately, and a file every VM user could
 * write would let one VM's QEMU, taken over, change the memory of every other VM of the template. It
 * gets the template's RAM as a <b>sealed memfd</b> instead ({@link #sealedRam}): a small root process,
 * the holder ({@link #HOLDER_SCRIPT}), copies the template's RAM into a memfd, seals it against writes,
 * shrinking, growing and further sealing (F_SEAL_WRITE|SHRINK|GROW|SEAL), and keeps it open; each restore's
 * root shell opens it through {@code /proc/HOLDER/fd/N} for its QEMU (see {@link QemuCommandLine}).
 * Seals belong to the memfd, not to a descriptor: every write, shared writable map, truncation and hole
 * punch by anyone, root included, fails with EPERM, while a private mapping works, copy on write. So one
 * copy of the template's pages serves every VM user, and none can change what another maps (the
 * punch QEMU tries on a free page report fails as on ramfs). The holder's record ({@code BASE.holder}:
 * pid, start time, fd, the memfd's DEV:INO, the template's directory) is in {@link #holderDir}, a root-only
 * directory beside the ramfs (whose sweep in older Peapods deletes whatever it does not know), and is swept
 * as the ramfs files are; a holder that died is replaced by the next restore, and restored VMs keep the
 * memfd they mapped. The memfd is made
 * from the template's RAM file, which is root's and a fresh copy no VM user ever held (see
 * TemplateMaker.takeBack). Without a holder (none can be started or recorded), a VM user gets a copy of
 * its own.
 *
 * <p>Mounting ramfs takes root. Otherwise (or when the mount fails) every restore copies the
 * template's RAM to a sparse file of its own on tmpfs ({@code /dev/shm}), maps it shared and
 * unlinks it once QEMU has mapped it; free page reporting then returns memory as in a cold
 * VM. A copy's name carries the pid and start time of the process that made it ({@link
 * #copyFile}): one whose maker is gone (killed between copy and launch) is swept by the next
 * prepare or sweep, since nothing else would ever free that memory.
 *
 * <p>Files on the ramfs are named by the template's key and a hash of its directory and the
 * identity of its files, so a rebuilt template never reuses an older template's RAM,
 * and each has an {@code .origin} file naming that directory: every restore, under a lock,
 * sweeps away files whose template is gone (pruned, discarded, or its whole state directory
 * deleted, as tests do) and all but the {@link #KEEP} most recently used, since nothing else
 * would ever free that memory.
 */
final class TemplateRam {

  private static final System.Logger LOG = System.getLogger(TemplateRam.class.getName());
  private static final String RAM = ".ram";
  private static final String ORIGIN = ".origin";
  private static final String PARTIAL = ".partial";
  private static final String LOCK = ".lock";
  private static final String HOLDER = ".holder";
  /** What a holder calls itself ({@code $0}), followed by the path of its record less {@code .holder}. */
  static final String HOLDER_NAME = "peapod-template-ram";
  /** Shared RAM files kept: the most recently used, one per VM shape in use and a few more. */
  static final int KEEP = 4;
  /**
   * How long after its last use a holder beyond {@link #KEEP} is kept all the same: every Peapod home on the host
   * shares the holders, and one stopped between a restore's prepare and its launch would fail that launch.
   */
  static final java.time.Duration HOLDER_IN_USE = java.time.Duration.ofMinutes(2);
  /** File locks are per process; threads of one process (several providers) take this first. */
  private static final ReentrantLock THREADS = new ReentrantLock();

  private final Path sharedDir;
  /** Where the records of the holders of sealed memfds are: beside {@link #sharedDir}, which older Peapods sweep of all else. */
  private final Path holderDir;
  private final Path copyDir;
  /** The provider's VM users, whose copies (see {@link #prepare(Template, dev.peapod.provider.qemu.runtime.VmUsers.VmUser)}) it sweeps too. */
  private final Optional<dev.peapod.provider.qemu.runtime.VmUsers> users;
  private volatile Optional<String> sharedUnavailable;
  /** Whether restored VMs map the template's pages (see {@link #sharedFromEnvironment}). */
  private final boolean shared;

  /**
   * @param sharedDir where the ramfs is (mounted there on first use when it is not)
   * @param copyDir a tmpfs directory for per-VM copies when there is no ramfs
   */
  TemplateRam(Path sharedDir, Path copyDir) {
    this(sharedDir, copyDir, Optional.empty());
  }

  /** @param users the provider's VM users (see {@link #sweepCopies}) */
  TemplateRam(Path sharedDir, Path copyDir, Optional<dev.peapod.provider.qemu.runtime.VmUsers> users) {
    this(sharedDir, copyDir, users, sharedFromEnvironment());
  }

  /** @param shared whether restored VMs map the template's pages, or each gets a copy (see {@link #sharedFromEnvironment}) */
  TemplateRam(Path sharedDir, Path copyDir, Optional<dev.peapod.provider.qemu.runtime.VmUsers> users, boolean shared) {
    this.shared = shared;
    this.sharedDir = sharedDir;
    this.holderDir = sharedDir.resolveSibling(sharedDir.getFileName() + "-holders");
    this.copyDir = copyDir;
    this.users = users;
  }

  /** Why restores cannot copy RAM at all, if they cannot. */
  Optional<String> unusable() {
    if (!Files.isDirectory(copyDir) || !Files.isWritable(copyDir)) {
      return Optional.of(copyDir + " (tmpfs for guest RAM) is not a writable directory");
    }
    return Optional.empty();
  }

  /**
   * The RAM for a VM restored from {@code template}: the shared ramfs file when there is a
   * ramfs, else a fresh copy. Call {@link #launched} once QEMU has mapped it.
   */
  GuestRam prepare(Template template) throws IOException {
    return prepare(template, null);
  }

  /**
   * {@link #prepare(Template)} for a QEMU that runs as {@code user} (null: as the user running
   * Peapod). A VM user gets the template's sealed memfd, mapped privately, when its holder can be
   * recorded and started; else a copy of its own, owned by it: QEMU 7.2
   * opens a RAM file read-write even to map it privately, and a shared file every VM user could
   * write would let one VM's QEMU, taken over, change the memory of every other VM of the template.
   */
  GuestRam prepare(Template template, dev.peapod.provider.qemu.runtime.VmUsers.VmUser user) throws IOException {
    sweepCopies();
    if (!shared) {
      return copyFor(template, user);
    }
    if (user != null && holdersAvailable()) {
      try (Exclusive held = exclusive(holderDir)) {
        Holder holder = sealedRam(template);
        sweepHoldersLocked();
        return GuestRam.restoreSealed(holder.fd(), holder.startTime(), holder.identity());
      } catch (IOException | RuntimeException e) {
        LOG.log(System.Logger.Level.WARNING, "restored VMs of template " + template.key()
            + " get a copy of its RAM each: cannot hold it in a sealed memfd: " + e.getMessage());
      }
    }
    if (user == null && sharedAvailable()) {
      try (Exclusive held = exclusive(sharedDir)) {
        Path sharedFile = sharedFile(template);
        Files.setLastModifiedTime(sharedFile, FileTime.from(Instant.now())); // most recently used
        sweepLocked();
        return GuestRam.restorePrivate(sharedFile);
      }
    }
    return copyFor(template, user);
  }

  /** A copy of the template's RAM of the VM's own, owned by its VM user if it has one. */
  private GuestRam copyFor(Template template, dev.peapod.provider.qemu.runtime.VmUsers.VmUser user) throws IOException {
    Path copy = copyFile();
    copySparse(template.ram(), copy);
    if (user != null) {
      Files.setAttribute(copy, "unix:uid", user.uid(), java.nio.file.LinkOption.NOFOLLOW_LINKS);
      Files.setAttribute(copy, "unix:gid", user.uid(), java.nio.file.LinkOption.NOFOLLOW_LINKS);
    }
    return GuestRam.restoreCopy(copy);
  }

  /**
   * {@code PEAPOD_TEMPLATE_RAM} (or {@code peapod.template.ram}): {@code shared} (the default), every VM restored
   * from a template maps the template's pages copy on write, or {@code copy}, each gets a copy of its own. Shared
   * pages are physically one for VMs of different tenants: no VM can change them (ramfs, seals), but a guest that
   * times its accesses to them (Flush+Reload, under KVM) can tell which template pages other VMs touch, and a
   * Rowhammer bit flip in one would reach every VM mapping it. Their content is the template's, the same for all
   * and no secret, so shared is the default, as in Kata's VM templating and Firecracker's snapshots; {@code copy}
   * is for hosts whose pods must not share a physical page, at ~20 MiB more per idle pod.
   */
  static boolean sharedFromEnvironment() {
    String value = System.getenv().getOrDefault("PEAPOD_TEMPLATE_RAM", System.getProperty("peapod.template.ram", "shared"));
    return switch (value.trim().toLowerCase(java.util.Locale.ROOT)) {
      case "shared" -> true;
      case "copy" -> false;
      default -> throw new IllegalArgumentException("PEAPOD_TEMPLATE_RAM must be shared or copy, not \"" + value + "\"");
    };
  }

  /** The prefix of every per-VM copy's name in {@link #copyDir}. */
  private static final String COPY = "peapod-";
  /** How old a copy of an older Peapod (its name names no maker) must be to be swept. */
  static final java.time.Duration UNNAMED_COPY_AGE = java.time.Duration.ofHours(1);

  /** A new per-VM copy's path: {@code peapod-PID-STARTTIME-UUID.ram}, naming the process making it. */
  private Path copyFile() {
    long pid = ProcessHandle.current().pid();
    return copyDir.resolve(COPY + pid + "-" + dev.peapod.provider.qemu.runtime.HostProcess.startTime(pid).orElse(0)
        + "-" + UUID.randomUUID() + RAM);
  }

  /**
   * Deletes per-VM copies whose maker is gone: a copy lives from {@link #copyFile} to {@link
   * #launched} in the process that made it, so one whose process no longer runs was left by a start
   * killed in between (a copy QEMU mapped keeps its pages while mapped). Copies named by an older
   * Peapod go once {@link #UNNAMED_COPY_AGE} old. Only this user's: {@code /dev/shm} is everyone's.
   */
  void sweepCopies() {
    try (DirectoryStream<Path> copies = Files.newDirectoryStream(copyDir, COPY + "*" + RAM)) {
      for (Path copy : copies) {
        String[] fields = copy.getFileName().toString().split("-");
        boolean stale;
        if (fields.length > 3 && fields[1].matches("[0-9]+") && fields[2].matches("[0-9]+")) {
          long pid = Long.parseLong(fields[1]);
          stale = !dev.peapod.provider.qemu.runtime.HostProcess.isAlive(pid)
              || dev.peapod.provider.qemu.runtime.HostProcess.startTime(pid).orElse(-1) != Long.parseLong(fields[2]);
        } else {
          stale = lastUsed(copy).toInstant().isBefore(Instant.now().minus(UNNAMED_COPY_AGE));
        }
        if (stale && Files.isRegularFile(copy, java.nio.file.LinkOption.NOFOLLOW_LINKS) && ours(copy)) {
          Files.deleteIfExists(copy);
          LOG.log(System.Logger.Level.INFO, "deleted " + copy + ", a restore's RAM copy its start left behind");
        }
      }
    } catch (IOException | RuntimeException e) {
      LOG.log(System.Logger.Level.DEBUG, "cannot sweep RAM copies in " + copyDir + ": " + e);
    }
  }

  /** Whether {@code copy} is this user's, or one it gave a VM user (owned by a VM uid), never another user's. */
  private boolean ours(Path copy) throws IOException {
    int uid = (Integer) Files.getAttribute(copy, "unix:uid", java.nio.file.LinkOption.NOFOLLOW_LINKS);
    return Integer.valueOf(uid).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"))
        || users.map(u -> u.owns(uid)).orElse(false);
  }

  /**
   * QEMU has mapped {@code ram} (or failed to start): a per-VM copy is unlinked, its pages live
   * on while mapped, and a VM that dies leaves nothing behind.
   */
  void launched(GuestRam ram) throws IOException {
    if (!ram.privateMapping()) {
      Files.deleteIfExists(ram.file());
    }
  }

  /** Deletes shared RAM files whose template is gone, and orphaned copies; called after templates are deleted. */
  void sweep() {
    sweepCopies();
    if (Files.isDirectory(holderDir)) {
      try (Exclusive held = exclusive(holderDir)) {
        sweepHoldersLocked();
      } catch (IOException | RuntimeException e) {
        LOG.log(System.Logger.Level.WARNING, "cannot clean up " + holderDir + ": " + e);
      }
    }
    if (sharedUnavailable == null || sharedUnavailable.isPresent()) {
      return;
    }
    try (Exclusive held = exclusive(sharedDir)) {
      sweepLocked();
    } catch (IOException e) {
      LOG.log(System.Logger.Level.WARNING, "cannot clean up " + sharedDir + ": " + e);
    }
  }

  /** Whether {@link #holderDir} is (now) a directory of this user's that only it can enter. */
  private boolean holdersAvailable() {
    try {
      Files.createDirectories(holderDir.getParent());
      try {
        Files.createDirectory(holderDir, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
            java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
      } catch (java.nio.file.FileAlreadyExistsException e) {
        // made before
      }
      java.nio.file.attribute.PosixFileAttributes a = Files.readAttributes(holderDir,
          java.nio.file.attribute.PosixFileAttributes.class, java.nio.file.LinkOption.NOFOLLOW_LINKS);
      return a.isDirectory() && ownUid(holderDir)
          && a.permissions().equals(java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
    } catch (IOException | RuntimeException e) {
      LOG.log(System.Logger.Level.DEBUG, "no sealed template RAM: " + holderDir + ": " + e);
      return false;
    }
  }

  private synchronized boolean sharedAvailable() {
    if (sharedUnavailable == null) {
      sharedUnavailable = mountShared();
      sharedUnavailable.ifPresent(why -> LOG.log(System.Logger.Level.DEBUG,
          "restored VMs get a copy of the template RAM each: " + why));
    }
    return sharedUnavailable.isEmpty();
  }

  /**
   * Keeps {@code BASE.ram} and {@code BASE.origin} of templates that still exist, at most
   * {@link #KEEP} of them, the most recently used, and deletes everything else: RAM of deleted
   * or long unused templates, and what a restore killed half way left (under the lock no copy
   * is in progress).
   */
  private void sweepLocked() throws IOException {
    List<Path> kept = new ArrayList<>();
    Map<String, Boolean> current = new HashMap<>(); // by base: each template checked once
    try (DirectoryStream<Path> files = Files.newDirectoryStream(sharedDir)) {
      for (Path file : files) {
        String name = file.getFileName().toString();
        if (name.equals(LOCK)) {
          continue;
        }
        String base = name.contains(".") ? name.substring(0, name.indexOf('.')) : name;
        boolean ours = (name.equals(base + RAM) || name.equals(base + ORIGIN)) && !base.isEmpty();
        if (!ours || !current.computeIfAbsent(base, b -> stillCurrent(b, sharedDir.resolve(b + ORIGIN)))) {
          Files.deleteIfExists(file);
        } else if (name.endsWith(RAM)) {
          kept.add(file);
        }
      }
    }
    // Templates outlive their use (state directories of tests and benchmarks that were never
    // deleted): beyond the KEEP most recently used, a file goes; VMs mapping it keep its pages,
    // and the next restore of its template copies it again.
    kept.sort(Comparator.comparing(TemplateRam::lastUsed).reversed());
    for (Path old : kept.subList(Math.min(KEEP, kept.size()), kept.size())) {
      String base = old.getFileName().toString();
      base = base.substring(0, base.length() - RAM.length());
      Files.deleteIfExists(old);
      Files.deleteIfExists(sharedDir.resolve(base + ORIGIN));
    }
  }

  /**
   * Keeps the holders (and records) of templates that still exist, at most {@link #KEEP}, the most
   * recently used, and stops the rest; under {@link #exclusive} of {@link #holderDir}.
   */
  private void sweepHoldersLocked() throws IOException {
    List<Path> kept = new ArrayList<>();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(holderDir)) {
      for (Path file : files) {
        String name = file.getFileName().toString();
        if (name.equals(LOCK)) {
          continue;
        }
        Optional<Holder> holder = name.endsWith(HOLDER) ? Holder.read(file) : Optional.empty();
        String base = name.substring(0, Math.max(0, name.length() - HOLDER.length()));
        if (holder.isPresent() && stillCurrent(base, holder.get().origin())) {
          kept.add(file);
        } else {
          holder.ifPresent(Holder::stop);
          Files.deleteIfExists(file); // its template is gone, or a record half written
        }
      }
    }
    kept.sort(Comparator.comparing(TemplateRam::lastUsed).reversed());
    Instant recent = Instant.now().minus(HOLDER_IN_USE);
    for (Path old : kept.subList(Math.min(KEEP, kept.size()), kept.size())) {
      if (lastUsed(old).toInstant().isAfter(recent)) {
        continue; // a restore may be between prepare and the launch that opens its memfd (homes share holders)
      }
      Holder.read(old).ifPresent(Holder::stop);
      Files.deleteIfExists(old);
    }
  }

  private static FileTime lastUsed(Path file) {
    try {
      return Files.getLastModifiedTime(file);
    } catch (IOException e) {
      return FileTime.fromMillis(0);
    }
  }

  private static boolean stillCurrent(String base, Path origin) {
    try {
      return stillCurrent(base, Files.readString(origin, StandardCharsets.UTF_8).trim());
    } catch (IOException | RuntimeException e) {
      return false; // unreadable, or its template is gone: nothing can use it any more
    }
  }

  /** Whether the template in directory {@code origin} still has the name {@code base}. */
  private static boolean stillCurrent(String base, String origin) {
    try {
      Path templateDir = Path.of(origin);
      return base.equals(name(new Template(templateDir.getFileName().toString(), templateDir)));
    } catch (IOException | RuntimeException e) {
      return false; // unreadable, or its template is gone: nothing can use it any more
    }
  }

  /** The template's RAM on the ramfs, copied there by the first restore that needs it. */
  private Path sharedFile(Template template) throws IOException {
    String base = name(template);
    Path ram = sharedDir.resolve(base + RAM);
    if (Files.isRegularFile(ram)) {
      return ram;
    }
    Path partial = sharedDir.resolve(base + PARTIAL);
    Files.writeString(sharedDir.resolve(base + ORIGIN), template.dir().toAbsolutePath() + "\n");
    copySparse(template.ram(), partial);
    Files.move(partial, ram, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    return ram;
  }

  /**
   * The holder of {@code template}'s sealed memfd: the one its record names if that still runs, else a
   * new one. Under {@link #exclusive}: a holder found running with no record (its maker died between
   * the two) is stopped then, since nothing would ever free its memory.
   */
  private Holder sealedRam(Template template) throws IOException {
    String base = name(template);
    Path record = holderDir.resolve(base + HOLDER);
    Optional<Holder> running = Holder.read(record).filter(Holder::running);
    if (running.isPresent()) {
      Files.setLastModifiedTime(record, FileTime.from(Instant.now())); // most recently used
      return running.get();
    }
    stopUnrecordedHolders();
    // A holder that died (killed with the service's cgroup, OOM, by hand) while VMs still map its memfd: the new
    // holder takes that memfd again from one of them, rather than a second copy of the same pages for the VMs to come.
    Optional<Path> mapped = Holder.read(record).flatMap(dead -> openedMemfd(dead.identity()));
    Holder holder;
    try {
      holder = Holder.start(template.ram(), holderDir.resolve(base), template.dir().toAbsolutePath().toString(), mapped);
    } catch (IOException e) {
      if (mapped.isEmpty()) {
        throw e;
      }
      LOG.log(System.Logger.Level.WARNING, "template " + template.key() + ": the memfd " + mapped.get()
          + " is not taken again (" + e.getMessage() + "): a new one");
      mapped = Optional.empty();
      holder = Holder.start(template.ram(), holderDir.resolve(base), template.dir().toAbsolutePath().toString(), mapped);
    }
    mapped.ifPresent(fd -> LOG.log(System.Logger.Level.INFO, "template " + template.key() + ": its RAM holder had ended;"
        + " the new one holds the memfd running VMs map (" + fd + ") instead of a second copy"));
    Path partial = holderDir.resolve(base + HOLDER + PARTIAL);
    Files.writeString(partial, holder.line() + "\n");
    Files.move(partial, record, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    LOG.log(System.Logger.Level.DEBUG, "template " + template.key() + ": RAM sealed in a memfd held by " + holder.pid());
    return holder;
  }

  /**
   * A descriptor some process (a restored VM's QEMU, on fd 7) has of the memfd whose {@code DEV:INO} is {@code identity}:
   * one a holder made. The holder started on it checks its seals and that it holds the template's RAM, so a memfd of
   * another's that happened to get the same number (after the first was freed) is not taken.
   */
  static Optional<Path> openedMemfd(String identity) {
    try (DirectoryStream<Path> processes = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
      for (Path process : processes) {
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(process.resolve("fd"))) {
          for (Path fd : fds) {
            try {
              if (Files.readSymbolicLink(fd).toString().startsWith("/memfd:" + HOLDER_NAME)
                  && identity.equals(Files.getAttribute(fd, "unix:dev") + ":" + Files.getAttribute(fd, "unix:ino"))) {
                return Optional.of(fd);
              }
            } catch (IOException | RuntimeException e) {
              // closed meanwhile
            }
          }
        } catch (IOException | RuntimeException e) {
          // ended meanwhile, or not ours to read
        }
      }
    } catch (IOException e) {
      return Optional.empty();
    }
    return Optional.empty();
  }

  /** Stops holders (this user's, named {@link #HOLDER_NAME}) that no record of {@link #holderDir} names. */
  private void stopUnrecordedHolders() {
    java.util.Set<Long> recorded = new java.util.HashSet<>();
    try (DirectoryStream<Path> records = Files.newDirectoryStream(holderDir, "*" + HOLDER)) {
      for (Path record : records) {
        Holder.read(record).ifPresent(h -> recorded.add(h.pid()));
      }
    } catch (IOException e) {
      return; // cannot tell which are recorded: stop none
    }
    ProcessHandle.allProcesses().filter(p -> !recorded.contains(p.pid()))
        .filter(p -> dev.peapod.provider.qemu.runtime.HostProcess.commandLine(p.pid())
            .map(cmd -> cmd.startsWith(HOLDER_NAME + " " + holderDir + "/")).orElse(false)) // not other directories' (tests)
        .filter(p -> ownUid(p.pid()))
        .forEach(p -> {
          LOG.log(System.Logger.Level.INFO, "stopped template RAM holder " + p.pid() + ", which no record names");
          p.destroy();
        });
  }

  private static boolean ownUid(long pid) {
    return ownUid(Path.of("/proc", Long.toString(pid)));
  }

  /** Whether {@code file} (not followed if a link) is this process's user's. */
  private static boolean ownUid(Path file) {
    try {
      return Files.getAttribute(file, "unix:uid", java.nio.file.LinkOption.NOFOLLOW_LINKS)
          .equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  /**
   * The holder: copies the RAM file (argument 1) into a memfd, skipping holes and zero pages so the memfd
   * holds what the file holds, seals it, prints {@code PID FD DEV:INO} of a child that keeps it and exits;
   * the child, in a session of its own (a terminal's Ctrl-C or hang-up does not reach it), waits until it is
   * stopped. perl because it is essential in Debian (perl-base) and can make the memfd_create system call
   * (its number is argument 2). F_ADD_SEALS is 1033; seals 15 = SEAL|SHRINK|GROW|WRITE.
   *
   * <p>With argument 4 (a {@code /proc/PID/fd/N} of a memfd a holder that died made), it holds that memfd instead
   * of making one, once it found it sealed (F_GET_SEALS, 1034) and holding exactly the file's bytes.
   */
  static final String HOLDER_SCRIPT = String.join("\n",
      "use strict; use warnings; use POSIX ();",
      "my ($src, $nr, $name, $adopt) = @ARGV;",
      "open(my $in, '<', $src) or die \"open $src: $!\\n\";",
      "my $size = -s $in;",
      "my ($fd, $m);",
      "if (defined $adopt && $adopt ne '') {",
      // the descriptor is a VM user's QEMU's (fd 7), which its guest may have taken over: it may have put a FIFO
      // there meanwhile, whose blocking open would hang this and every restore waiting on the RAM lock; so the
      // open does not block, and anything but a regular file is refused before a byte is read
      "  sysopen($m, $adopt, POSIX::O_RDONLY() | POSIX::O_NONBLOCK() | POSIX::O_NOCTTY()) or die \"open $adopt: $!\\n\";",
      "  die \"$adopt is not a regular file\\n\" unless -f $m; $fd = fileno($m);",
      "  my $seals = fcntl($m, 1034, 0); die \"F_GET_SEALS: $!\\n\" unless defined $seals;",
      "  die \"$adopt is not sealed\\n\" unless (($seals + 0) & 15) == 15;",
      "  die \"$adopt is not the size of $src\\n\" unless -s $m == $size;",
      "  my $off = 0;",
      "  while ($off < $size) {",
      "    my ($a, $b); my $n = sysread($in, $a, 1 << 20); my $k = sysread($m, $b, 1 << 20);",
      "    die \"read: $!\\n\" unless defined $n && defined $k;",
      "    die \"$adopt does not hold $src\\n\" unless $n == $k && $n > 0 && $a eq $b;",
      "    $off += $n;",
      "  }",
      "} else {",
      // MFD_CLOEXEC | MFD_ALLOW_SEALING, with MFD_NOEXEC_SEAL (8, Linux 6.3) where the kernel knows it: a host with
      // vm.memfd_noexec=2 refuses a memfd without it; an older kernel refuses the flag (EINVAL), so then without.
      "my $label = 'peapod-template-ram'; $fd = syscall($nr, $label, 11);",
      "$fd = syscall($nr, $label, 3) if $fd < 0 && $!{EINVAL};",
      "die \"memfd_create: $!\\n\" if $fd < 0;",
      "open($m, '+<&=', $fd) or die \"fdopen: $!\\n\";",
      "truncate($m, $size) or die \"ftruncate: $!\\n\";",
      "my $zero = \"\\0\" x 4096; my $off = 0;",
      "while ($off < $size) {",
      "  my $data = sysseek($in, $off, 3); last unless defined $data; $data += 0;", // SEEK_DATA
      "  my $hole = sysseek($in, $data, 4); die \"SEEK_HOLE: $!\\n\" unless defined $hole; $hole += 0;",
      "  for (my $p = $data; $p < $hole; $p += 4096) {",
      "    sysseek($in, $p, 0); my $n = sysread($in, my $page, 4096); die \"read: $!\\n\" unless defined $n;",
      "    next if $page eq substr($zero, 0, $n);",
      "    sysseek($m, $p, 0); (syswrite($m, $page) // -1) == $n or die \"write: $!\\n\";",
      "  }",
      "  $off = $hole;",
      "}",
      "fcntl($m, 1033, 15) or die \"F_ADD_SEALS: $!\\n\";",
      "}",
      "my @st = stat($m);",
      "my $pid = fork(); die \"fork: $!\\n\" unless defined $pid;",
      // The parent reads the child's start time before it exits: until then the child's pid cannot be reused (a
      // child that died would stay the parent's zombie), so the record never names another process.
      "if ($pid) {",
      "  open(my $stat, '<', \"/proc/$pid/stat\") or die \"stat of $pid: $!\\n\"; my $line = <$stat>;",
      "  $line =~ s/.*\\) //s; my $started = (split(/ /, $line))[19];",
      "  print \"$pid $started $fd $st[0]:$st[1]\\n\"; exit 0;",
      "}",
      "POSIX::setsid(); $0 = \"" + HOLDER_NAME + " $name\"; close($in);",
      "open(STDIN, '<', '/dev/null'); open(STDOUT, '>', '/dev/null'); open(STDERR, '>', '/dev/null');",
      "$SIG{HUP} = 'IGNORE'; $SIG{INT} = 'IGNORE';",
      "POSIX::pause() while 1;");

  /**
   * A running holder of a template's sealed memfd, as its record names it.
   *
   * @param pid the holder's pid
   * @param startTime its start time (see HostProcess), so a reused pid is not taken for it
   * @param fdNumber the memfd's descriptor in the holder
   * @param identity the memfd's {@code DEV:INO}, which the launch checks on what it opens
   * @param origin the template's directory, whose RAM it holds
   */
  record Holder(long pid, long startTime, int fdNumber, String identity, String origin) {

    /** Where root's launch opens the memfd. */
    Path fd() {
      return Path.of("/proc", Long.toString(pid), "fd", Integer.toString(fdNumber));
    }

    /** The record: {@code PID STARTTIME FD DEV:INO}, then the template's directory on a line of its own. */
    String line() {
      return pid + " " + startTime + " " + fdNumber + " " + identity + "\n" + origin;
    }

    /** Whether the process the record names is still that holder (same start time, this user's, its name). */
    boolean running() {
      return dev.peapod.provider.qemu.runtime.HostProcess.startTime(pid).orElse(-1) == startTime && ownUid(pid)
          && dev.peapod.provider.qemu.runtime.HostProcess.commandLine(pid)
              .map(cmd -> cmd.startsWith(HOLDER_NAME + " ")).orElse(false);
    }

    void stop() {
      if (running()) {
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroy);
      }
    }

    static Optional<Holder> read(Path record) {
      try {
        String[] lines = Files.readString(record, StandardCharsets.UTF_8).split("\n", 3);
        String[] f = lines[0].split(" ");
        if (f.length != 4 || !f[3].matches("[0-9]+:[0-9]+") || lines.length < 2) {
          return Optional.empty(); // half written, or not a record of this Peapod's
        }
        return Optional.of(new Holder(Long.parseLong(f[0]), Long.parseLong(f[1]), Integer.parseInt(f[2]), f[3],
            lines[1]));
      } catch (IOException | RuntimeException e) {
        return Optional.empty();
      }
    }

    /**
     * Starts a holder of {@code ram}'s content and waits until its memfd is sealed; {@code adopt}: a memfd a holder
     * that died made, held again instead of a new one (if sealed and holding {@code ram}'s bytes, else it fails).
     */
    static Holder start(Path ram, Path name, String origin, Optional<Path> adopt) throws IOException {
      if (!Files.isRegularFile(ram, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
        throw new NoSuchFileException(ram.toString(), null, "the template's RAM file is missing");
      }
      int memfdCreate;
      try {
        memfdCreate = dev.peapod.provider.qemu.runtime.SystemCalls.number("memfd_create");
      } catch (UnsupportedOperationException e) {
        throw new IOException(e.getMessage(), e); // a copy of the RAM per VM instead
      }
      Process perl = new ProcessBuilder("perl", "-e", HOLDER_SCRIPT, "--", ram.toString(),
          Integer.toString(memfdCreate), name.toString(), adopt.map(Path::toString).orElse(""))
          .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
          .directory(new java.io.File("/")) // it outlives this process: it must keep no directory busy (a test's, a mount)
          .start();
      try {
        String out = new String(perl.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        String err = new String(perl.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (perl.waitFor() != 0 || !out.matches("[0-9]+ [0-9]+ [0-9]+ [0-9]+:[0-9]+")) {
          throw new IOException("the template RAM holder failed: " + (err.isEmpty() ? out : err));
        }
        String[] f = out.split(" ");
        Holder holder = new Holder(Long.parseLong(f[0]), Long.parseLong(f[1]), Integer.parseInt(f[2]), f[3], origin);
        if (!holder.running()) {
          throw new IOException("the template RAM holder " + holder.pid() + " ended at once");
        }
        return holder;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        perl.destroy();
        throw new IOException("interrupted while sealing " + ram + " in a memfd", e);
      }
    }
  }

  /** Held while {@code dir} (the ramfs or the holders' directory) changes: by this process's threads, then by processes. */
  private static Exclusive exclusive(Path dir) throws IOException {
    THREADS.lock();
    try {
      FileChannel channel = FileChannel.open(dir.resolve(LOCK), StandardOpenOption.CREATE,
          StandardOpenOption.WRITE);
      try {
        channel.lock();
      } catch (IOException | RuntimeException e) {
        channel.close();
        throw e;
      }
      return () -> {
        try {
          channel.close();
        } finally {
          THREADS.unlock();
        }
      };
    } catch (IOException | RuntimeException e) {
      THREADS.unlock();
      throw e;
    }
  }

  private interface Exclusive extends AutoCloseable {
    @Override
    void close() throws IOException;
  }

  /** A name that changes whenever the template's directory, its state or its RAM file does. */
  private static String name(Template template) throws IOException {
    String identity = template.dir().toAbsolutePath() + "\n" + identity(template.state()) + identity(template.ram());
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(identity.getBytes(StandardCharsets.UTF_8));
      return template.key() + "-" + HexFormat.of().formatHex(digest, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  private static String identity(Path file) throws IOException {
    BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
    return a.fileKey() + " " + a.lastModifiedTime().to(TimeUnit.NANOSECONDS) + " " + a.size() + "\n";
  }

  /** Empty when {@link #sharedDir} is (now) a ramfs we can write; else why not. */
  private Optional<String> mountShared() {
    try {
      if (isRamfs(sharedDir)) {
        return Files.isWritable(sharedDir) ? Optional.empty() : Optional.of(sharedDir + " is not writable");
      }
      Files.createDirectories(sharedDir);
      Process mount = new ProcessBuilder("mount", "-t", "ramfs", "-o", "mode=0700", "peapod-template-ram",
          sharedDir.toString()).redirectErrorStream(true).start();
      String out = new String(mount.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      if (mount.waitFor() != 0) {
        return Optional.of("cannot mount a ramfs on " + sharedDir + ": " + out);
      }
      return isRamfs(sharedDir) ? Optional.empty() : Optional.of(sharedDir + " is still not a ramfs after mount");
    } catch (IOException e) {
      return Optional.of("cannot mount a ramfs on " + sharedDir + ": " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.of("interrupted while mounting a ramfs on " + sharedDir);
    }
  }

  /** Whether {@code dir} is the mount point of a ramfs, from /proc/self/mountinfo. */
  static boolean isRamfs(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return false;
    }
    String mountPoint = dir.toRealPath().toString();
    for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"), StandardCharsets.UTF_8)) {
      // id parent major:minor root mount-point options [optional...] - fstype source super-options
      String[] fields = line.split(" ");
      int dash = List.of(fields).indexOf("-");
      if (fields.length > 4 && dash > 0 && dash + 1 < fields.length
          && unescape(fields[4]).equals(mountPoint) && fields[dash + 1].equals("ramfs")) {
        return true;
      }
    }
    return false;
  }

  /** mountinfo escapes space, tab, newline and backslash as octal. */
  private static String unescape(String field) {
    return field.replace("\\040", " ").replace("\\011", "\t").replace("\\012", "\n").replace("\\134", "\\");
  }

  /**
   * Copies only the parts of {@code from} that hold data: {@code cp --sparse=always}
   * finds them with SEEK_DATA, which Java has no call for. A plain copy would
   * allocate the whole guest RAM size.
   */
  /**
   * Creates {@code file} empty with mode 0600 whatever the umask (replacing what is there), for
   * QEMU or cp to fill: both keep the mode of a file that exists.
   */
  static void createPrivateFile(Path file) throws IOException {
    Files.deleteIfExists(file);
    Files.createFile(file, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
        java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
    Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
  }

  static void copySparse(Path from, Path to) throws IOException {
    if (!Files.isRegularFile(from)) {
      throw new NoSuchFileException(from.toString(), null, "the template's RAM file is missing");
    }
    // Guest RAM is the guest's secrets: the copy is made 0600 first, since cp would give a new file
    // the template's mode less the umask, and /dev/shm is open to every user.
    createPrivateFile(to);
    Process cp = new ProcessBuilder("cp", "--sparse=always", from.toString(), to.toString())
        .redirectErrorStream(true).start();
    try {
      String out = new String(cp.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      if (cp.waitFor() != 0) {
        Files.deleteIfExists(to);
        throw new IOException("cp " + from + " " + to + " failed: " + out);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      Files.deleteIfExists(to);
      throw new IOException("interrupted while copying " + from, e);
    }
  }
}
