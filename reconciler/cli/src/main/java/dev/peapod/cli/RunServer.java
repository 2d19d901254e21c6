package dev.peapod.cli;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peapod.cli.image.LocalImages;
import dev.peapod.engine.Engine;
import dev.peapod.engine.handoff.HandedRuns;
import dev.peapod.images.ImageStore;
import dev.peapod.provider.qemu.QemuProvider;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;

/**
 * The run server of a Peapod home no controller serves: a CLI JVM that stays up after a {@code
 * peapod run -f} the command did itself and does the next ones whole, as a controller does ({@link
 * HandedRuns}, the same code and the same answers as {@code POST /v1/cli/run}), for the launcher's
 * client ({@code peapod-handoff}), so {@code peapod run -f} without {@code peapod serve} costs no
 * JVM start either: the parse, the image store, the pod's records and the boot from the warm pool
 * happen in a JVM whose classes are loaded and compiled already. It also keeps the home's warm
 * pools, in threads ({@link QemuProvider#keepWarmPoolsInThisProcess}), instead of a keeper
 * process per shape: one detached JVM per home.
 *
 * <p>Who may talk to it: it listens on {@code $PEAPOD_HOME/run.sock}, a socket of mode 0600 in the
 * home (which must be its user's and writable by nobody else, or it does not start), and answers
 * only a peer whose uid, as the kernel reports it ({@code SO_PEERCRED}), is its own; anyone else's
 * connection is closed unanswered.
 *
 * <p>What it does for them is what their command would. Every case that needs the command's own
 * judgement is given back ({@link HandedRuns}: host paths, Secrets, pulls, PEAPOD_HOSTPATHS...),
 * and so is a request from a command that would not run as this process runs ({@link #settings}):
 * its relevant settings are compared with this process's own, and any difference gives the run
 * back, so the command does it itself. This process starts from an explicit environment (those
 * settings of the command that started it, nothing else: no {@code JAVA_TOOL_OPTIONS}, no {@code
 * LD_*} it did not name) and explicit JVM options, so nothing of that command lingers unseen.
 *
 * <p>Connections are served concurrently, at most {@link #MAX_CONNECTIONS} at once (more wait to
 * be accepted); a request must arrive whole within {@link #REQUEST_TIMEOUT} and an answer be taken
 * within {@link #ANSWER_TIMEOUT}, so a silent or stalled client holds one slot for that long and
 * never the server.
 *
 * <p>Started detached ({@code setsid}, output to {@code $PEAPOD_HOME/run-server.log}) by {@link
 * #ensure} after a {@code run -f} through the launcher's client; one per home (a lock file, taken
 * before its socket is replaced, so a socket a killed server left is replaced by the next one and
 * never a live one's); ends once no request came for the warm pool's idle time
 * (PEAPOD_WARM_POOL_IDLE, 10 minutes by default) and it keeps no pool any more, within a second of
 * its socket file being removed or replaced (its home deleted), when its jar changes, and when a
 * controller listens in the home (the controller keeps the pools then). {@code
 * PEAPOD_RUN_SERVER=0} turns it off.
 *
 * <p>Request: {@code POST /v1/cli/run} with the JSON of {@link HandedRuns.Request} plus {@code
 * "environment"} (the sender's settings variables, {@link #relevant}) and {@code "process"} ({@code
 * umask}, supplementary {@code groups}). Answer: {@link HandedRuns}'s, or 400 with {@code
 * {"detail": ...}}. A field this server does not know (a newer client's) gives the run back.
 */
public final class RunServer {

  /** The socket in the home. */
  public static final String SOCKET = "run.sock";
  /** Set by the launcher's client for the JVM it starts: that command may start a run server. */
  public static final String CLIENT = "PEAPOD_HANDOFF_CLIENT";
  private static final String LOCK = "run-server.lock";
  /**
   * Variables that say how a command runs, not what Peapod does, and not compared: the home (the
   * sender found this socket in it), the log level (this process logs to its own file), the
   * hand-off's own marks. PEAPOD_JAVA_OPTS is compared by its words that are not {@link #JVM_TUNING}.
   */
  private static final Set<String> NOT_COMPARED = Set.of(CLIENT, "PEAPOD_HANDED_RESPONSE", "PEAPOD_LOG_LEVEL",
      "PEAPOD_HOME", "PEAPOD_JAVA_OPTS");
  /**
   * Words of PEAPOD_JAVA_OPTS that tune the JVM's own run and cannot change what a command does: its logging,
   * heap and stack sizes, the class-data archive, {@code -XX} flags. Any other word is compared (and the server
   * has none, so a command with one runs itself): {@code -D} properties ({@code -Dpeapod.kernel}), an
   * {@code @argfile} and {@code -XX:VMOptionsFile}/{@code -XX:Flags} (options read from a file the text does not
   * show), agents, {@code -Xbootclasspath}, {@code --patch-module}, and {@code -XX:OnError}/{@code
   * -XX:OnOutOfMemoryError}, which run commands.
   */
  static final java.util.regex.Pattern JVM_TUNING = java.util.regex.Pattern.compile(
      "-Xlog(:\\S*)?|-X(ms|mx|ss|mn)[0-9]+[kKmMgG]?|-Xshare:\\w+|-verbose(:\\w+)?"
          + "|-XX:(?!(VMOptionsFile|Flags|OnError|OnOutOfMemoryError)=)[+-]?[A-Za-z0-9_]+(=\\S*)?");

