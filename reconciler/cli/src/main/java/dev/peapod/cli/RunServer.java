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
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;

/**
 * The run server of a Peapod home no controller serves: a CLI JVM that stays up after a {@code
 * peapod run -f} the command did itself and does the next ones whole, as a controller does ({@link
 * HandedRuns}, the same code and the same answers as {@code POST /v1/cli/run}), for the launcher's
 * client ({@code peapod-handoff}), so {@code peapod run -f} without {@code peapod serve} costs no
 * JVM start either: the parse, the image store, the pod's records and the boot from the warm pool
 * happen in a JVM whose classes are loaded and compiled already.
 *
 * <p>Who may talk to it: it listens on {@code $PEAPOD_HOME/run.sock}, a socket of mode 0600 in the
 * home (itself 0700), and answers only a peer whose uid, as the kernel reports it ({@code
 * SO_PEERCRED}), is its own, the home's owner's; anyone else's connection is closed unanswered. What
 * it does for them is what their command would: every case that needs the command's own judgement
 * is given back ({@link HandedRuns}: host paths, which a relative path makes the command's working
 * directory's; Secrets; pulls; PEAPOD_HOSTPATHS), and so is a request whose Peapod settings differ
 * from the ones this process started with (every {@code PEAPOD_*} variable but the JVM's options,
 * and {@code PATH}, where QEMU, passt and the log writers are found): the command then does it
 * itself. One request at a time, in the order they come.
 *
 * <p>Started detached ({@code setsid}, output to {@code $PEAPOD_HOME/run-server.log}) by {@link
 * #ensure} after a {@code run -f} through the launcher's client; one per home (a lock file); ends
 * after the warm pool's idle time with no request (PEAPOD_WARM_POOL_IDLE, 10 minutes by default),
 * and within a second of its socket file being removed or replaced (its home deleted). {@code
 * PEAPOD_RUN_SERVER=0} turns it off.
 *
 * <p>Request: {@code POST /v1/cli/run} with the JSON of {@link HandedRuns.Request} plus {@code
 * "environment"}: the sender's {@code PEAPOD_*} variables and {@code PATH}. Answer: {@link
 * HandedRuns}'s, or 400 with {@code {"detail": ...}}.
 */
public final class RunServer {

  /** The socket in the home. */
  public static final String SOCKET = "run.sock";
  /** Set by the launcher's client for the JVM it starts: that command may start a run server. */
  public static final String CLIENT = "PEAPOD_HANDOFF_CLIENT";
  private static final String LOCK = "run-server.lock";
  /** Variables that say how a command runs, not what Peapod does: not compared. */
  private static final List<String> NOT_COMPARED = List.of("PEAPOD_JAVA_OPTS", CLIENT, "PEAPOD_HANDED_RESPONSE",
      "PEAPOD_LOG_LEVEL", "PEAPOD_HOME"); // the home: the sender found this socket in it
  private static final Duration CHECK = Duration.ofSeconds(1);
  private static final int MAX_REQUEST = 8 << 20;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final CliEnvironment environment;
  private final Path home;
  private final Path socket;
  private final UserPrincipal owner;
  private ImageStore images;

  private RunServer(CliEnvironment environment) throws IOException {
    this.environment = environment;
    this.home = environment.home();
    this.socket = home.resolve(SOCKET);
    this.owner = Files.getOwner(Path.of("/proc/self")); // this process's effective uid
  }

  public static void main(String[] args) throws Exception {
    CliLogging.configure(System.getenv());
    RunServer server = new RunServer(CliEnvironment.system());
    server.serve();
    System.exit(0);
  }

  /** The Peapod settings of an environment, as compared between a command and this process. */
  static Map<String, String> settings(Map<String, String> env) {
    Map<String, String> settings = new TreeMap<>();
    env.forEach((name, value) -> {
      if ((name.startsWith("PEAPOD_") && !NOT_COMPARED.contains(name)) || name.equals("PATH")) {
        settings.put(name, value);
      }
    });
    return settings;
  }

  private void serve() throws IOException, InterruptedException {
    Files.createDirectories(home);
    try (FileChannel lockFile = FileChannel.open(home.resolve(LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock = lockFile.tryLock()) {
      if (lock == null) {
        return; // another run server serves this home
      }
      Files.deleteIfExists(socket); // one a run server that was killed left
      try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
          Selector selector = Selector.open()) {
        // Bound under another name and renamed once private, so no client ever finds it open wider.
        Path bound = home.resolve(SOCKET + "." + ProcessHandle.current().pid() + ".new");
        Files.deleteIfExists(bound);
        server.bind(UnixDomainSocketAddress.of(bound));
        Files.setPosixFilePermissions(bound, PosixFilePermissions.fromString("rw-------"));
        Files.move(bound, socket, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        Object identity = Files.readAttributes(socket, "unix:ino").get("ino");
        System.out.println("run server of " + home + " listening on " + socket + " (process "
            + ProcessHandle.current().pid() + ")");
        warmUp();
        server.configureBlocking(false);
        server.register(selector, SelectionKey.OP_ACCEPT);
        Object build = jarIdentity();
        Duration idle = environment.qemuConfig().warmPool().idle();
        long lastRequest = System.nanoTime();
        while (System.nanoTime() - lastRequest < idle.toNanos()) {
          selector.select(CHECK.toMillis());
          selector.selectedKeys().clear();
          SocketChannel client;
          while ((client = server.accept()) != null) {
            lastRequest = System.nanoTime();
            try (SocketChannel c = client) {
              c.configureBlocking(true);
              answer(c);
            } catch (IOException | RuntimeException e) {
              System.out.println("a request failed: " + e);
            }
          }
          if (!Objects.equals(identity(), identity)) {
            System.out.println("the socket " + socket + " is gone: ending");
            return;
          }
          if (!Objects.equals(jarIdentity(), build)) {
            // Peapod was rebuilt or upgraded: the next command starts a server of the new code.
            System.out.println("its jar changed: ending");
            Files.deleteIfExists(socket);
            return;
          }
        }
        System.out.println("no request for " + idle.toSeconds() + " s: ending");
        // Gone before the listener closes: a client that connects now finds no socket and runs the
        // command itself, instead of a connection reset that would fail it.
        Files.deleteIfExists(socket);
      } finally {
        Files.deleteIfExists(socket);
      }
    }
  }

  /** The jar this runs from, by size and modification time (null when it is no file). */
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
    } catch (RuntimeException e) {
      System.out.println("warm-up: " + e);
    }
  }

