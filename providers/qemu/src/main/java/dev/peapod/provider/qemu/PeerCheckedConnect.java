package dev.peapod.provider.qemu;

import dev.peapod.provider.qemu.runtime.SamePageMerging;
import dev.peapod.provider.qemu.runtime.VmSockets;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;

/**
 * The launcher of a program that takes an already connected socket to its VM's QEMU on its stdin:
 * the log writers ({@code rotatelogs}, see {@link LogWriters}) and passt ({@code --fd 0}, see {@link
 * PasstNetwork}). It connects, checks the listener's credentials ({@code SO_PEERCRED}) as {@link
 * VmSockets} does for Peapod's own connections, and only then makes the socket its stdin and execs
 * the program: one process per writer and per passt, as before. One launcher starts all of a start's
 * programs, each in a child of its own ({@link #SCRIPT}, {@link Batch}).
 *
 * <p>It replaces {@code socat UNIX-CONNECT:... EXEC:...,nofork}, which connected as root to
 * whatever the VM user's directory held at that name (a QEMU a guest took over can make its log
 * socket a link to another VM's console, or its net socket one to the controller's API, and passt
 * would have sent that socket its frames) and has no way to check a peer. Perl because it is
 * essential in Debian (perl-base) and QEMU's launch already uses it ({@link QemuCommandLine#THP_OFF});
 * the program's arguments are passed as argv, not through a socat address string.
 *
 * <p>One perl process does all of it, with perl's built-in socket calls and system calls by
 * number, because every warm start waits for three programs (two log writers and passt): the
 * {@code setsid} program, a second perl for the same-page merging mark ({@link SamePageMerging})
 * and {@code use Socket} (perl's Socket and Exporter modules) each cost an exec or a module load,
 * and together they tripled a launch (~45 against ~14 ms per launch at load 27; session 9 in
 * bench/RESULTS.md). So the constants are Linux's own: {@code AF_UNIX} 1, {@code SOCK_STREAM} 1,
 * {@code SOL_SOCKET} 1, {@code SO_PEERCRED} 17, and {@code struct sockaddr_un} is the family as a
 * native short followed by the path; these hold on x86-64, arm64 and riscv64, the hosts {@link
 * #SCRIPT}'s system call numbers are given for (another architecture is refused, see {@link #forArchitecture}).
 */
final class PeerCheckedConnect {

  /** Where a {@link Batch}'s launcher is started. */
  private static final java.util.concurrent.ExecutorService LAUNCHER_STARTS =
      java.util.concurrent.Executors.newCachedThreadPool(task -> {
        Thread t = new Thread(task, "peapod-launcher-start");
        t.setDaemon(true);
        return t;
      });

  private PeerCheckedConnect() {}