  /**
   * Variables besides {@code PEAPOD_*} and {@code LC_*} that change what a run does or what the
   * processes it starts do: where programs are found (QEMU, passt, mkfs), the user's home (~/.docker,
   * ~/.config), temporary files, time zone, locale (file name encoding), the dynamic loader's, the
   * JVM's own options (a {@code -Dpeapod.kernel} there is the command's setting), the JDK the launcher
   * picks ({@code JAVA_HOME}: the command's Java may differ from the server's) and the node's name a
   * pod's uid and downward API values are made of ({@code NODE_NAME}). The launcher's client keeps the
   * same list ({@code setting()} in {@code peapod-handoff.c}; RunServerSettingsTest compares them).
   */
  static final Set<String> SETTINGS = Set.of("PATH", "HOME", "TMPDIR", "TZ", "LANG", "LANGUAGE", "XDG_RUNTIME_DIR",
      "XDG_CONFIG_HOME", "DOCKER_CONFIG", "LD_PRELOAD", "LD_LIBRARY_PATH", "JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS",
      "_JAVA_OPTIONS", "JAVA_HOME", "NODE_NAME");
  /** JVM option variables: never passed to this process, so a command with one set is given back. */
  private static final Set<String> JVM_OPTIONS = Set.of("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS",
      "PEAPOD_JAVA_OPTS");
  /** This process's own JVM options: a small C1-compiled serial heap, as a keeper's were. */
  private static final List<String> OWN_JVM_OPTIONS = List.of("-XX:TieredStopAtLevel=1", "-XX:CICompilerCount=1",
      "-XX:+UseSerialGC", "-Xms8m", "-Xmx128m", "-Xss512k", "-XX:-UsePerfData", "-Xshare:auto");
  private static final Duration CHECK = Duration.ofSeconds(1);
  /** How often the server looks for keeper processes of its home to take over. */
  private static final Duration ADOPT = Duration.ofSeconds(5);
  static final int MAX_CONNECTIONS = 4;
  static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(20);
  static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(30);
  /**
   * The largest request taken: a manifest of up to 1 MiB. Parsed, a request takes many times its size, and four
   * at once must fit the server's small heap (an 8 MiB bound let one 3.6 MB manifest end the server out of
   * memory); a larger one is refused and the command runs it itself.
   */
  private static final int MAX_REQUEST = 1 << 20;
  /** The header's bound: the client's is ~200 bytes, and the search for its end is redone on each read. */
  private static final int MAX_HEADER = 16384;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final CliEnvironment environment;
  private final Path home;
  private final Path socket;
  private final UserPrincipal owner;
  private final GroupPrincipal group;
  /** This process's settings, as a command's are compared with them. */
  private final Map<String, String> own;
  /** The keeper processes {@link #adopt} left alone and said so (said once each). */
  private final Set<Long> leftAlone = java.util.concurrent.ConcurrentHashMap.newKeySet();
  private final AtomicLong lastRequest = new AtomicLong(System.nanoTime());
  private ImageStore images;

  private RunServer(CliEnvironment environment) throws IOException {
    this.environment = environment;
    this.home = environment.home();
    this.socket = home.resolve(SOCKET);
    this.owner = Files.getOwner(Path.of("/proc/self")); // this process's effective uid
    this.group = Files.readAttributes(Path.of("/proc/self"), PosixFileAttributes.class).group();
    this.own = settings(environ(Path.of("/proc/self/environ")), ProcStatus.all(jarIdentityText()));
  }

  public static void main(String[] args) throws Exception {
    CliLogging.configure(System.getenv());
    RunServer server = new RunServer(CliEnvironment.system());
    server.serve();
    System.exit(0);
  }

  /** Whether a variable is one of the settings compared ({@code PEAPOD_*} but a few, {@code LC_*}, {@link #SETTINGS}). */
  static boolean relevant(String name) {
    return (name.startsWith("PEAPOD_") && !NOT_COMPARED.contains(name)) || name.startsWith("LC_")
        || SETTINGS.contains(name);
  }

  /**
   * The settings of a command (or of this process) as compared: its relevant variables exactly as set
   * (an empty {@code TZ} is UTC where an unset one is /etc/localtime, an empty {@code PATH} finds
   * nothing where an unset one is the default path), but for the JVM's option variables, which the
   * JVM reads empty as unset; the system properties its PEAPOD_JAVA_OPTS sets; its umask,
   * supplementary groups and the rest of {@code process}.
   */
  static Map<String, String> settings(Map<String, String> env, Map<String, String> process) {
    Map<String, String> settings = new TreeMap<>();
    env.forEach((name, value) -> {
      if (relevant(name) && value != null && !(value.isEmpty() && JVM_OPTIONS.contains(name))) {
        settings.put(name, value);
      }
    });
    String options = Arrays.stream(env.getOrDefault("PEAPOD_JAVA_OPTS", "").trim().split("\\s+"))
        .filter(option -> !option.isEmpty() && !JVM_TUNING.matcher(option).matches())
        .reduce((a, b) -> a + " " + b).orElse("");
    if (!options.isEmpty()) {
      settings.put("PEAPOD_JAVA_OPTS", options);
    }
    process.forEach((name, value) -> settings.put("(" + name + ")", value));
    return settings;
  }