  private Object identity() {
    try {
      return Files.readAttributes(socket, "unix:ino").get("ino");
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
    byte[] body = readRequest(channel);
    int status = 200;
    Map<String, Object> answer;
    try {
      Map<String, Object> request = JSON.readValue(body, new TypeReference<LinkedHashMap<String, Object>>() {});
      Object sent = request.remove("environment");
      HandedRuns.Request run = JSON.convertValue(request, HandedRuns.Request.class);
      if (!(sent instanceof Map<?, ?> env) || !settings(stringMap(env)).equals(settings(System.getenv()))) {
        answer = HandedRuns.declined("the command's Peapod settings differ from the run server's");
      } else {
        answer = HandedRuns.run(home, this::engine, run);
      }
    } catch (IOException | IllegalArgumentException e) {
      status = 400;
      answer = Map.of("detail", "a run needs file, content and command: " + e.getMessage());
    }
    byte[] json = JSON.writeValueAsBytes(answer);
    String head = "HTTP/1.1 " + status + (status == 200 ? " OK" : " Bad Request")
        + "\r\nContent-Type: application/json\r\nContent-Length: " + json.length + "\r\nConnection: close\r\n\r\n";
    ByteBuffer out = ByteBuffer.allocate(head.length() + json.length);
    out.put(head.getBytes(StandardCharsets.US_ASCII)).put(json).flip();
    while (out.hasRemaining()) {
      channel.write(out);
    }
  }

  private static Map<String, String> stringMap(Map<?, ?> map) {
    Map<String, String> strings = new TreeMap<>();
    map.forEach((k, v) -> strings.put(String.valueOf(k), String.valueOf(v)));
    return strings;
  }

  /** The body of one HTTP/1.1 request with a Content-Length (what the launcher's client sends). */
  private static byte[] readRequest(SocketChannel channel) throws IOException {
    ByteArrayOutputStream raw = new ByteArrayOutputStream();
    ByteBuffer buffer = ByteBuffer.allocate(16384);
    int headerEnd = -1;
    long length = -1;
    while (true) {
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
      if (raw.size() > MAX_REQUEST + 65536 || channel.read(buffer) < 0) {
        throw new IOException("the request ended early");
      }
      raw.write(buffer.array(), 0, buffer.position());
      buffer.clear();
    }
  }

  private Engine engine(String command) {
    if (images == null) {
      images = LocalImages.open(environment);
    }
    return Engine.withSharedImages(new QemuProvider(environment.qemuConfig()), home, images,
        Engine.fileLocks(home, command), environment.clock());
  }

  /**
   * After a {@code run -f} this command did itself: starts the home's run server unless one runs,
   * a controller serves the home, the command was not started by the launcher's client (no one
   * would talk to it), or {@code PEAPOD_RUN_SERVER=0}. Never fails the command.
   */
  static void ensure(CliEnvironment environment, String[] args) {
    Map<String, String> env = environment.env();
    if (args.length == 0 || !args[0].equals("run") || !(List.of(args).contains("-f") || List.of(args).contains("--file"))
        || env.get(CLIENT) == null || "0".equals(env.get("PEAPOD_RUN_SERVER"))) {
      return;
    }
    Path home = environment.home();
    try {
      if (Files.exists(home.resolve("peapod.sock")) || !Files.isDirectory(home)) {
        return;
      }
      try (FileChannel lockFile = FileChannel.open(home.resolve(LOCK), StandardOpenOption.CREATE,
          StandardOpenOption.WRITE); FileLock probe = lockFile.tryLock()) {
        if (probe == null) {
          return; // it runs
        }
      }
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      String jar = Path.of(RunServer.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
      // As a warm pool keeper is started (DetachedJvm): in the background of a shell that exits at
      // once, in a session of its own, so this command neither waits for it nor is its parent.
      List<String> command = List.of("sh", "-c", "log=$1; shift; \"$@\" </dev/null >>\"$log\" 2>&1 & echo $!", "sh",
          home.resolve("run-server.log").toString(), "setsid", java, "-XX:TieredStopAtLevel=1",
          "-XX:CICompilerCount=1", "-XX:+UseSerialGC", "-Xms8m", "-Xmx128m", "-XX:-UsePerfData", "-Xshare:auto",
          "-cp", jar, RunServer.class.getName());
      ProcessBuilder builder = new ProcessBuilder(command).directory(home.toFile());
      builder.environment().put("PEAPOD_HOME", home.toString()); // absolute: a relative one is the command's directory's
      Process shell = builder
          .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).redirectErrorStream(true).start();
      shell.getInputStream().readAllBytes();
      shell.waitFor(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      System.getLogger(RunServer.class.getName()).log(System.Logger.Level.DEBUG, "no run server: " + e);
    }
  }
}