  /**
   * For each group of arguments ({@code n path uid merge log mode guest wait}, then the program's {@code n}
   * arguments) it forks a child and prints the child's pid on a line; once every pid is printed it tells the
   * children to go on (a byte each on a pipe) and exits, and the children, orphans from then on, are reaped by
   * init. A child waits for its byte first: a launcher killed or failed before it printed every pid (the caller
   * kills only the pids it read) closes the pipe without one, and each child then exits before it ran anything.
   * A child sends its output to {@code log} (mode {@code >>} or {@code >}); one that cannot open it says so on
   * the launcher's output as {@code ! INDEX MESSAGE} and exits (its launch fails: a later "passt ended" would
   * otherwise have read the log of the passt before). Then it
   * marks itself mergeable if {@code merge} is 1 (a warning if the kernel cannot), leads a session of its own,
   * connects to {@code path}, requires uid {@code uid} to listen there, and with a {@code guest} other than
   * {@code -} sends that guest a probe and waits at most {@code wait} s for its answer (see {@link
   * Launch#wakingGuest}); then it execs the program with the socket as stdin. Formatted with the host's prctl and
   * setsid system call numbers.
   *
   * <p>Why one process for many programs: a warm start waits for three (two log writers and passt), and a
   * perl's start is most of a launch; a fork of a started perl costs ~1 ms (session 11 in bench/RESULTS.md).
   *
   * <p>The groups come on stdin, each argument ended by a NUL byte, not as argv: so the launcher can be started
   * before what it launches is known ({@link Prepared}), and perl's start (10-90 ms under load) overlaps the work
   * before the launch (a warm start's take) instead of coming after it. Until stdin ends it only waits.
   */
  static final String SCRIPT = "$| = 1;"
      + " { local $/; my $in = <STDIN>; @ARGV = defined $in ? split(/\\0/, $in, -1) : (); pop @ARGV; }"
      + " pipe(my $go, my $say) or die \"pipe: $!\\n\"; my $i = 0;"
      + " while (@ARGV) {"
      + " my ($n, $path, $uid, $merge, $log, $mode, $guest, $wait) = splice(@ARGV, 0, 8);"
      + " my @program = splice(@ARGV, 0, $n);"
      + " defined(my $pid = fork) or die \"fork: $!\\n\";"
      + " if ($pid) { print \"$pid\\n\"; $i++; next; }"
      + " close($say); sysread($go, my $byte, 1) == 1 or exit 1; close($go);"
      + " open(STDOUT, $mode, $log) or do { print STDERR \"! $i $!\\n\"; exit 1 };"
      + " open(STDERR, \">&\", \\*STDOUT) or die \"dup: $!\\n\";"
      + " $merge and (syscall(%1$d, 67, 1, 0, 0, 0) == 0 or warn \"prctl(PR_SET_MEMORY_MERGE): $!\\n\");"
      + " syscall(%2$d) >= 0 or die \"setsid: $!\\n\";"
      + " socket(my $s, 1, 1, 0) or die \"socket: $!\\n\";"
      + " connect($s, pack(\"S\", 1) . $path) or die \"connect $path: $!\\n\";"
      + " my $cred = getsockopt($s, 1, 17) or die \"SO_PEERCRED of $path: $!\\n\";"
      + " my (undef, $peer) = unpack(\"iI\", $cred);"
      + " $peer == $uid or die \"$path is served by uid $peer, not by the VM's QEMU (uid $uid):"
      + " refused, nothing was sent\\n\";"
      + " if ($guest ne \"-\") {"
      + " my $mac = pack(\"H12\", \"" + "%3$s" + "\");"
      + " my $frame = (\"\\xff\" x 6) . $mac . pack(\"n\", 0x0806) . pack(\"nnCCn\", 1, 0x0800, 6, 4, 1)"
      + " . $mac . pack(\"N\", 0) . (\"\\0\" x 6) . pack(\"H8\", $guest) . (\"\\0\" x 18);"
      + " syswrite($s, pack(\"N\", length $frame) . $frame) or die \"write $path: $!\\n\";"
      + " my $r = \"\"; vec($r, fileno($s), 1) = 1; select($r, undef, undef, $wait); }"
      + " open(STDIN, \"<&\", $s) or die \"dup: $!\\n\";"
      + " exec { $program[0] } @program or die \"exec $program[0]: $!\\n\"; }"
      + " close($go); $i == 0 or syswrite($say, \"g\" x $i) == $i or die \"go: $!\\n\";";

  /** The sender of the waking probe (see {@link Launch#wakingGuest}): a locally administered address no NIC here has. */
  static final String PROBE_MAC = "0250617373ff";

  /**
   * One program to launch on a socket of its VM's QEMU.
   *
   * @param socket the socket as the launcher's working directory (the pod directory) names it
   * @param peerUid who must serve it: the VM's QEMU
   * @param merge whether the program runs marked for same-page merging ({@link SamePageMerging#marksHelpers})
   * @param log where its output goes
   * @param append whether that is appended to (else truncated first)
   * @param guestHex empty, or the running guest's address (8 hex digits) to probe before the program runs
   * @param probeWait how long at most the probe's answer is waited for
   * @param program its argv
   */
  record Launch(String socket, int peerUid, boolean merge, Path log, boolean append, String guestHex, Duration probeWait,
      List<String> program) {

    /** A launch of {@code program} on {@code socket}, merged as {@code merging} says for helpers. */
    static Launch of(String socket, int peerUid, SamePageMerging merging, Path log, boolean append,
        List<String> program) {
      return new Launch(socket, peerUid, merging.marksHelpers(), log, append, "", Duration.ZERO, List.copyOf(program));
    }

    /**
     * This launch, first having the running guest at {@code guestAddress} send a frame, waiting for it at most
     * {@code probeWait}; past that the program runs all the same. Between the peer check and the exec the child sends
     * the guest an ARP probe for its address (sender address 0.0.0.0, so the guest answers and learns nothing
     * from it). The answer stays in the socket for the program (passt), which reads it first and so knows the
     * guest's MAC address before it handles a connection to a forwarded port. Until passt has seen a frame from
     * the guest it sends to the broadcast address, which the guest's TCP drops, and passt does not send a SYN
     * again: a connection that came in before the guest spoke hung for passt's 10 s SYN timeout and was then
     * reset. (QMP announce-self after passt had started left that window open: a client polling the port, as a
     * load balancer or the race's curl does, got into it.) The frame is a length-prefixed minimum Ethernet
     * frame, as QEMU's stream netdev carries them. Only for a guest that runs: one still booting would not answer.
     */
    Launch wakingGuest(String guestAddress, Duration probeWait) {
      StringBuilder hex = new StringBuilder();
      for (String octet : guestAddress.split("\\.")) {
        hex.append(String.format(Locale.ROOT, "%02x", Integer.parseInt(octet)));
      }
      return new Launch(socket, peerUid, merge, log, append, hex.toString(), probeWait, program);
    }

    /** The group of arguments {@link #SCRIPT} reads for this launch. */
    List<String> arguments() {
      List<String> args = new ArrayList<>(List.of(Integer.toString(program.size()), socket,
          Integer.toUnsignedString(peerUid), merge ? "1" : "0", log.toString(), append ? ">>" : ">",
          guestHex.isEmpty() ? "-" : guestHex, String.format(Locale.ROOT, "%.3f", probeWait.toMillis() / 1000.0)));
      args.addAll(program);
      return args;
    }
  }

