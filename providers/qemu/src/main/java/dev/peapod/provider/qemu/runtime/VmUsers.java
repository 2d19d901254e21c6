package dev.peapod.provider.qemu.runtime;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The host users QEMU runs as: one uid per VM, so that a QEMU a guest took over is an unprivileged
 * process that cannot reach another VM's sockets, RAM or files, nor the host's.
 *
 * <p>A range of ids ({@code PEAPOD_VM_UIDS}, default {@value #DEFAULT_RANGE}) that no real user or
 * subordinate id range ({@code /etc/subuid}) may overlap: its first id is the group every VM user
 * has as a supplementary group (what images are made readable to), the others are VM uids and
 * each VM uid is also its own primary gid. None needs an entry in {@code /etc/passwd}.
 *
 * <p>A VM's uid is claimed by creating its run directory {@code /run/peapod/vm/UID} (mkdir is
 * atomic; a lock serialises the sweep of stale claims): {@code root:UID 0750}, holding {@code q/}
 * ({@code UID 0700}: the sockets and pid file QEMU creates), {@code launched-in} (the
 * directory QEMU was launched for,
 * root's, for {@code StrayVms} and orphans, since QEMU's command line then names the run directory
 * instead) and {@code claim} (root's: see {@link #CLAIM_FILE}). The VM's image share stays in the pod directory, {@code root:UID 0750}, which a root
 * shell opens for QEMU (see QemuCommandLine): on the image store's filesystem, so its links are
 * hard links, never copies. Claims are host-wide, whatever the state directory, because uids are. A uid is freed
 * when its VM is stopped or removed, by the holder of its claim's token only (vm.json and pool.json
 * keep it): nothing QEMU writes (its pid file, which it removes when it exits) decides whose a uid
 * is. A claim whose uid runs no process and which is older than {@link #CLAIM_GRACE} (a VM killed
 * without Peapod, a start that crashed) is swept by the next allocation, unless its start is still
 * under way: the process that claimed it lives and has not launched QEMU yet ({@link #launched}),
 * however long it takes to copy an image or a template's RAM. Under {@code /run}, a tmpfs: a host
 * reboot ends every VM and every claim.
 */
public final class VmUsers {

  public static final String DEFAULT_RANGE = "2000000000-2000065535";
  /** Where run directories live. */
  public static final Path RUN_ROOT = Path.of("/run/peapod/vm");
  /** How long a claim may exist without a process of its uid: from the claim to QEMU's exec. */
  static final Duration CLAIM_GRACE = Duration.ofMinutes(2);
  /**
   * The claim's file in the run directory, root's 0600: {@code TOKEN PID STARTTIME} of the process
   * that claimed it while its start is under way, {@code TOKEN launched} once QEMU runs. The token is
   * random, and is the claim's identity for {@link #free}; the process tells the sweep a slow start
   * from a dead one.
   */
  static final String CLAIM_FILE = "claim";
  private static final String LAUNCHED = "launched";
  private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();
  private static final ReentrantLock THREADS = new ReentrantLock();
  private static final System.Logger LOG = System.getLogger(VmUsers.class.getName());

  /**
   * A VM's host user.
   *
   * @param uid its uid and primary gid
   * @param group the supplementary group of every VM user
   * @param runDir its run directory (see the class comment)
   * @param claimedFor the pod directory this claim was made for, or null for a user known from a record
   * @param claim the claim's token (see {@link #CLAIM_FILE}), or null for a user of a record of an older
   *     Peapod, which kept none: {@link #free} frees only the claim with this token
   */
  public record VmUser(int uid, int group, Path runDir, Path claimedFor, String claim) {

    /** A user whose claim is not known by a token. */
    public VmUser(int uid, int group, Path runDir, Path claimedFor) {
      this(uid, group, runDir, claimedFor, null);
    }

    /** Where QEMU creates its sockets and pid file ({@code UID 0700}). */
    public Path qemuDir() {
      return runDir.resolve("q");
    }

    /**
     * The empty directory, root's, that the VM's {@code n}th hostPath tree is mounted on in its
     * QEMU's mount namespace (see {@code peapod-vm-mounts}); on the host it stays empty.
     */
    public Path shareMountPoint(int n) {
      return runDir.resolve("h").resolve(Integer.toString(n));
    }

    /** The pod directory QEMU was launched for. */
    public Path launchedInFile() {
      return runDir.resolve("launched-in");
    }

    /**
     * What runs QEMU as this user: {@code setpriv} with no capabilities (inheritable, bounding
     * or ambient), no_new_privs, the user's gid and the VM group only. Not QEMU's {@code -runas}:
     * QEMU 7.2 drops privileges after installing its seccomp filter, whose
     * {@code elevateprivileges=deny} then kills it at {@code setuid}.
     */
    public List<String> setpriv() {
      return List.of("setpriv", "--reuid=" + Integer.toUnsignedString(uid), "--regid=" + Integer.toUnsignedString(uid),
          "--groups=" + Integer.toUnsignedString(group), "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs",
          "--");
    }
  }

  private final int first;
  private final int last;
  private final Path runRoot;

  /** Ids {@code first} (the VM group) to {@code last}, run directories under {@code runRoot}. */
  public VmUsers(int first, int last, Path runRoot) {
    if (Integer.compareUnsigned(first, 1000) < 0 || Integer.compareUnsigned(last, first) <= 0 || last == -1) {
      throw new IllegalArgumentException("VM uid range " + Integer.toUnsignedString(first) + "-"
          + Integer.toUnsignedString(last) + " must be above 1000 and hold at least two ids");
    }
    this.first = first;
    this.last = last;
    this.runRoot = runRoot;
  }

  /**
   * The VM users of this host, or empty when QEMU runs as the user running Peapod: {@code
   * PEAPOD_VM_USERS=off}, or Peapod not root (an unprivileged user cannot run processes as others).
   */
  public static Optional<VmUsers> fromEnvironment() {
    String mode = System.getenv().getOrDefault("PEAPOD_VM_USERS", System.getProperty("peapod.vm-users", "on"));
    if (mode.equals("off") || !isRoot()) {
      return Optional.empty();
    }
    if (!mode.equals("on")) {
      throw new IllegalArgumentException("PEAPOD_VM_USERS must be on or off, not " + mode);
    }
    String range = System.getenv().getOrDefault("PEAPOD_VM_UIDS", System.getProperty("peapod.vm-uids", DEFAULT_RANGE));
    return Optional.of(parse(range, RUN_ROOT));
  }

  /** {@code FIRST-LAST}, as {@code PEAPOD_VM_UIDS} gives it. */
  public static VmUsers parse(String range, Path runRoot) {
    String[] parts = range.trim().split("-");
    if (parts.length != 2) {
      throw new IllegalArgumentException("PEAPOD_VM_UIDS must be FIRST-LAST, not " + range);
    }
    return new VmUsers(Integer.parseUnsignedInt(parts[0].trim()), Integer.parseUnsignedInt(parts[1].trim()), runRoot);
  }

  public int group() {
    return first;
  }

  public Path runRoot() {
    return runRoot;
  }

  /** The range as {@code PEAPOD_VM_UIDS} gives it: {@code FIRST-LAST}. */
  public String range() {
    return Integer.toUnsignedString(first) + "-" + Integer.toUnsignedString(last);
  }

  /** Whether {@code uid} is one of this range's VM uids. */
  public boolean owns(int uid) {
    return Integer.compareUnsigned(uid, first) > 0 && Integer.compareUnsigned(uid, last) <= 0;
  }

  /** The user of a VM that recorded {@code uid} and no claim token (an older Peapod's record). */
  public VmUser user(int uid) {
    return user(uid, null);
  }

  /** The user of a VM that recorded {@code uid} and the claim token {@code claim}. */
  public VmUser user(int uid, String claim) {
    return new VmUser(uid, first, runRoot.resolve(Integer.toUnsignedString(uid)), null, claim);
  }

  /**
   * Whether {@code user}'s claim is still the one it was given: a failed restore's kill frees the uid,
   * which another start may have claimed since.
   */
  public boolean stillClaimed(VmUser user) {
    return user.claim() != null && claimToken(user).equals(Optional.of(user.claim()));
  }

  /**
   * Records that {@code user}'s QEMU was launched: from now on its claim is swept like any other once
   * no process of its uid runs (its VM killed without Peapod), whether or not the process that
   * claimed it still lives (a controller lives on).
   */
  public void launched(VmUser user) {
    if (user == null || user.claim() == null) {
      return;
    }
    THREADS.lock();
    try (FileChannel lockFile = FileChannel.open(runRoot.resolve(".lock"), StandardOpenOption.CREATE,
        StandardOpenOption.WRITE);
        FileLock held = lockFile.lock()) {
      if (stillClaimed(user)) {
        writeClaim(user.runDir(), user.claim() + " " + LAUNCHED);
      }
    } catch (IOException e) {
      // the claim stays a start's while this process lives, and is swept after it
    } finally {
      THREADS.unlock();
    }
  }

  /**
   * Claims a free uid and makes its run directory, which names {@code launchedIn}. Stale claims
   * are swept on the way (see the class comment).
   */
  public VmUser allocate(Path launchedIn) throws IOException {
    if (!Files.isDirectory(runRoot)) {
      Files.createDirectories(runRoot);
    }
    // Others may look up names in it (each VM user its own directory), never list it.
    Files.setPosixFilePermissions(runRoot, PosixFilePermissions.fromString("rwx--x--x"));
    // their uids are free again; takes the lock only for a VM it stops
    stopAbandonedPoolVms().forEach(what -> LOG.log(System.Logger.Level.WARNING, "stopped " + what));
    THREADS.lock();
    try (FileChannel lockFile = FileChannel.open(runRoot.resolve(".lock"), StandardOpenOption.CREATE,
        StandardOpenOption.WRITE);
        FileLock held = lockFile.lock()) {
      Set<Integer> running = null;
      for (long id = Integer.toUnsignedLong(first) + 1; id <= Integer.toUnsignedLong(last); id++) {
        int uid = (int) id;
        Path dir = runRoot.resolve(Integer.toUnsignedString(uid));
        if (Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
          if (running == null) {
            running = runningUids();
          }
          if (running.contains(uid) || !olderThan(dir, CLAIM_GRACE) || startUnderWay(dir)) {
            continue;
          }
          PrivateFiles.deleteTree(dir); // stale: its VM is gone
        }
        try {
          Files.createDirectory(dir);
        } catch (FileAlreadyExistsException e) {
          continue;
        }
        byte[] token = new byte[16];
        RANDOM.nextBytes(token);
        VmUser user = new VmUser(uid, first, dir, launchedIn.toAbsolutePath().normalize(),
            java.util.HexFormat.of().formatHex(token));
        setUp(user, launchedIn);
        return user;
      }
      throw new IOException("every VM uid of " + Integer.toUnsignedString(first + 1) + "-"
          + Integer.toUnsignedString(last) + " is in use (PEAPOD_VM_UIDS)");
    } finally {
      THREADS.unlock();
    }
  }

  private static void setUp(VmUser user, Path launchedIn) throws IOException {
    Path dir = user.runDir();
    Files.createDirectory(user.qemuDir());
    Files.writeString(user.launchedInFile(), launchedIn.toAbsolutePath().normalize() + "\n", StandardCharsets.UTF_8);
    Files.setPosixFilePermissions(user.launchedInFile(), PosixFilePermissions.fromString("rw-r-----"));
    Optional<Path> home = poolHome(launchedIn.toAbsolutePath().normalize());
    if (home.isPresent()) {
      // Its real path, as this process (and so its QEMU) sees it: what stopAbandonedPoolVms looks for
      Path real;
      try {
        real = home.get().toRealPath();
      } catch (IOException e) {
        real = null; // not there to restore into: the restore fails, and the VM is never swept
      }
      if (real != null) {
        Files.writeString(dir.resolve(HOME_FILE), real + "\n", StandardCharsets.UTF_8);
      }
    }
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-x---"));
    Files.setPosixFilePermissions(user.qemuDir(), PosixFilePermissions.fromString("rwx------"));
    Files.setAttribute(dir, "unix:gid", user.uid(), LinkOption.NOFOLLOW_LINKS);
    Files.setAttribute(user.launchedInFile(), "unix:gid", user.uid(), LinkOption.NOFOLLOW_LINKS);
    Files.setAttribute(user.qemuDir(), "unix:uid", user.uid(), LinkOption.NOFOLLOW_LINKS);
    Files.setAttribute(user.qemuDir(), "unix:gid", user.uid(), LinkOption.NOFOLLOW_LINKS);
    ProcessHandle self = ProcessHandle.current();
    writeClaim(dir, user.claim() + " " + self.pid() + " " + HostProcess.startTime(self.pid()).orElse(-1));
  }

  private static void writeClaim(Path runDir, String content) throws IOException {
    Path temp = runDir.resolve("." + CLAIM_FILE);
    PrivateFiles.privateFile(temp);
    Files.writeString(temp, content + "\n", StandardCharsets.UTF_8);
    Files.move(temp, runDir.resolve(CLAIM_FILE), java.nio.file.StandardCopyOption.ATOMIC_MOVE,
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
  }

  /** The claim file's fields, empty if it has none (a claim of an older Peapod). Root's file, in root's directory. */
  private static Optional<String[]> claimFields(Path runDir) {
    try {
      String[] fields = Files.readString(runDir.resolve(CLAIM_FILE), StandardCharsets.UTF_8).trim().split(" ");
      return fields.length >= 2 ? Optional.of(fields) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  private static Optional<String> claimToken(VmUser user) {
    return claimFields(user.runDir()).map(f -> f[0]);
  }

  /** Whether the claim of {@code runDir} is a start whose process lives and has not launched QEMU yet. */
  private static boolean startUnderWay(Path runDir) {
    return claimFields(runDir).filter(f -> f.length == 3 && !f[1].equals(LAUNCHED)).map(f -> {
      try {
        long pid = Long.parseLong(f[1]);
        return HostProcess.isAlive(pid) && HostProcess.startTime(pid).orElse(-2) == Long.parseLong(f[2]);
      } catch (NumberFormatException e) {
        return false;
      }
    }).orElse(false);
  }

  /**
   * Frees {@code user}'s uid once no process of it runs (its QEMU gone), if its claim is still the one
   * {@code user} holds (its token): once freed (a failed restore, the sweep of a VM killed without
   * Peapod) the uid may be another start's, whose QEMU may not even be launched yet. Its run
   * directory goes. A uid still running something is left for the sweep.
   */
  public void free(VmUser user) {
    freeIf(user, () -> stillClaimed(user));
  }

  /**
   * Frees the uid of a recorded VM whose QEMU was {@code pid}: by its claim's token (see {@link
   * #free(VmUser)}) when the record kept one. A record of an older Peapod kept none; its claim is
   * taken as its own unless the run directory's pid file names another QEMU (the best it knew; no pid
   * file counts as its own, since QEMU removes it when it exits).
   */
  public void free(VmUser user, long pid) {
    if (user.claim() != null) {
      free(user);
      return;
    }
    freeIf(user, () -> {
      if (claimFields(user.runDir()).isPresent()) {
        return false; // claimed since by a Peapod that keeps tokens
      }
      try {
        Path pidFile = user.qemuDir().resolve("qemu.pid");
        if (!Files.readAttributes(pidFile, java.nio.file.attribute.BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
            .isRegularFile()) {
          return false; // QEMU's to make: a FIFO would hang the read
        }
        return Files.readString(pidFile, StandardCharsets.UTF_8).trim().equals(Long.toString(pid));
      } catch (java.nio.file.NoSuchFileException e) {
        return true;
      } catch (IOException e) {
        return false;
      }
    });
  }

  /** Deletes the user's run directory under the allocation's lock, if {@code ours} and no process of it runs. */
  private void freeIf(VmUser user, java.util.function.BooleanSupplier ours) {
    THREADS.lock();
    try (FileChannel lockFile = FileChannel.open(runRoot.resolve(".lock"), StandardOpenOption.CREATE,
        StandardOpenOption.WRITE);
        FileLock held = lockFile.lock()) {
      if (ours.getAsBoolean() && !runningUids().contains(user.uid())) {
        PrivateFiles.deleteTree(user.runDir());
      }
    } catch (IOException e) {
      // the next allocation sweeps it
    } finally {
      THREADS.unlock();
    }
  }

  /**
   * Stops the pool VMs whose state directory is certainly gone, and frees their uids: a pool VM's {@code launched-in}
   * names {@code HOME/pool/KEY/.ID.new}, where its keeper restored it, and keeps naming it once the VM waits or was
   * taken; {@code home} names {@code HOME}'s real path as its launcher saw it (a {@code current -> releases/N} link
   * repointed since does not move it). With {@code HOME} deleted (a test's, or {@code rm -rf} of a PEAPOD_HOME while
   * its pool waited with no keeper) nothing would ever find them again: every command starts from a state directory.
   *
   * <p>Gone means: no such file, looked up through the VM's own processes ({@code /proc/PID/root}), never through
   * this process's view: a home in a private mount namespace (systemd's PrivateTmp= or ProtectHome=, {@code unshare
   * -m}) or under a mount hiding it here is not gone, and any error but ENOENT (EACCES, EIO, ESTALE) leaves the VM
   * alone. Only {@code HOME} itself counts (a pod that took such a VM is gone with it); a missing {@code pool/} alone
   * is the keeper's to see.
   *
   * <p>Cheap when there is nothing: one directory listing, a small file per VM and one lookup per home, without the
   * allocation's lock; /proc is read only when a home looks gone here. The lock is taken only to re-check a VM and
   * signal it, and to free its uid; the wait for its end is outside it and short (a VM stuck in the kernel is left
   * for a later look). Returns what was stopped, to say.
   */
  public List<String> stopAbandonedPoolVms() {
    List<String> stopped = new java.util.ArrayList<>();
    java.util.Map<Integer, String[]> candidates = new java.util.TreeMap<>(); // uid -> launched-in, home
    java.util.Map<String, Boolean> missingHere = new java.util.HashMap<>();
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(runRoot)) {
      for (Path dir : dirs) {
        String name = dir.getFileName().toString();
        if (name.isEmpty() || !name.chars().allMatch(Character::isDigit) || name.length() > 10
            || Long.parseLong(name) > 0xffffffffL || !owns((int) Long.parseLong(name))) {
          continue;
        }
        Optional<String[]> where = poolVmHome(dir);
        if (where.isPresent() && missingHere.computeIfAbsent(where.get()[1], h -> noSuchFile(Path.of(h)))) {
          candidates.put((int) Long.parseLong(name), where.get());
        }
      }
    } catch (IOException | RuntimeException e) {
      return stopped; // no run directories (no VM users' VM ever ran), or unreadable: the next look tries again
    }
    if (candidates.isEmpty()) {
      return stopped;
    }
    java.util.Map<Integer, List<ProcessHandle>> processes = processesOf(candidates.keySet());
    java.util.Map<String, Boolean> missingThere = new java.util.HashMap<>(); // mount namespace + home -> gone
    for (java.util.Map.Entry<Integer, String[]> c : candidates.entrySet()) {
      int uid = c.getKey();
      List<ProcessHandle> its = processes.getOrDefault(uid, List.of());
      // No process: nothing to stop; the allocation's sweep of stale claims frees the uid.
      if (its.isEmpty() || !its.stream().allMatch(p -> goneInItsView(p, c.getValue()[1], missingThere))) {
        continue;
      }
      Path dir = runRoot.resolve(Integer.toUnsignedString(uid));
      boolean signalled = underLock(() -> {
        if (!java.util.Arrays.equals(poolVmHome(dir).orElse(null), c.getValue())) {
          return false; // freed and claimed again since the scan
        }
        its.stream().filter(p -> uidOf(p.pid()) == uid).forEach(ProcessHandle::destroyForcibly);
        return true;
      });
      if (!signalled) {
        continue;
      }
      long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
      for (ProcessHandle p : its) {
        try {
          p.onExit().get(Math.max(1, deadline - System.nanoTime()), java.util.concurrent.TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
          // left for a later look, which frees the uid
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return stopped;
        }
      }
      if (its.stream().noneMatch(ProcessHandle::isAlive)
          && processesOf(java.util.Set.of(uid)).getOrDefault(uid, List.of()).isEmpty()) {
        underLock(() -> {
          if (java.util.Arrays.equals(poolVmHome(dir).orElse(null), c.getValue())) {
            PrivateFiles.deleteTree(dir);
          }
          return true;
        });
      }
      stopped.add("the pool VM launched in " + c.getValue()[0] + " (uid " + Integer.toUnsignedString(uid)
          + ", QEMU " + its.get(0).pid() + "), whose state directory is gone");
    }
    return stopped;
  }

  private interface Locked {
    boolean run() throws IOException;
  }

  /** Runs {@code what} under the allocation's lock; false if it could not be taken or {@code what} failed. */
  private boolean underLock(Locked what) {
    THREADS.lock();
    try (FileChannel lockFile = FileChannel.open(runRoot.resolve(".lock"), StandardOpenOption.CREATE,
        StandardOpenOption.WRITE);
        FileLock held = lockFile.lock()) {
      return what.run();
    } catch (IOException e) {
      return false;
    } finally {
      THREADS.unlock();
    }
  }

  /**
   * A pool VM's {@code launched-in} and the home to look for: the real path its launcher recorded ({@code home}).
   */
  private static Optional<String[]> poolVmHome(Path runDir) {
    try {
      String launchedIn = Files.readString(runDir.resolve("launched-in"), StandardCharsets.UTF_8).trim();
      Optional<Path> home = poolHome(Path.of(launchedIn));
      if (home.isEmpty()) {
        return Optional.empty();
      }
      // A run directory of a Peapod before the home was recorded is left alone: a link in its path may have been
      // repointed, or resolve otherwise from another root.
      String real = Files.readString(runDir.resolve(HOME_FILE), StandardCharsets.UTF_8).trim();
      return Path.of(real).isAbsolute() ? Optional.of(new String[] {launchedIn, real}) : Optional.empty();
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /** {@code HOME} of a pool VM's {@code HOME/pool/KEY/.ID.new}; empty for anything else (a pod directory). */
  static Optional<Path> poolHome(Path launchedIn) {
    Path shape = launchedIn.getParent();
    Path pool = shape == null ? null : shape.getParent();
    Path home = pool == null ? null : pool.getParent();
    String name = launchedIn.getFileName() == null ? "" : launchedIn.getFileName().toString();
    return home != null && launchedIn.isAbsolute() && name.startsWith(".") && name.endsWith(".new")
        && pool.getFileName().toString().equals("pool") ? Optional.of(home) : Optional.empty();
  }

  /** Whether {@code path} certainly does not exist: ENOENT. Any other error (EACCES, EIO, ESTALE) is not an answer. */
  static boolean noSuchFile(Path path) {
    try {
      Files.readAttributes(path, java.nio.file.attribute.BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      return false;
    } catch (java.nio.file.NoSuchFileException e) {
      return true;
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  /**
   * Whether {@code home} does not exist as process {@code p} sees it: from its root, in its mount namespace. Only
   * while {@code p} lives: a lookup under the {@code /proc} entry of a process that ended finds nothing either.
   */
  private static boolean goneInItsView(ProcessHandle p, String home, java.util.Map<String, Boolean> seen) {
    Path proc = Path.of("/proc", Long.toString(p.pid()));
    try {
      String ns = Files.readSymbolicLink(proc.resolve("ns").resolve("mnt")).toString();
      Path root = proc.resolve("root");
      boolean gone = Files.isDirectory(root) && seen.computeIfAbsent(ns + " " + home,
          k -> noSuchFile(root.resolve(home.substring(1))));
      return gone && p.isAlive();
    } catch (IOException | RuntimeException e) {
      return false; // ended, or not ours to read: not an answer
    }
  }

  /** Where {@link #allocate} records the real path of a pool VM's home (see {@link #stopAbandonedPoolVms}). */
  static final String HOME_FILE = "home";

  /** The real uid of {@code pid}, or -1 once it ended. */
  private static int uidOf(long pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"), StandardCharsets.UTF_8)) {
        if (line.startsWith("Uid:")) {
          return Integer.parseUnsignedInt(line.substring(4).trim().split("\\s+")[0]);
        }
      }
    } catch (IOException | RuntimeException gone) {
      // ended meanwhile
    }
    return -1;
  }

  /** The live processes whose real uid is one of {@code uids}, by uid (zombies left out: they hold nothing). */
  private static java.util.Map<Integer, List<ProcessHandle>> processesOf(Set<Integer> uids) {
    java.util.Map<Integer, List<ProcessHandle>> found = new java.util.HashMap<>();
    ProcessHandle.allProcesses().forEach(p -> {
      try {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(p.pid()), "status"),
            StandardCharsets.UTF_8)) {
          if (line.startsWith("State:") && line.contains("Z")) {
            return;
          }
          if (line.startsWith("Uid:")) {
            int uid = Integer.parseUnsignedInt(line.substring(4).trim().split("\\s+")[0]);
            if (uids.contains(uid)) {
              found.computeIfAbsent(uid, u -> new java.util.ArrayList<>()).add(p);
            }
            return;
          }
        }
      } catch (IOException | RuntimeException gone) {
        // ended meanwhile
      }
    });
    return found;
  }

  /** The pod directory the QEMU whose pid file is {@code pidFile} was launched for, if it is a VM user's. */
  public static Optional<Path> launchedIn(Path pidFile) {
    Path q = pidFile.getParent();
    if (q == null || !q.getFileName().toString().equals("q") || q.getParent() == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(Path.of(Files.readString(q.getParent().resolve("launched-in"), StandardCharsets.UTF_8).trim()));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /** The uids (real, effective, saved, fs) of every live process on the host. */
  static Set<Integer> runningUids() throws IOException {
    Set<Integer> uids = new HashSet<>();
    try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"))) {
      for (Path p : procs) {
        if (!p.getFileName().toString().chars().allMatch(Character::isDigit)) {
          continue;
        }
        try {
          for (String line : Files.readAllLines(p.resolve("status"), StandardCharsets.UTF_8)) {
            if (line.startsWith("State:") && line.contains("Z")) {
              break; // a zombie (QEMU not yet reaped by the JVM that started it) holds nothing
            }
            if (line.startsWith("Uid:")) {
              for (String field : line.substring(4).trim().split("\\s+")) {
                uids.add(Integer.parseUnsignedInt(field));
              }
              break;
            }
          }
        } catch (IOException | RuntimeException gone) {
          // ended meanwhile
        }
      }
    }
    return uids;
  }

  private static boolean olderThan(Path dir, Duration age) {
    try {
      FileTime modified = Files.getLastModifiedTime(dir, LinkOption.NOFOLLOW_LINKS);
      return modified.toInstant().isBefore(Instant.now().minus(age));
    } catch (IOException e) {
      return true;
    }
  }

  private static boolean isRoot() {
    try {
      return Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
    } catch (IOException | UnsupportedOperationException e) {
      return false;
    }
  }
}
