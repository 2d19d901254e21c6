package dev.peapod.provider.qemu;

import dev.peapod.provider.PortForward;
import dev.peapod.provider.qemu.runtime.HostProcess;
import dev.peapod.provider.qemu.runtime.PrivateFiles;
import dev.peapod.provider.qemu.runtime.SamePageMerging;
import dev.peapod.provider.qemu.runtime.VmFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * A VM's network: passt, user-mode networking in a process of its own, connected to QEMU's
 * {@code -netdev stream} server socket. The guest keeps QEMU user networking's addresses
 * (10.0.2.15/24 via 10.0.2.2, DNS 10.0.2.3), so guest-init is unchanged.
 *
 * <p>Why passt and not QEMU's built-in slirp: slirp maps 10.0.2.2 to the host's 127.0.0.1, so any
 * container reached every service listening on the host's loopback (other pods' forwarded ports,
 * the controller's API), and slirp has no option to stop that: {@code restrict=on} cuts all
 * outbound traffic too. passt with {@code --no-map-gw} maps nothing to the host's loopback;
 * traffic to 10.0.2.2 goes out as to any other address, DNS to 10.0.2.3 goes to the host's first
 * nameserver ({@code --dns-forward}), and everything else leaves through ordinary host sockets.
 * What a guest can still reach is what the host can reach on non-loopback addresses, including
 * the host's own (a service bound to 0.0.0.0 is reachable, one bound to 127.0.0.1 is not).
 * passt also confines itself (it drops to nobody when started as root, and sandboxes itself with
 * namespaces and seccomp).
 *
 * <p>Host port forwards are passt's {@code -t}/{@code -u} options, fixed when it starts. A replace
 * that changes them starts a new passt: the old one is stopped, QEMU's stream server accepts the
 * new one (QEMU 7.2 listens again when its client goes), and if the new one cannot bind a port the
 * old forwards are started again and the error names the port. Connections open through passt
 * (forwarded ones and the guest's own outbound ones) are lost on such a change; slirp kept them,
 * but only slirp's QMP {@code hostfwd_add} could change forwards in place.
 *
 * <p>passt takes an already connected socket ({@code --fd}); the JVM cannot hand a socket to a child
 * process, so a launcher connects to QEMU's socket, checks that QEMU listens there, and execs passt
 * in its own process, the socket as its stdin ({@link PeerCheckedConnect}). In the foreground ({@code -f}) passt ends when QEMU closes the socket,
 * so a VM that is killed or stops takes its passt (and its host ports) with it. {@code setsid}
 * puts it in a session of its own, so a Ctrl-C of the command that started the pod does not reach it.
 *
 * <p>A passt that ends while its QEMU runs (killed by hand or by the OOM killer) leaves the guest
 * without a network and its host ports unforwarded, and QEMU does not notice. Whoever reads the
 * pod's status next ({@code peapod ps}/{@code inspect}, the controller's periodic drift check)
 * starts a new one ({@link #repair}); QEMU's stream server accepts it as it accepts the new passt
 * of a port change. Starting, stopping and repairing are serialised per VM by a file lock, so a
 * repair never races a port change into two passts.
 */
final class PasstNetwork {

  private static final System.Logger LOG = System.getLogger(PasstNetwork.class.getName());
  static final String GUEST_ADDRESS = "10.0.2.15";
  static final String GATEWAY = "10.0.2.2";
  static final String DNS = "10.0.2.3";
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(10);
  /** The longest pause between two looks at a starting passt (the first ones are shorter, see {@link #sleep}). */
  private static final long MAX_POLL_MILLIS = 5;
  /** How long passt's launcher waits for a running guest's answer before it runs passt anyway. */
  private static final Duration GUEST_FRAME_WAIT = Duration.ofSeconds(1);

  /** passt's process could not be started or did not bind its forwards; the message says why. */
  static final class NetworkException extends RuntimeException {
    NetworkException(String message) {
      super(message);
    }
  }

  /** The file whose lock serialises starting, stopping and repairing one VM's passt. */
  static final String LOCK_FILE = "passt.lock";
  private static final java.util.concurrent.ConcurrentMap<Path, Object> LOCAL_LOCKS =
      new java.util.concurrent.ConcurrentHashMap<>();

  private final String passt;
  private final SamePageMerging merging;
  private final String perl;

  /** @param passt the passt binary, a path or a name looked up in PATH; merged as PEAPOD_KSM says */
  PasstNetwork(String passt) {
    this(passt, SamePageMerging.fromEnvironment(), "perl");
  }

  /** @param merging whether passt runs marked for same-page merging (its zero-filled buffers) */
  PasstNetwork(String passt, SamePageMerging merging) {
    this(passt, merging, "perl");
  }

  /**
   * @param perl what runs the launcher's script: perl, or (tests) a wrapper that makes the launcher's
   *     connection to QEMU late, as on a busy host
   */
  PasstNetwork(String passt, SamePageMerging merging, String perl) {
    this.passt = passt;
    this.merging = merging;
    this.perl = perl;
  }

  /** QEMU's side: a stream server on {@link VmFiles#netSocket()}. */
  static String netdev(String id, String socketOptionValue) {
    return "stream,id=" + id + ",server=on,addr.type=unix,addr.path=" + socketOptionValue;
  }

  /**
   * The launch that connects to QEMU's socket (relative to the pod directory), checks that {@code peerUid} (the
   * VM's QEMU) listens there, and runs passt on it (see {@link PeerCheckedConnect}); its output goes to {@code
   * log}. With {@code guestRuns} the launcher first has the guest send a frame, so that passt knows the guest's
   * MAC address before the first forwarded connection (see {@link PeerCheckedConnect.Launch#wakingGuest}). Only
   * for a guest that runs: one still booting would not answer.
   */
  PeerCheckedConnect.Launch launch(List<PortForward> ports, int peerUid, boolean guestRuns, Path log) {
    List<String> passtArgv = new ArrayList<>(List.of(passt, "-f", "-q", "--fd", "0", "-4",
        "-a", GUEST_ADDRESS, "-n", "24", "-g", GATEWAY, "--no-map-gw", "--dns-forward", DNS,
        "--no-dhcpv6", "--no-ndp", "--no-ra"));
    boolean tcp = false;
    boolean udp = false;
    for (PortForward p : ports) {
      boolean isUdp = p.protocol() == PortForward.Protocol.UDP;
      passtArgv.add(isUdp ? "-u" : "-t");
      passtArgv.add(p.hostIp() + "/" + p.hostPort() + ":" + p.containerPort());
      tcp |= !isUdp;
      udp |= isUdp;
    }
    if (!tcp) {
      passtArgv.addAll(List.of("-t", "none"));
    }
    if (!udp) {
      passtArgv.addAll(List.of("-u", "none"));
    }
    PeerCheckedConnect.Launch launch = PeerCheckedConnect.Launch.of(VmFiles.NET_SOCKET, peerUid, merging, log, false,
        passtArgv);
    return guestRuns ? launch.wakingGuest(GUEST_ADDRESS, GUEST_FRAME_WAIT) : launch;
  }

  /** What runs the launcher's script: perl, or a test's wrapper of it. */
  String perl() {
    return perl;
  }

  /**
   * Starts passt for the VM of {@code files} with {@code ports} forwarded and waits until it runs
   * with every forward bound. The VM's QEMU must already listen on its net socket.
   */
  void start(VmFiles files, List<PortForward> ports) {
    start(files, ports, false);
  }

  /**
   * {@link #start(VmFiles, List)}; {@code guestRuns} when the guest already runs (a warm pool VM
   * taken), so that passt learns its MAC address before it takes a connection.
   */
  void start(VmFiles files, List<PortForward> ports, boolean guestRuns) {
    start(files, ports, guestRuns, () -> { });
  }

  /**
   * {@link #start(VmFiles, List, boolean)}, running {@code reachesGuest} as soon as what the guest sends
   * reaches passt, which may be before passt runs and binds the forwards: for a running guest once
   * its launcher has the guest's answer to its probe ({@link PeerCheckedConnect.Launch#wakingGuest}): QEMU
   * has then accepted the connection and passes the guest's frames into the socket, where they wait
   * for passt, so a container may start and connect out (a warm start runs its containers from
   * there on, beside passt's own start; bench/first-byte, session 10 in bench/RESULTS.md). Otherwise
   * once passt runs with its forwards bound. Not run when the start fails.
   */
  void start(VmFiles files, List<PortForward> ports, boolean guestRuns, Runnable reachesGuest) {
    start(files, ports, guestRuns, reachesGuest, PeerCheckedConnect.alone(files.dir(), perl));
  }

  /**
   * {@link #start(VmFiles, List, boolean, Runnable)} with {@code launcher}, which may run passt together with
   * other programs (a {@link PeerCheckedConnect.Batch}): it is told {@link PeerCheckedConnect.Launcher#done} once
   * passt is given to it, or once the start failed before.
   */
  void start(VmFiles files, List<PortForward> ports, boolean guestRuns, Runnable reachesGuest,
      PeerCheckedConnect.Launcher launcher) {
    try {
      exclusively(files, () -> startUnlocked(files, ports, guestRuns, reachesGuest, launcher));
    } finally {
      launcher.done();
    }
  }

  /**
   * Starts a new passt if the VM's has ended (killed, crashed, or out of memory): without one the
   * guest has no network and its host ports are not forwarded, while QEMU runs on as if nothing
   * happened. Returns whether it had to. A VM with no net socket (it booted before Peapod used
   * passt, or has no network) is left alone.
   */
  boolean repair(VmFiles files, List<PortForward> ports) {
    if (!Files.exists(files.netSocket()) || running(files).isPresent()) {
      return false;
    }
    return exclusively(files, () -> {
      if (running(files).isPresent()) {
        return false; // another command repaired or changed it while this one waited
      }
      startUnlocked(files, ports, true, () -> { }, PeerCheckedConnect.alone(files.dir(), perl));
      return true;
    });
  }

  /** Whether the VM's recorded passt still runs. */
  boolean isRunning(VmFiles files) {
    return running(files).isPresent();
  }

  /**
   * Runs {@code action} holding the VM's network lock: a file lock (the controller and a CLI
   * command may both look at one VM) inside a lock of this JVM (a file lock is held per process).
   * A repair must never start a second passt while a port change has stopped the old one.
   */
  private static <T> T exclusively(VmFiles files, java.util.function.Supplier<T> action) {
    Object local = LOCAL_LOCKS.computeIfAbsent(files.dir(), d -> new Object());
    synchronized (local) {
      Path lock = files.dir().resolve(LOCK_FILE);
      try (java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(lock,
          java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE);
          java.nio.channels.FileLock held = channel.lock()) {
        PrivateFiles.makePrivate(lock);
        return action.get();
      } catch (IOException e) {
        throw new NetworkException("cannot lock " + lock + ": " + e.getMessage());
      }
    }
  }

  private static void exclusively(VmFiles files, Runnable action) {
    exclusively(files, () -> {
      action.run();
      return null;
    });
  }

  private void startUnlocked(VmFiles files, List<PortForward> ports, boolean guestRuns, Runnable reachesGuest,
      PeerCheckedConnect.Launcher launcher) {
    // The readiness check below sees a port as bound whoever binds it: a port another process holds
    // would pass it until passt failed to bind and exited, a race the caller sometimes lost.
    List<PortForward> taken = ports.stream().filter(PasstNetwork::bound).toList();
    if (!taken.isEmpty()) {
      throw new NetworkException("host port " + describe(taken) + " is already bound by another process");
    }
    long launched = System.nanoTime();
    long pid;
    CompletableFuture<Long> launch = null;
    try {
      PrivateFiles.privateFile(files.netLog());
      launch = launcher.launch(launch(ports, PeerCheckedConnect.peerUid(files.netSocket()), guestRuns,
          files.netLog()));
      launcher.done();
      pid = launch.get(READY_TIMEOUT.toNanos(), java.util.concurrent.TimeUnit.NANOSECONDS);
    } catch (IOException e) {
      throw new NetworkException("cannot start passt: " + e.getMessage());
    } catch (java.util.concurrent.ExecutionException e) {
      throw new NetworkException("cannot start passt: " + e.getCause().getMessage());
    } catch (java.util.concurrent.TimeoutException e) {
      // a batch still waiting for its other slots would launch it later, and nobody would kill that passt
      PeerCheckedConnect.killWhenLaunched(launch);
      throw new NetworkException("passt was not launched within " + READY_TIMEOUT.toSeconds() + " s");
    } catch (InterruptedException e) {
      PeerCheckedConnect.killWhenLaunched(launch);
      Thread.currentThread().interrupt();
      throw new NetworkException("interrupted while starting passt");
    }
    // the launcher's child, not this JVM's: how it ended is in its log, not in an exit status
    Optional<ProcessHandle> handle = ProcessHandle.of(pid);
    ProcessHandle process = handle.orElse(null);
    long deadline = launched + READY_TIMEOUT.toNanos();
    long reached = 0;
    long exec = 0;
    for (int looks = 0; ; looks++) {
      // a zombie is ended too: its parent, the launcher, has exited, and init may reap it only later
      if (process == null || !process.isAlive() || !HostProcess.isAlive(pid)) {
        throw new NetworkException("passt ended: " + log(files));
      }
      boolean connected = HostProcess.commandLine(pid).map(cmd -> cmd.startsWith(passt + " ")).orElse(false);
      if (connected && exec == 0) {
        exec = System.nanoTime();
      }
      // The waking launcher makes the socket its stdin only after the guest's answer came back (or its
      // wait ran out, after which passt runs as it would without the probe).
      if (reached == 0 && (connected || (guestRuns && socketIsStdin(pid)))) {
        reached = System.nanoTime();
        reachesGuest.run();
      }
      if (connected && listening(ports, pid)) {
        break;
      }
      if (System.nanoTime() > deadline) {
        process.destroyForcibly();
        throw new NetworkException("passt did not come up within " + READY_TIMEOUT.toSeconds() + " s: "
            + log(files));
      }
      sleep(looks);
    }
    long up = System.nanoTime();
    long reachedAt = reached;
    long execAt = exec;
    LOG.log(System.Logger.Level.DEBUG, () -> "pod " + files.dir().getFileName() + ": the guest's frames reach passt after "
        + (reachedAt - launched) / 1_000_000 + " ms, passt runs after " + (execAt - launched) / 1_000_000
        + " ms, its forwards bound after " + (up - launched) / 1_000_000 + " ms");
    OptionalLong started = HostProcess.startTime(pid);
    try {
      PrivateFiles.privateFile(files.netPidFile());
      Files.writeString(files.netPidFile(), pid + " " + started.orElse(-1) + "\n");
    } catch (IOException e) {
      process.destroyForcibly();
      throw new NetworkException("cannot record passt's pid in " + files.netPidFile() + ": " + e);
    }
  }

  /** Stops the VM's passt if it runs (the one its pid file names, if still that process). */
  void stop(VmFiles files) {
    exclusively(files, () -> stopUnlocked(files));
  }

  private static void stopUnlocked(VmFiles files) {
    // gone or unkillable after SIGKILL: the start that follows reports a taken port
    running(files).ifPresent(handle -> HostProcess.terminate(handle, Duration.ofSeconds(2)));
  }

  /**
   * Makes the VM forward {@code to} instead of {@code from}: a new passt. If it cannot start, the
   * old forwards are started again and the error says so.
   */
  void change(VmFiles files, List<PortForward> from, List<PortForward> to) {
    exclusively(files, () -> changeUnlocked(files, from, to));
  }

  private void changeUnlocked(VmFiles files, List<PortForward> from, List<PortForward> to) {
    stopUnlocked(files);
    try {
      startUnlocked(files, to, true, () -> { }, PeerCheckedConnect.alone(files.dir(), perl));
    } catch (NetworkException e) {
      try {
        startUnlocked(files, from, true, () -> { }, PeerCheckedConnect.alone(files.dir(), perl));
      } catch (NetworkException again) {
        throw new NetworkException("cannot forward " + describe(to) + ": " + e.getMessage()
            + "; the old forwards could not be restored either, the pod has no network: " + again.getMessage());
      }
      throw new NetworkException("cannot forward host port " + describe(to) + " (is the port in use?): "
          + e.getMessage() + "; the pod keeps its old port forwards");
    }
  }

  private static Optional<ProcessHandle> running(VmFiles files) {
    String[] recorded;
    try {
      recorded = Files.readString(files.netPidFile()).trim().split(" ");
    } catch (IOException e) {
      return Optional.empty();
    }
    long pid;
    long startTime;
    try {
      pid = Long.parseLong(recorded[0]);
      startTime = Long.parseLong(recorded[1]);
    } catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
      return Optional.empty();
    }
    if (!HostProcess.matches(pid, startTime, "--fd 0")) {
      return Optional.empty();
    }
    return ProcessHandle.of(pid);
  }

  /** Whether the process's stdin is a socket (its launcher has made the connection to QEMU its stdin). */
  private static boolean socketIsStdin(long pid) {
    try {
      return Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "fd", "0")).toString().startsWith("socket:");
    } catch (IOException e) {
      return false;
    }
  }

  /** Whether every forwarded host port has a listening TCP socket or a bound UDP one. */
  /** Whether some process listens on the port (TCP) or has bound it (UDP). */
  private static boolean bound(PortForward p) {
    return !boundPorts(p.protocol()).getOrDefault(hex(p), Map.of()).isEmpty();
  }

  /**
   * Whether process {@code pid} (passt) listens on every port (has bound it, for UDP): a socket on the port in
   * {@code /proc/net} that is one of the process's open files. The port's number alone passed whatever
   * process held it, say a service or another pod's passt that bound it between the check before the launch
   * and passt's own bind, and the start went on as if passt forwarded a port it never bound. A JVM not run as
   * root cannot read passt's open files (passt makes itself undumpable): then a socket of passt's user counts.
   */
  static boolean listening(List<PortForward> ports, long pid) {
    if (ports.isEmpty()) {
      return true;
    }
    Optional<Set<String>> own = socketInodes(pid);
    Optional<String> uid = own.isPresent() ? Optional.empty() : HostProcess.realUid(pid).stream()
        .mapToObj(Integer::toString).findFirst();
    Map<PortForward.Protocol, Map<String, Map<String, String>>> tables = new EnumMap<>(PortForward.Protocol.class);
    for (PortForward p : ports) {
      Map<String, String> holders = tables.computeIfAbsent(p.protocol(), PasstNetwork::boundPorts)
          .getOrDefault(hex(p), Map.of());
      if (!held(holders, own, uid)) {
        return false;
      }
    }
    return true;
  }

  /**
   * Whether one of a port's sockets (inode to owner uid) is the process's: one of its open files, or, when
   * those cannot be read, one of its user's.
   */
  static boolean held(Map<String, String> holders, Optional<Set<String>> openSockets, Optional<String> uid) {
    if (openSockets.isPresent()) {
      return holders.keySet().stream().anyMatch(openSockets.get()::contains);
    }
    return uid.isPresent() && holders.containsValue(uid.get());
  }

  private static String hex(PortForward p) {
    return String.format(Locale.ROOT, "%04X", p.hostPort());
  }

  /**
   * The inodes of the sockets among the process's open files (its fd links read {@code socket:[INODE]}); empty
   * when they cannot be read (not this JVM's user's to look at, or the process ended).
   */
  private static Optional<Set<String>> socketInodes(long pid) {
    Set<String> inodes = new HashSet<>();
    try (var fds = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "fd"))) {
      for (Path fd : fds) {
        try {
          String target = Files.readSymbolicLink(fd).toString();
          if (target.startsWith("socket:[") && target.endsWith("]")) {
            inodes.add(target.substring("socket:[".length(), target.length() - 1));
          }
        } catch (IOException closedMeanwhile) {
          // not a socket that counts
        }
      }
    } catch (IOException e) {
      return Optional.empty();
    }
    return Optional.of(inodes);
  }

  /**
   * Bound ports (4 hex digits) and, for each, the sockets bound there (inode to owner uid): listening TCP ones,
   * any UDP one.
   */
  private static Map<String, Map<String, String>> boundPorts(PortForward.Protocol protocol) {
    boolean udp = protocol == PortForward.Protocol.UDP;
    List<String> tables = udp ? List.of("/proc/net/udp", "/proc/net/udp6") : List.of("/proc/net/tcp", "/proc/net/tcp6");
    String state = udp ? "07" : "0A";
    Map<String, Map<String, String>> ports = new HashMap<>();
    for (String table : tables) {
      try {
        for (String line : Files.readAllLines(Path.of(table))) {
          String[] f = line.trim().split("\\s+");
          if (f.length > 9 && f[3].equals(state) && f[1].contains(":")) {
            ports.computeIfAbsent(f[1].substring(f[1].indexOf(':') + 1), k -> new HashMap<>()).put(f[9], f[7]);
          }
        }
      } catch (IOException ignored) {
        // no IPv6 table on this host
      }
    }
    return ports;
  }

  private static String describe(List<PortForward> ports) {
    return ports.isEmpty() ? "no ports" : String.join(", ", ports.stream().map(PasstNetwork::describe).toList());
  }

  static String describe(PortForward p) {
    return p.hostIp() + ":" + p.hostPort() + "->" + p.containerPort() + "/" + p.protocol().name().toLowerCase(Locale.ROOT);
  }

  private static String log(VmFiles files) {
    try {
      return Files.readString(files.netLog()).strip().replace('\n', ' ');
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  /**
   * Pauses before look {@code looks + 1}: 1, 2, 4 ms, then {@link #MAX_POLL_MILLIS}. passt is up a few
   * ms after its launch on a quiet host; a fixed 20 ms poll cost every warm start 10 ms on average.
   */
  private static void sleep(int looks) {
    try {
      Thread.sleep(Math.min(1L << Math.min(looks, 3), MAX_POLL_MILLIS));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new NetworkException("interrupted while waiting for passt");
    }
  }
}