  /** {@link #SCRIPT} with this host's system call numbers. */
  static String script() {
    return forHost(SCRIPT);
  }

  /** {@code script} (one of the scripts here) with this host's system call numbers. */
  static String forHost(String script) {
    return forArchitecture(script, System.getProperty("os.arch"));
  }

  /**
   * {@code script} with {@code arch}'s system call numbers; an architecture whose numbers Peapod does not know is
   * refused ({@link dev.peapod.provider.qemu.runtime.SystemCalls#number}): x86-64's there would call something else.
   */
  static String forArchitecture(String script, String arch) {
    return String.format(Locale.ROOT, script, dev.peapod.provider.qemu.runtime.SystemCalls.number(arch, "prctl"),
        dev.peapod.provider.qemu.runtime.SystemCalls.number(arch, "setsid"), PROBE_MAC);
  }

  /** The argv of the launcher run by {@code perl} (perl, or a test's wrapper of it); its launches come on stdin. */
  static List<String> argv(String perl) {
    return List.of(perl, "-e", script());
  }

  /** What {@link #SCRIPT} reads on stdin for {@code launches}: each argument ended by a NUL byte. */
  static byte[] input(List<Launch> launches) {
    StringBuilder in = new StringBuilder();
    for (Launch launch : launches) {
      for (String argument : launch.arguments()) {
        if (argument.indexOf('\0') >= 0) {
          throw new LaunchException("an argument holds a NUL byte: " + argument);
        }
        in.append(argument).append('\0');
      }
    }
    return in.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }

  /** A launch failed: the launcher could not run or fork; the message says why. */
  static final class LaunchException extends RuntimeException {
    LaunchException(String message) {
      super(message);
    }
  }

  /**
   * Runs {@code launches} with one launcher process in {@code dir}; returns each program's pid, in order. Returns
   * once every program's process is forked and has its log open: whether it connects and runs is for the caller to
   * watch (its command line becomes the program's), as is a process that ends (its log says why). A program whose
   * log could not be opened fails it all (see {@link #startEach} for one outcome per launch).
   */
  static List<Long> start(Path dir, String perl, List<Launch> launches) {
    List<Long> pids = new ArrayList<>();
    List<CompletableFuture<Long>> each = startEach(dir, perl, launches);
    for (CompletableFuture<Long> pid : each) {
      try {
        pids.add(pid.join());
      } catch (java.util.concurrent.CompletionException e) {
        each.forEach(PeerCheckedConnect::killWhenLaunched);
        throw e.getCause() instanceof LaunchException l ? l : e;
      }
    }
    return pids;
  }

  /**
   * Runs {@code launches} with one launcher process in {@code dir}: one completed future per launch, in order, with
   * the program's pid, or failed with a {@link LaunchException} (the launcher could not run or fork: all fail; a
   * program's log could not be opened: that one fails).
   */
  static List<CompletableFuture<Long>> startEach(Path dir, String perl, List<Launch> launches) {
    if (launches.isEmpty()) {
      return List.of();
    }
    return Prepared.start(dir, perl).runEach(launches);
  }

  /**
   * A launcher process started before its launches are known, waiting for them on stdin (see {@link #SCRIPT}):
   * {@link #runEach} gives them, once; {@link #cancel} ends one that will launch nothing. A launcher whose stdin
   * ends without launches (the JVM gone) starts nothing and exits.
   */
  static final class Prepared {
    private final String perl;
    private final Process process;
    private final String failure;

    private Prepared(String perl, Process process, String failure) {
      this.perl = perl;
      this.process = process;
      this.failure = failure;
    }