  /**
   * What a value that is no UTF-8 stands as in {@link #environ}: no command's value equals it (the launcher's
   * client gives such a command to the CLI, and JSON carries no NUL), so a server with one gives every run back.
   */
  static final String NOT_UTF8 = "\0(not UTF-8)";

  /**
   * A process's environment as its {@code /proc/PID/environ} holds it, each value decoded as UTF-8 exactly
   * ({@link #NOT_UTF8} for one that is not): the JVM's own view ({@code System.getenv}) decodes in the
   * locale's charset and replaces what it cannot, so two different values could compare equal. Empty when
   * unreadable.
   */
  static Map<String, String> environ(Path file) {
    try {
      return environ(Files.readAllBytes(file));
    } catch (IOException e) {
      return Map.of();
    }
  }

  static Map<String, String> environ(byte[] raw) {
    Map<String, String> env = new TreeMap<>();
    int start = 0;
    for (int i = 0; i <= raw.length; i++) {
      if (i == raw.length || raw[i] == 0) {
        int eq = start;
        while (eq < i && raw[eq] != '=') {
          eq++;
        }
        if (eq < i && eq > start) {
          String name = new String(raw, start, eq - start, StandardCharsets.ISO_8859_1);
          try {
            env.put(name, StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(raw, eq + 1, i - eq - 1)).toString());
          } catch (java.nio.charset.CharacterCodingException e) {
            env.put(name, NOT_UTF8);
          }
        }
        start = i + 1;
      }
    }
    return env;
  }

  /** Variables whose value is a file or directory even without a slash in it (a bare name is relative). */
  private static final Set<String> FILE_SETTINGS = Set.of("PEAPOD_KERNEL", "PEAPOD_INITRD", "PEAPOD_VM_MOUNTS",
      "PEAPOD_SECCOMP_DIR", "HOME", "TMPDIR", "DOCKER_CONFIG", "XDG_RUNTIME_DIR", "XDG_CONFIG_HOME");
  /** Colon-separated lists of directories, where an empty element is the working directory too. */
  private static final Set<String> PATH_LISTS = Set.of("PATH", "LD_LIBRARY_PATH");

  /** The settings among {@code settings} that name a relative path (see {@link #run}). */
  static Set<String> relativePaths(Map<String, String> settings) {
    Set<String> relative = new TreeSet<>();
    settings.forEach((name, value) -> {
      boolean rel;
      if (PATH_LISTS.contains(name)) {
        rel = Arrays.stream(value.split(":", -1)).anyMatch(dir -> !dir.startsWith("/"));
      } else if (name.startsWith("(") || name.equals("PEAPOD_JAVA_OPTS")) {
        rel = false; // the process's own facts; JVM options are the JVM's to resolve and are compared as text
      } else {
        rel = (FILE_SETTINGS.contains(name) || value.contains("/")) && !value.startsWith("/");
      }
      if (rel) {
        relative.add(name);
      }
    });
    return relative;
  }

  /** The names whose values differ between two settings maps. */
  static Set<String> differences(Map<String, String> a, Map<String, String> b) {
    Set<String> names = new TreeSet<>(a.keySet());
    names.addAll(b.keySet());
    names.removeIf(name -> Objects.equals(a.get(name), b.get(name)));
    return names;
  }

  /**
   * Whether {@code home} is a directory (not a symlink) of this process's user that nobody else may
   * write: only there is a socket or lock file ours to replace.
   */
  static boolean ownHome(Path home) {
    try {
      PosixFileAttributes attributes = Files.readAttributes(home, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      Set<PosixFilePermission> mode = attributes.permissions();
      return attributes.isDirectory() && attributes.owner().equals(Files.getOwner(Path.of("/proc/self")))
          && !mode.contains(PosixFilePermission.GROUP_WRITE) && !mode.contains(PosixFilePermission.OTHERS_WRITE);
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * Whether something accepts connections on {@code socket}: false when there is no socket, or one
   * a process that died left (the connection is refused). A symlink is not looked through: it counts
   * as listening, so nothing is started or replaced because of it.
   */
  static boolean listening(Path socket) {
    if (!Files.exists(socket, LinkOption.NOFOLLOW_LINKS)) {
      return false;
    }
    if (Files.isSymbolicLink(socket)) {
      return true;
    }
    try (SocketChannel ignored = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private void serve() throws IOException, InterruptedException {
    if (!ownHome(home)) {
      System.out.println(home + " is not a directory of this user that only it may write: no run server");
      return;
    }
    try (FileChannel lockFile = FileChannel.open(home.resolve(LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        LinkOption.NOFOLLOW_LINKS); FileLock lock = lockFile.tryLock()) {
      if (lock == null) {
        return; // another run server serves this home
      }
      // Under the lock, no other run server binds or removes it: a socket here is one a killed run
      // server left (its connections are refused), replaced below.
      Files.deleteIfExists(socket);
      ExecutorService handlers = Executors.newFixedThreadPool(MAX_CONNECTIONS, runnable -> {
        Thread thread = new Thread(runnable, "peapod-run-server-request");
        thread.setDaemon(true);
        return thread;
      });
      // Taking a keeper over waits up to 30 s for it to end (one that hangs): on a thread of its own, so the
      // accept loop never waits for it; one adoption at a time.
      ExecutorService adopter = Executors.newSingleThreadExecutor(runnable -> {
        Thread thread = new Thread(runnable, "peapod-run-server-adopt");
        thread.setDaemon(true);
        return thread;
      });
      QemuProvider pools = new QemuProvider(environment.qemuConfig());
      Object[] bound = {null}; // the socket file this server made, for the finally below
      try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
          Selector selector = Selector.open()) {
        // Bound under another name and renamed once private, so no client ever finds it open wider.
        Path binding = home.resolve(SOCKET + "." + ProcessHandle.current().pid() + ".new");
        Files.deleteIfExists(binding);
        server.bind(UnixDomainSocketAddress.of(binding));
        Files.setPosixFilePermissions(binding, PosixFilePermissions.fromString("rw-------"));
        Files.move(binding, socket, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        Object identity = Files.readAttributes(socket, "unix:ino").get("ino");
        bound[0] = identity;
        System.out.println("run server of " + home + " listening on " + socket + " (process "
            + ProcessHandle.current().pid() + ")");
        pools.keepWarmPoolsInThisProcess();
        java.util.concurrent.Future<?> adoption = adopter.submit(() -> adopt(pools, own));
        warmUp();
        server.configureBlocking(false);
        server.register(selector, SelectionKey.OP_ACCEPT);
        Semaphore slots = new Semaphore(MAX_CONNECTIONS);
        Object build = jarIdentity();
        Duration idle = environment.qemuConfig().warmPool().idle();
        long lastAdopt = System.nanoTime();
        while (System.nanoTime() - lastRequest.get() < idle.toNanos() || slots.availablePermits() < MAX_CONNECTIONS
            || pools.keepsWarmPools()) {
          // A connection is accepted only with a slot free: the others wait in the listen queue.
          if (slots.tryAcquire(CHECK.toMillis(), TimeUnit.MILLISECONDS)) {
            selector.select(CHECK.toMillis());
            selector.selectedKeys().clear();
            SocketChannel client = server.accept();
            if (client == null) {
              slots.release();
            } else {
              lastRequest.set(System.nanoTime());
              handlers.execute(() -> {
                try (SocketChannel c = client) {
                  answer(c);
                } catch (IOException | RuntimeException | VirtualMachineError e) {
                  System.out.println("a request failed: " + e);
                } finally {
                  lastRequest.set(System.nanoTime());
                  slots.release();
                }
              });
            }
          }
          if (!Objects.equals(identity(), identity)) {
            System.out.println("the socket " + socket + " is gone: ending");
            return;
          }
          if (!Objects.equals(jarIdentity(), build)) {
            // Peapod was rebuilt or upgraded: the next command starts a server of the new code.
            System.out.println("its jar changed: ending");
            return;
          }
          if (listening(home.resolve("peapod.sock"))) {
            System.out.println("a controller serves " + home + ": ending (it keeps the warm pools)");
            return;
          }
          if (System.nanoTime() - lastAdopt > ADOPT.toNanos() && adoption.isDone()) {
            adoption = adopter.submit(() -> adopt(pools, own));
            lastAdopt = System.nanoTime();
          }
        }
        System.out.println("no request for " + idle.toSeconds() + " s and no warm pool kept: ending");
      } finally {
        // Gone before the listener closes: a client that connects now finds no socket and runs the
        // command itself, instead of a connection reset that would fail it.
        if (bound[0] != null && Objects.equals(identity(), bound[0])) { // not a successor's socket
          Files.deleteIfExists(socket);
        }
        adopter.shutdownNow();
        handlers.shutdown();
        if (!handlers.awaitTermination(5, TimeUnit.MINUTES)) {
          System.out.println("runs still going after 5 minutes: ending anyway");
        }
        pools.stopKeepingWarmPools(); // their VMs wait for the next keeper
      }
    }
  }

  /**
   * Takes over the warm pools keeper processes of this home keep (one JVM for both), those whose settings are
   * this process's ({@code own}) alone: a keeper of other settings (started by a command the server would give
   * back) keeps its pool, whose VMs this server would not use.
   */
  private void adopt(QemuProvider pools, Map<String, String> own) {
    try {
      pools.adoptWarmPoolKeepers(process -> {
        Set<String> differ = keeperDifferences(keeperSettings(Path.of("/proc", Long.toString(process.pid()))), own);
        if (!differ.isEmpty() && leftAlone.add(process.pid())) {
          System.out.println("left the keeper process " + process.pid() + " alone: its settings differ ("
              + String.join(", ", differ) + ")");
        }
        return differ.isEmpty();
      }).forEach(key -> System.out.println("took over the warm pool of " + key));
    } catch (RuntimeException e) {
      System.out.println("cannot take over a warm pool keeper: " + e);
    }
  }

  /**
   * The settings of the process {@code proc} ({@code /proc/PID}) as {@link #own} are made: its environment as
   * it was started, its process facts ({@link ProcStatus}) and the jar its command line's {@code -cp} names.
   */
  static Map<String, String> keeperSettings(Path proc) {
    String build = "(unknown)";
    try {
      List<String> argv = List.of(new String(Files.readAllBytes(proc.resolve("cmdline")), StandardCharsets.UTF_8)
          .split("\0"));
      int cp = argv.indexOf("-cp");
      if (cp >= 0 && cp + 1 < argv.size()) {
        build = jarIdentityText(Path.of(argv.get(cp + 1)));
      }
    } catch (IOException | RuntimeException e) {
      // gone, or no command line: "(unknown)" differs from any jar
    }
    return settings(environ(proc.resolve("environ")), ProcStatus.all(proc, build));
  }

  /**
   * The settings in which a keeper differs from this server: {@code PEAPOD_RUN_SERVER} aside (a command that said
   * 0 to the server still starts keepers, and what they do does not depend on it).
   */
  static Set<String> keeperDifferences(Map<String, String> keeper, Map<String, String> own) {
    Set<String> differ = differences(keeper, own);
    differ.remove("PEAPOD_RUN_SERVER");
    return differ;
  }

  /**
   * This process's jar as the launcher's client describes the jar its CLI would run ({@code REALPATH SIZE
   * SECONDS.NANOS} of its mtime): two checkouts or installations may share a home, and one's server must not
   * run the other's command with its own code.
   */
  static String jarIdentityText() {
    try {
      return jarIdentityText(Path.of(RunServer.class.getProtectionDomain().getCodeSource().getLocation().toURI()));
    } catch (Exception e) {
      return "(unknown)";
    }
  }

  static String jarIdentityText(Path path) {
    try {
      Path jar = path.toRealPath();
      java.time.Instant modified = Files.getLastModifiedTime(jar).toInstant();
      return jar + " " + Files.size(jar) + " " + modified.getEpochSecond() + "." + String.format("%09d", modified.getNano());
    } catch (Exception e) {
      return "(unknown)";
    }
  }

  private static Object jarIdentity() {
    try {
      Path jar = Path.of(RunServer.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      return Files.isRegularFile(jar) ? Files.size(jar) + "@" + Files.getLastModifiedTime(jar) : null;
    } catch (Exception e) {
      return null;
    }
  }

  /**
   * Loads what every run needs before the first one comes (the parse, the conversion's image
   * lookup, the provider's records): that run would otherwise pay ~0.3-0.5 s of class loading.
   * A run given back changes nothing, and a pod that names a host path is given back before its lock
   * is taken, so this made-up one leaves no trace.
   */
  private void warmUp() {
    try {
      HandedRuns.run(home, this::engine, new HandedRuns.Request("warm-up.yaml", """
          apiVersion: peapod.dev/v1alpha1
          kind: PeaPod
          metadata: {name: run-server-warm-up}
          spec:
            containers:
              - name: main
                image: peapod.invalid/warm-up:0
                volumeMounts: [{name: data, mountPath: /data}]
            volumes:
              - name: data
                hostPath: {path: /nonexistent}
          """, "peapod run-server", false, null, true));
      try (Engine engine = engine("peapod run-server")) {
        engine.provider().inspect("run-server-warm-up");
      }
      warmUpConversion();
    } catch (RuntimeException e) {
      System.out.println("warm-up: " + e);
    }
  }

  /**
   * The part of a real run that needs no VM and changes nothing: a pod of an image the store has,
   * converted as a run converts it, and the record a create writes made as JSON (not written): the
   * conversion, the image configuration, Jackson's serializers of the pod spec's records were half
   * of what the server's first real run loaded. Measured (load 13-18): that run's CPU in the server
   * 700 -> 370 ms, classes it loaded 690 -> 381. The rest is the start itself (taking a pool VM,
   * QMP, the guest channel, passt), which only a VM exercises; the launcher's class-data sharing
   * archive did not make that run faster (its cost is first execution, not class parsing).
   */
  private void warmUpConversion() {
    long t0 = System.nanoTime();
    java.util.Optional<String> image = images().list().stream().flatMap(i -> i.references().stream()).findFirst();
    if (image.isEmpty()) {
      return;
    }
    dev.peapod.manifest.ParseResult parsed = dev.peapod.manifest.ManifestParser.parse("warm-up.yaml", """
        apiVersion: peapod.dev/v1alpha1
        kind: PeaPod
        metadata: {name: run-server-warm-up}
        spec:
          containers:
            - name: main
              image: "%s"
              ports: [{containerPort: 8080, hostPort: 18080}]
              env: [{name: A, value: b}]
        """.formatted(image.get()));
    dev.peapod.engine.spec.ManifestToPodSpec.Result converted = new dev.peapod.engine.spec.ManifestToPodSpec(
        dev.peapod.engine.spec.StoreImageSource.presentOnly(images()),
        dev.peapod.engine.spec.HostPathAllowList.load(home, Map.of())).convert(parsed.manifests().get(0));
    try {
      dev.peapod.provider.qemu.runtime.JsonFiles.MAPPER.writeValueAsBytes(
          new dev.peapod.provider.qemu.runtime.PodRecord(converted.spec(), java.time.Instant.now(), null));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    System.out.println("warm-up: a conversion of " + image.get() + " in "
        + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) + " ms");
  }

  private Object identity() {
    try {
      return Files.readAttributes(socket, "unix:ino", LinkOption.NOFOLLOW_LINKS).get("ino");
    } catch (IOException e) {
      return null;
    }
  }

  private void answer(SocketChannel channel) throws IOException {
    UnixDomainPrincipal peer = channel.getOption(ExtendedSocketOptions.SO_PEERCRED);
    if (!owner.equals(peer.user())) {
      System.out.println("refused a connection of user " + peer.user().getName());
      return; // closed unanswered
    }
    channel.configureBlocking(false);
    try (Selector selector = Selector.open()) {
      byte[] body = readRequest(channel, selector, System.nanoTime() + REQUEST_TIMEOUT.toNanos());
      if (gone(channel)) {
        // Its command was killed (Ctrl-C) while the request waited to be accepted: the kernel kept the request,
        // but nobody waits for the run any more, and a run the user stopped must not happen behind their back.
        System.out.println("a request whose command is gone: not run");
        return;
      }
      int status = 200;
      Map<String, Object> answer;
      try {
        answer = run(JSON.readValue(body, new TypeReference<LinkedHashMap<String, Object>>() {}),
            peer.group().equals(group));
      } catch (IOException | IllegalArgumentException e) {
        status = 400;
        answer = Map.of("detail", "a run needs file, content and command: " + e.getMessage());
      } catch (VirtualMachineError e) {
        // Out of memory or stack on this run: given back, the command runs it itself (and repairs what this
        // run began, as after a crash); the server goes on serving the others.
        System.out.println("a run ran out of resources: " + e);
        answer = HandedRuns.declined("the run server ran out of resources for it: " + e);
      }
      byte[] json = JSON.writeValueAsBytes(answer);
      String head = "HTTP/1.1 " + status + (status == 200 ? " OK" : " Bad Request")
          + "\r\nContent-Type: application/json\r\nContent-Length: " + json.length + "\r\nConnection: close\r\n\r\n";
      ByteBuffer out = ByteBuffer.allocate(head.length() + json.length);
      out.put(head.getBytes(StandardCharsets.US_ASCII)).put(json).flip();
      write(channel, selector, out, System.nanoTime() + ANSWER_TIMEOUT.toNanos());
    }
  }

  /** The answer to a request: the run, or given back when the command would not run as this process does. */
  private Map<String, Object> run(Map<String, Object> request, boolean sameGroup) {
    Object sent = request.remove("environment");
    Object process = request.remove("process");
    if (HandedRuns.unknownFields(request).isPresent()) {
      return HandedRuns.run(home, this::engine, request); // given back: a newer command's request
    }
    HandedRuns.Request run = HandedRuns.Request.of(request);
    if (!(sent instanceof Map<?, ?> env) || !(process instanceof Map<?, ?> ids)) {
      return HandedRuns.declined("the command sent no settings to compare");
    }
    Map<String, String> theirs = settings(stringMap(env), stringMap(ids));
    Set<String> differ = differences(theirs, own);
    if (!sameGroup) {
      differ.add("(group)");
    }
    // A relative path in a setting is resolved against the working directory, the command's and this process's
    // (the home) alike, so equal values would name different files: such a command runs itself.
    relativePaths(theirs).forEach(name -> differ.add(name + " (a relative path)"));
    if (!differ.isEmpty()) {
      return HandedRuns.declined("the command's settings differ from the run server's: " + String.join(", ", differ));
    }
    return HandedRuns.run(home, this::engine, run);
  }

  private static Map<String, String> stringMap(Map<?, ?> map) {
    Map<String, String> strings = new TreeMap<>();
    map.forEach((k, v) -> strings.put(String.valueOf(k), String.valueOf(v)));
    return strings;
  }

  /**
   * Whether the client of {@code channel} (non-blocking, its request read) has closed its end: the launcher's
   * client sends its request and then only reads, so anything but "nothing to read yet" is a client gone (a
   * killed one's socket is closed by the kernel) or one that sent more than a request.
   */
  static boolean gone(SocketChannel channel) throws IOException {
    return channel.read(ByteBuffer.allocate(1)) != 0;
  }

  /** Reads into {@code buffer} before {@code deadline}; -1 at the end of the stream. */
  private static int read(SocketChannel channel, Selector selector, ByteBuffer buffer, long deadline)
      throws IOException {
    while (true) {
      int n = channel.read(buffer);
      if (n != 0) {
        return n;
      }
      ChannelDeadline.await(channel, selector, SelectionKey.OP_READ, deadline,
          "no whole request within " + REQUEST_TIMEOUT.toSeconds() + " s");
    }
  }

  private static void write(SocketChannel channel, Selector selector, ByteBuffer out, long deadline)
      throws IOException {
    while (out.hasRemaining()) {
      if (channel.write(out) == 0) {
        ChannelDeadline.await(channel, selector, SelectionKey.OP_WRITE, deadline,
            "the answer was not taken within " + ANSWER_TIMEOUT.toSeconds() + " s");
      }
    }
  }


  /** The body of one HTTP/1.1 request with a Content-Length (what the launcher's client sends). */
  private static byte[] readRequest(SocketChannel channel, Selector selector, long deadline) throws IOException {
    ByteArrayOutputStream raw = new ByteArrayOutputStream();
    ByteBuffer buffer = ByteBuffer.allocate(16384);
    int headerEnd = -1;
    long length = -1;
    while (true) {
      if (System.nanoTime() > deadline) { // also while bytes keep coming: a trickle holds a slot no longer
        throw new IOException("no whole request within " + REQUEST_TIMEOUT.toSeconds() + " s");
      }
      if (headerEnd < 0 && raw.size() > MAX_HEADER) {
        throw new IOException("a request's header takes at most " + MAX_HEADER + " bytes");
      }
      if (headerEnd < 0) {
        String text = raw.toString(StandardCharsets.ISO_8859_1);
        headerEnd = text.indexOf("\r\n\r\n");
        if (headerEnd >= 0) {
          if (!text.startsWith("POST /v1/cli/run ")) {
            throw new IOException("not a POST /v1/cli/run");
          }
          for (String line : text.substring(0, headerEnd).split("\r\n")) {
            String lower = line.toLowerCase(Locale.ROOT);
            if (lower.startsWith("content-length:")) {
              length = Long.parseLong(lower.substring("content-length:".length()).trim());
            }
          }
          if (length < 0 || length > MAX_REQUEST) {
            throw new IOException("a request needs a Content-Length up to " + MAX_REQUEST);
          }
        }
      }
      if (headerEnd >= 0 && raw.size() >= headerEnd + 4 + length) {
        byte[] all = raw.toByteArray();
        byte[] body = new byte[(int) length];
        System.arraycopy(all, headerEnd + 4, body, 0, (int) length);
        return body;
      }
      if (raw.size() > MAX_REQUEST + 65536 || read(channel, selector, buffer, deadline) < 0) {
        throw new IOException("the request ended early");
      }
      raw.write(buffer.array(), 0, buffer.position());
      buffer.clear();
    }
  }

  private synchronized ImageStore images() {
    if (images == null) {
      images = LocalImages.open(environment);
    }
    return images;
  }

  private Engine engine(String command) {
    return Engine.withSharedImages(new QemuProvider(environment.qemuConfig()), home, images(),
        Engine.fileLocks(home, command), environment.clock());
  }

  /**
   * The environment a run server starts with: the starting command's settings ({@link #relevant})
   * but its JVM options, its home (absolute) and log level; nothing else.
   */
  static Map<String, String> serverEnvironment(Map<String, String> env, Path home) {
    Map<String, String> scrubbed = new TreeMap<>();
    env.forEach((name, value) -> {
      if (relevant(name) && !JVM_OPTIONS.contains(name)) {
        scrubbed.put(name, value);
      }
    });
    if (env.get("PEAPOD_LOG_LEVEL") != null) {
      scrubbed.put("PEAPOD_LOG_LEVEL", env.get("PEAPOD_LOG_LEVEL"));
    }
    scrubbed.put("PEAPOD_HOME", home.toString()); // absolute: a relative one is the command's directory's
    return scrubbed;
  }

  /**
   * After a {@code run -f} this command did itself: starts the home's run server unless one runs,
   * a controller listens in the home, the home is not this user's own, the command was not started
   * by the launcher's client (no one would talk to it), or {@code PEAPOD_RUN_SERVER=0}. Never fails
   * the command.
   */
  static void ensure(CliEnvironment environment, String[] args) {
    Map<String, String> env = environment.env();
    if (args.length == 0 || !args[0].equals("run") || !(List.of(args).contains("-f") || List.of(args).contains("--file"))
        || env.get(CLIENT) == null || "0".equals(env.get("PEAPOD_RUN_SERVER"))) {
      return;
    }
    Path home = environment.home();
    try {
      // A setting that is no UTF-8 cannot be compared exactly (the client gives such a command back): a server
      // started with it would give back every run.
      Map<String, String> raw = environ(Path.of("/proc/self/environ"));
      if (raw.entrySet().stream().anyMatch(e -> relevant(e.getKey()) && NOT_UTF8.equals(e.getValue()))) {
        return;
      }
      // A socket a killed controller left does not count: it would keep every run a JVM start.
      if (!ownHome(home) || listening(home.resolve("peapod.sock"))) {
        return;
      }
      try (FileChannel lockFile = FileChannel.open(home.resolve(LOCK), StandardOpenOption.CREATE,
          StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS); FileLock probe = lockFile.tryLock()) {
        if (probe == null) {
          return; // it runs
        }
      }
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      String jar = Path.of(RunServer.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
      // As a warm pool keeper is started (DetachedJvm): in the background of a shell that exits at
      // once, in a session of its own, so this command neither waits for it nor is its parent.
      List<String> command = new ArrayList<>(List.of("/bin/sh", "-c",
          "log=$1; shift; \"$@\" </dev/null >>\"$log\" 2>&1 & echo $!", "sh", home.resolve("run-server.log").toString(),
          "setsid", java));
      command.addAll(OWN_JVM_OPTIONS);
      command.addAll(List.of("-cp", jar, RunServer.class.getName()));
      ProcessBuilder builder = new ProcessBuilder(command).directory(home.toFile());
      builder.environment().clear();
      builder.environment().putAll(serverEnvironment(env, home));
      Process shell = builder
          .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).redirectErrorStream(true).start();
      shell.getInputStream().readAllBytes();
      shell.waitFor(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      System.getLogger(RunServer.class.getName()).log(System.Logger.Level.DEBUG, "no run server: " + e);
    }
  }

  /**
   * This process's umask and supplementary groups, from {@code /proc/self/status}, and what else a VM it starts
   * would live in or be bounded by, as the client sends its own: namespaces (a pod's host port is bound in the
   * network namespace of whoever starts passt, its files seen through that mount namespace), cgroup (a VM
   * started here escapes the command's memory limit or job), resource limits (but open files, which the JVM
   * raises for itself), CPU and memory affinity, no_new_privs and the capability bounding set, and the jar.
   */
  static final class ProcStatus {
    private ProcStatus() {}

    private static final Path SELF = Path.of("/proc/self");

    /** Everything the client sends in its {@code process}, as this process has it; {@code build}: see jarIdentityText. */
    static Map<String, String> all(String build) {
      return all(SELF, build);
    }

    /** The same of the process {@code proc} ({@code /proc/PID}); "?" for what cannot be read. */
    static Map<String, String> all(Path proc, String build) {
      Map<String, String> all = new TreeMap<>();
      all.put("umask", field(proc, "Umask"));
      all.put("groups", groups(proc));
      all.put("namespaces", namespaces(proc));
      all.put("cgroup", procFile(proc.resolve("cgroup").toString(), null));
      all.put("limits", procFile(proc.resolve("limits").toString(), "Max open files"));
      for (String name : List.of("NoNewPrivs", "CapBnd", "Cpus_allowed_list", "Mems_allowed_list")) {
        all.put(name, field(proc, name));
      }
      all.put("build", build);
      return all;
    }

    /** The namespaces' links ({@code net:[4026531840]}), cgroup ipc mnt net pid user uts, separated by spaces. */
    static String namespaces() {
      return namespaces(SELF);
    }

    private static String namespaces(Path proc) {
      List<String> links = new ArrayList<>();
      for (String ns : List.of("cgroup", "ipc", "mnt", "net", "pid", "user", "uts")) {
        try {
          links.add(Files.readSymbolicLink(proc.resolve("ns").resolve(ns)).toString());
        } catch (IOException | RuntimeException e) {
          links.add("?");
        }
      }
      return String.join(" ", links);
    }

    /** A small /proc file's lines joined by single spaces, those starting with {@code skip} left out; "?" if unreadable. */
    static String procFile(String path, String skip) {
      try {
        String joined = Files.readAllLines(Path.of(path)).stream().filter(l -> skip == null || !l.startsWith(skip))
            .reduce((a, b) -> a + " " + b).orElse("");
        return joined.isEmpty() ? "?" : joined;
      } catch (IOException | RuntimeException e) {
        return "?";
      }
    }

    /** The umask in four octal digits ({@code 0022}). */
    static String umask() {
      return field(SELF, "Umask");
    }

    /** The supplementary group ids, ascending, separated by single spaces. */
    static String groups() {
      return groups(SELF);
    }

    private static String groups(Path proc) {
      String groups = field(proc, "Groups");
      if (groups.equals("?")) {
        return groups;
      }
      return Arrays.stream(groups.trim().split("\\s+")).filter(s -> !s.isEmpty()).mapToLong(Long::parseLong)
          .sorted().mapToObj(Long::toString).reduce((a, b) -> a + " " + b).orElse("");
    }

    /** A field of {@code proc}'s status; "?" (which equals no real value) when it cannot be read. */
    private static String field(Path proc, String name) {
      try {
        for (String line : Files.readAllLines(proc.resolve("status"))) {
          if (line.startsWith(name + ":")) {
            return line.substring(name.length() + 1).trim();
          }
        }
      } catch (IOException e) {
        // below
      }
      if (proc.equals(SELF)) {
        throw new IllegalStateException("/proc/self/status has no " + name);
      }
      return "?";
    }
  }
}