    /** Starts the launcher in {@code dir}, where the launches' relative paths are; a failure is kept for {@link #runEach}. */
    static Prepared start(Path dir, String perl) {
      try {
        return new Prepared(perl, new ProcessBuilder(argv(perl)).directory(dir.toFile()).redirectErrorStream(true)
            .start(), null);
      } catch (java.io.IOException e) {
        return new Prepared(perl, null, e.getMessage());
      }
    }

    /** {@link PeerCheckedConnect#startEach} with this launcher. */
    List<CompletableFuture<Long>> runEach(List<Launch> launches) {
      if (process == null) {
        return failAll(launches, new LaunchException("cannot run the launcher (" + perl + "): " + failure));
      }
      return collect(process, launches);
    }

    /** Ends a launcher that will launch nothing. */
    void cancel() {
      if (process != null) {
        process.destroyForcibly();
      }
    }
  }

  private static List<CompletableFuture<Long>> collect(Process launcher, List<Launch> launches) {
    byte[] input;
    try {
      input = input(launches);
    } catch (LaunchException e) {
      launcher.destroyForcibly();
      return failAll(launches, e);
    }
    // ends when the launcher and every child it forked have let go of the output pipe: a child holds it until it
    // has its log open as both stdout and stderr (the first thing it does once the launcher said go), or has said
    // it could not and exited, or has exited without a go
    String out;
    String unsent = "";
    try (java.io.InputStream in = launcher.getInputStream()) {
      try (java.io.OutputStream toLauncher = launcher.getOutputStream()) {
        toLauncher.write(input);
      } catch (java.io.IOException e) {
        // a launcher that ended early (a wrapper that failed) says why on its output, read below
        unsent = " (its launches could not be given to it: " + e.getMessage() + ")";
      }
      out = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    } catch (java.io.IOException e) {
      launcher.destroyForcibly(); // before its go: the children it forked exit
      return failAll(launches, new LaunchException("cannot read the launcher's output: " + e.getMessage()));
    }
    // Strictly: the launcher prints its children's pids first, one a line, before its go, and nothing else does
    // before it; only then may a child say "! INDEX ERRNO-MESSAGE" (never a path: a path may hold a newline). A
    // number anywhere else is not a pid, so it is never killed.
    List<Long> pids = new ArrayList<>();
    java.util.Map<Integer, String> unopened = new java.util.HashMap<>();
    StringBuilder said = new StringBuilder();
    boolean pidsEnded = false;
    for (String line : out.split("\n", -1)) {
      java.util.regex.Matcher failed = UNOPENED.matcher(line);
      if (!pidsEnded && pids.size() < launches.size() && line.matches("[1-9][0-9]{0,9}")) {
        pids.add(Long.parseLong(line));
        continue;
      }
      pidsEnded = true;
      if (failed.matches() && Integer.parseInt(failed.group(1)) < launches.size()
          && !unopened.containsKey(Integer.parseInt(failed.group(1)))) {
        unopened.put(Integer.parseInt(failed.group(1)), failed.group(2));
      } else if (!line.isBlank()) {
        said.append(said.length() == 0 ? "" : " ").append(line.strip());
      }
    }
    try {
      launcher.waitFor();
    } catch (InterruptedException e) {
      launcher.destroyForcibly();
      pids.forEach(PeerCheckedConnect::kill); // the launcher had said go: they run
      Thread.currentThread().interrupt();
      return failAll(launches, new LaunchException("interrupted while launching"));
    }
    if (pids.size() != launches.size() || launcher.exitValue() != 0) {
      pids.forEach(PeerCheckedConnect::kill);
      return failAll(launches, new LaunchException("the launcher exited with status " + launcher.exitValue()
          + " having started " + pids.size() + " of " + launches.size() + " programs: " + said + unsent));
    }
    List<CompletableFuture<Long>> each = new ArrayList<>();
    for (int i = 0; i < launches.size(); i++) {
      String why = unopened.get(i);
      each.add(why == null ? CompletableFuture.completedFuture(pids.get(i)) : CompletableFuture.failedFuture(
          new LaunchException("cannot open the log of " + launches.get(i).program().get(0) + ", "
              + launches.get(i).log() + ": " + why)));
    }
    return each;
  }

  /** A child's word that it could not open its log: its index and the error's message (errno's, a few words). */
  private static final java.util.regex.Pattern UNOPENED = java.util.regex.Pattern.compile("! ([0-9]{1,9}) ([^/]*)");

  private static List<CompletableFuture<Long>> failAll(List<Launch> launches, LaunchException e) {
    return launches.stream().map(l -> CompletableFuture.<Long>failedFuture(e)).toList();
  }

  private static void kill(long pid) {
    ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
  }

  /**
   * Kills what {@code launch} starts, now or whenever it is launched: for a waiter that gave up on it (its wait timed
   * out, or it was interrupted). A launch not yet run is cancelled, so a {@link Batch} leaves it out.
   */
  static void killWhenLaunched(CompletableFuture<Long> launch) {
    if (!launch.cancel(false)) {
      launch.thenAccept(PeerCheckedConnect::kill);
    }
  }

  /** What starts a pod's helpers: each {@link #launch} alone, or several together ({@link Batch}). */
  interface Launcher {
    /** Starts {@code launch}: its pid, once its process is forked. */
    CompletableFuture<Long> launch(Launch launch);

    /** Says that this user of the launcher launches nothing more. */
    default void done() {}
  }

  /** Each launch with a launcher process of its own, at once. */
  static Launcher alone(Path dir, String perl) {
    return launch -> startEach(dir, perl, List.of(launch)).get(0);
  }

  /**
   * Launches of several users (a warm start's log writers and its passt, each in a thread of its own) run by one
   * launcher process, once each user has either launched what it launches or given up ({@link Slot#done}).
   */
  static final class Batch {
    private final CompletableFuture<Prepared> launcher;
    private final List<Launch> launches = new ArrayList<>();
    private final List<CompletableFuture<Long>> pids = new ArrayList<>();
    private int open;
    private boolean cancelled;

    /**
     * Starts the batch's launcher in {@code dir} at once, on a thread of its own (a process start costs its caller a
     * few ms), so that perl has started by the time the slots are done.
     */
    Batch(Path dir, String perl) {
      this.launcher = CompletableFuture.supplyAsync(() -> Prepared.start(dir, perl), LAUNCHER_STARTS);
    }

    /** Ends the launcher of a batch that will have no slots (what it was for was given up before any). */
    void cancel() {
      synchronized (this) {
        if (open > 0) {
          throw new IllegalStateException("a batch with slots runs once they are done; it is not cancelled");
        }
        cancelled = true;
      }
      launcher.thenAccept(Prepared::cancel);
    }

    /** A user's share of the batch; the batch runs once every slot is done. */
    synchronized Slot slot() {
      if (cancelled) {
        throw new IllegalStateException("a slot of a cancelled batch");
      }
      open++;
      return new Slot();
    }

    private synchronized CompletableFuture<Long> add(Launch launch) {
      CompletableFuture<Long> pid = new CompletableFuture<>();
      launches.add(launch);
      pids.add(pid);
      return pid;
    }

    private void close() {
      List<Launch> run;
      List<CompletableFuture<Long>> waiting;
      synchronized (this) {
        if (--open > 0) {
          return;
        }
        // a launch its user gave up on while the batch waited (killWhenLaunched) is left out
        List<Launch> run0 = new ArrayList<>();
        List<CompletableFuture<Long>> waiting0 = new ArrayList<>();
        for (int i = 0; i < launches.size(); i++) {
          if (!pids.get(i).isDone()) {
            run0.add(launches.get(i));
            waiting0.add(pids.get(i));
          }
        }
        run = run0;
        waiting = waiting0;
      }
      List<CompletableFuture<Long>> started;
      try {
        Prepared prepared = launcher.join();
        if (run.isEmpty()) {
          prepared.cancel();
        }
        started = run.isEmpty() ? List.of() : prepared.runEach(run);
      } catch (RuntimeException e) {
        waiting.forEach(pid -> pid.completeExceptionally(e));
        return;
      }
      for (int i = 0; i < waiting.size(); i++) {
        CompletableFuture<Long> pid = waiting.get(i);
        started.get(i).whenComplete((launched, failed) -> {
          if (failed != null) {
            pid.completeExceptionally(failed);
          } else if (!pid.complete(launched)) {
            kill(launched); // given up on while the launcher ran
          }
        });
      }
    }

    /** One user's share of a {@link Batch}. */
    final class Slot implements Launcher {
      private boolean done;

      @Override
      public CompletableFuture<Long> launch(Launch launch) {
        synchronized (Batch.this) {
          if (done) {
            throw new IllegalStateException("a launch after its slot was done");
          }
          return add(launch);
        }
      }

      /** Idempotent: a user that failed before it launched anything calls it too, so that the others run. */
      @Override
      public void done() {
        synchronized (Batch.this) {
          if (done) {
            return;
          }
          done = true;
        }
        close();
      }
    }
  }

  /** Who must serve {@code socket} (see {@link VmSockets#servingUid}). */
  static int peerUid(Path socket) throws IOException {
    return VmSockets.servingUid(socket);
  }
}
