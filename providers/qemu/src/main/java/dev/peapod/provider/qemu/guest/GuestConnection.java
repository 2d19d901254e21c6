package dev.peapod.provider.qemu.guest;

import java.io.IOException;
import java.net.ConnectException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A client of guest-init's control port ("peapod.ctl"), reached through the
 * unix socket QEMU serves for it.
 *
 * <p>One reader thread decodes everything the guest sends and dispatches it:
 * replies (OK, ERROR, READY) complete the request with the same seq, events
 * go to the {@link GuestListener} and are then acknowledged, and exec streams
 * go to the {@link ProcessSink} registered for their process id. Writes from
 * any thread are serialised.
 *
 * <p>QEMU's socket chardev serves one client at a time, so a VM has at most
 * one working connection: a second client connects but hears nothing until
 * the first leaves. {@link #open} therefore fails with a hint when HELLO goes
 * unanswered.
 */
public final class GuestConnection implements AutoCloseable {

  private static final System.Logger LOG = System.getLogger(GuestConnection.class.getName());
  private static final Duration CONNECT_RETRY = Duration.ofMillis(20);
  /** guest-init's errno values for a finished process, its closed stdin and its closed terminal. */
  private static final int ESRCH = 3;
  private static final int EPIPE = 32;
  private static final int ENOTTY = 25;
  /**
   * HELLO is sent again this often until READY comes. A host that attaches while
   * the guest is still settling the previous host's detach can lose its first
   * HELLO (seen under heavy load); a later one reaches a guest that has resynced.
   */
  private static final Duration HELLO_RETRY = Duration.ofSeconds(2);

  private final SocketChannel channel;
  private final String label;
  private final GuestListener listener;
  private final Object writeLock = new Object();
  private final AtomicInteger nextSeq = new AtomicInteger(1);
  private final Map<Integer, Pending> pending = new ConcurrentHashMap<>();
  private final Map<String, ProcessSink> processes = new ConcurrentHashMap<>();
  private final EndedProcesses ended = new EndedProcesses();
  private final AtomicLong highestEventSeq = new AtomicLong();
  private final Thread reader;
  private volatile boolean closed;
  private volatile GuestInfo info;

  /** A request waiting for its reply. */
  private record Pending(String request, CompletableFuture<Frame> reply) {}

  private GuestConnection(SocketChannel channel, String label, GuestListener listener) {
    this.channel = channel;
    this.label = label;
    this.listener = listener;
    this.reader = new Thread(this::readLoop, "peapod-guest-" + label);
    this.reader.setDaemon(true);
  }

  /**
   * Connects to the socket (retrying while QEMU has not created it or does not
   * accept yet), sends HELLO and waits for READY, all within {@code timeout}.
   *
   * @param label names the VM in thread names and messages, e.g. the pod name
   */
  public static GuestConnection open(Path socket, String label, GuestListener listener, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    SocketChannel channel = connect(socket, deadline);
    GuestConnection connection = new GuestConnection(channel, label, listener);
    connection.reader.start();
    try {
      connection.hello(Duration.ofNanos(Math.max(deadline - System.nanoTime(), 0)), socket);
      return connection;
    } catch (RuntimeException e) {
      connection.close();
      throw e;
    }
  }

  private static SocketChannel connect(Path socket, long deadline) {
    IOException last = null;
    do {
      SocketChannel ch = null;
      try {
        return dev.peapod.provider.qemu.runtime.VmSockets.connect(socket);
      } catch (NoSuchFileException | ConnectException e) {
        last = e;
        closeQuietly(ch);
        sleep(CONNECT_RETRY);
      } catch (IOException e) {
        closeQuietly(ch);
        throw new GuestException("cannot connect to the guest control socket " + socket + ": " + e, e);
      }
    } while (System.nanoTime() < deadline);
    throw new GuestException("guest control socket " + socket + " did not accept a connection in time", last);
  }

  private void hello(Duration timeout, Path socket) {
    long deadline = System.nanoTime() + timeout.toNanos();
    Frame ready = null;
    while (ready == null) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new GuestException("guest-init did not answer HELLO on " + socket + " within "
            + timeout.toMillis() + " ms (still booting, hung, or another Peapod process holds the"
            + " control socket)");
      }
      CompletableFuture<Frame> reply =
          send(Wire.MSG_HELLO, Fields.builder().u32(Wire.F_VERSION, Wire.VERSION).build());
      try {
        ready = reply.get(Math.min(left, HELLO_RETRY.toNanos()), TimeUnit.NANOSECONDS);
      } catch (TimeoutException e) {
        // not answered yet: ask again
      } catch (ExecutionException e) {
        throw unwrap(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new GuestException("interrupted while waiting for READY", e);
      }
    }
    if (ready.type() != Wire.MSG_READY) {
      throw new GuestException("guest answered HELLO with " + Wire.typeName(ready.type()) + " instead of READY");
    }
    GuestInfo guest = GuestInfo.from(decode(ready));
    if (guest.version() != Wire.VERSION) {
      throw new GuestException("guest-init speaks protocol version " + guest.version()
          + ", this host speaks " + Wire.VERSION);
    }
    this.info = guest;
  }

  /** What the guest reported in READY. */
  public GuestInfo info() {
    return info;
  }

  public boolean isOpen() {
    return !closed && channel.isOpen();
  }

  /**
   * Sends a request and returns its reply: the OK frame, or an exceptional
   * completion with {@link GuestErrorException} for ERROR and
   * {@link GuestException} when the connection ends first.
   */
  public CompletableFuture<Frame> send(int type, Fields fields) {
    int seq = nextSeq.getAndIncrement();
    Pending p = new Pending(Wire.typeName(type), new CompletableFuture<>());
    pending.put(seq, p);
    try {
      write(FrameCodec.encode(Frame.of(type, seq, fields)));
    } catch (GuestException e) {
      pending.remove(seq);
      p.reply.completeExceptionally(e);
    }
    return p.reply;
  }

  /** Sends a request and waits for its OK reply's fields. */
  public Fields call(int type, Fields fields, Duration timeout) {
    return await(type, send(type, fields), timeout);
  }

  /**
   * Waits for the reply of a request of {@code type} that {@link #send} sent, as {@link #call} does:
   * for a caller that does other work while the guest does its part.
   */
  public Fields await(int type, CompletableFuture<Frame> reply, Duration timeout) {
    try {
      return decode(reply.get(timeout.toNanos(), TimeUnit.NANOSECONDS));
    } catch (TimeoutException e) {
      throw new GuestException("no reply to " + Wire.typeName(type) + " from the guest of " + label
          + " within " + timeout.toMillis() + " ms");
    } catch (ExecutionException e) {
      throw unwrap(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new GuestException("interrupted while waiting for " + Wire.typeName(type), e);
    }
  }

  /**
   * Sends a message that is answered only when it fails (ACK_EVENTS, STDIN,
   * WINSIZE); such an ERROR reaches the process's sink if it names one.
   */
  public void post(int type, Fields fields) {
    write(FrameCodec.encode(Frame.of(type, nextSeq.getAndIncrement(), fields)));
  }

  /** Takes a seq number for a frame built by hand (see {@link #sendRaw}). */
  public int reserveSeq() {
    return nextSeq.getAndIncrement();
  }

  /**
   * Writes bytes exactly as given, without framing, and returns the reply to
   * {@code seq} (from {@link #reserveSeq}), which the bytes' header should
   * carry. For protocol tests and diagnostics: malformed or unknown frames must
   * be answered with ERROR and must not break the session.
   */
  public CompletableFuture<Frame> sendRaw(int seq, byte[] bytes) {
    Pending p = new Pending("raw frame " + seq, new CompletableFuture<>());
    pending.put(seq, p);
    try {
      write(bytes);
    } catch (GuestException e) {
      pending.remove(seq);
      p.reply.completeExceptionally(e);
    }
    return p.reply;
  }

  /** Routes STDOUT, STDERR, exits and errors of {@code process} to {@code sink} until unregistered. */
  void register(String process, ProcessSink sink) {
    if (processes.putIfAbsent(process, sink) != null) {
      throw new IllegalStateException("process id " + process + " is already in use");
    }
  }

  void unregister(String process) {
    if (processes.remove(process) != null) {
      ended.add(process);
    }
  }

  private void write(byte[] bytes) {
    synchronized (writeLock) {
      if (closed) {
        throw new GuestException("connection to the guest of " + label + " is closed");
      }
      try {
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        while (buf.hasRemaining()) {
          channel.write(buf);
        }
      } catch (IOException e) {
        GuestException error = new GuestException("writing to the guest of " + label + " failed: " + e, e);
        shutdown(error);
        throw error;
      }
    }
  }

  private void readLoop() {
    FrameCodec codec = new FrameCodec();
    ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
    Throwable cause = null;
    try {
      while (channel.read(buf.clear()) >= 0) {
        codec.feed(buf.array(), 0, buf.position());
        for (var item = codec.next(); item.isPresent(); item = codec.next()) {
          handle(item.get());
        }
      }
      cause = new GuestException("the guest of " + label + " closed the control connection");
    } catch (IOException e) {
      cause = closed ? null : new GuestException("reading from the guest of " + label + " failed: " + e, e);
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.ERROR, "guest connection " + label + " reader failed", e);
      cause = e;
    }
    shutdown(cause);
  }

  private void handle(FrameCodec.Item item) {
    if (item instanceof FrameCodec.Complete c) {
      dispatch(c.frame());
    } else {
      LOG.log(System.Logger.Level.WARNING, "guest " + label + " sent a malformed stream: " + item);
    }
  }

  private void dispatch(Frame frame) {
    Fields fields;
    try {
      fields = frame.fields();
    } catch (MalformedFrameException e) {
      LOG.log(System.Logger.Level.WARNING, "guest " + label + " sent a malformed " + frame + ": " + e.getMessage());
      Pending p = frame.seq() == 0 ? null : pending.remove(frame.seq());
      if (p != null) {
        p.reply.completeExceptionally(new GuestException("malformed reply to " + p.request + ": " + e.getMessage()));
      }
      return;
    }
    switch (frame.type()) {
      case Wire.MSG_OK, Wire.MSG_READY -> reply(frame, fields);
      case Wire.MSG_ERROR -> error(frame, fields);
      case Wire.MSG_EVENT_STARTED, Wire.MSG_EVENT_EXITED -> event(GuestEvent.from(frame, fields));
      case Wire.MSG_STDOUT, Wire.MSG_STDERR -> stream(frame.type(), fields);
      default -> LOG.log(System.Logger.Level.DEBUG, "guest " + label + " sent unexpected " + frame);
    }
  }

  private void reply(Frame frame, Fields fields) {
    Pending p = frame.seq() == 0 ? null : pending.remove(frame.seq());
    if (p != null) {
      p.reply.complete(frame);
    } else if (frame.type() != Wire.MSG_READY) {
      // READY with seq 0 is the boot announcement, which is expected and carries nothing new.
      LOG.log(System.Logger.Level.DEBUG, "guest " + label + " sent unmatched " + frame + " " + fields);
    }
  }

  private void error(Frame frame, Fields fields) {
    Pending p = frame.seq() == 0 ? null : pending.remove(frame.seq());
    if (p != null) {
      p.reply.completeExceptionally(GuestErrorException.from(p.request, fields));
      return;
    }
    GuestErrorException e = GuestErrorException.from("a one-way message", fields);
    ProcessSink sink = e.process().map(processes::get).orElse(null);
    if (sink != null) {
      sink.messageFailed(e);
    }
    // A resize or stdin sent while a process exits meets a closed terminal or stdin, or no process
    // at all: guest-init answers at once, while the EXITED event may still be queued behind other
    // output, so the answer can come before or after the exit. That is expected, and the stderr of
    // `peapod exec` belongs to the user's command: such failures are logged at debug level only.
    boolean aroundTheExit = sink != null ? e.code() == ESRCH || e.code() == EPIPE || e.code() == ENOTTY
        : e.process().filter(ended::contains).isPresent();
    if (aroundTheExit) {
      LOG.log(System.Logger.Level.DEBUG, "guest " + label + ": late failure around the exit of "
          + e.process().get() + ": " + e.getMessage());
    } else {
      LOG.log(System.Logger.Level.WARNING, "guest " + label + ": " + e.getMessage());
    }
  }

  private void event(GuestEvent event) {
    // A main process's events go to the listener, and its exit also to an attach session on it
    // (registered under the container's name, which is the main process's id).
    ProcessSink sink = processes.get(event.process());
    if (sink != null && !event.isMainProcess()) {
      if (event.exited()) {
        sink.exited(event.exitCode());
      }
    } else {
      try {
        listener.onEvent(event);
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.WARNING, "guest event listener of " + label + " failed", e);
      }
      if (sink != null && event.exited()) {
        sink.exited(event.exitCode());
      }
    }
    if (event.seq() > highestEventSeq.get()) {
      highestEventSeq.set(event.seq());
      try {
        post(Wire.MSG_ACK_EVENTS, Fields.builder().u64(Wire.F_EVENT_SEQ, event.seq()).build());
      } catch (GuestException e) {
        // The connection is going down; the guest re-sends unacknowledged events to the next one.
      }
    }
  }

  private void stream(int type, Fields fields) {
    String process = fields.str(Wire.F_PROCESS).orElse("");
    ProcessSink sink = processes.get(process);
    if (sink == null) {
      return; // output of an exec whose session is gone
    }
    byte[] data = fields.bytes(Wire.F_DATA).orElse(new byte[0]);
    if (type == Wire.MSG_STDOUT) {
      sink.stdout(data);
    } else {
      sink.stderr(data);
    }
  }

  /**
   * The ids of the exec'd processes that ended most recently, so that a failure the guest reports
   * for one after its exit is known as late rather than as unexplained. Bounded: an id is only
   * needed for the round trip of the messages in flight when its process exited.
   */
  private static final class EndedProcesses {
    private static final int REMEMBERED = 256;
    private final Map<String, Boolean> ids = new java.util.LinkedHashMap<>() {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
        return size() > REMEMBERED;
      }
    };

    synchronized void add(String process) {
      ids.put(process, Boolean.TRUE);
    }

    synchronized boolean contains(String process) {
      return ids.containsKey(process);
    }
  }

  /** Ends the connection once: fails waiting requests and exec sessions, then tells the listener. */
  private void shutdown(Throwable cause) {
    synchronized (writeLock) {
      if (closed) {
        return;
      }
      closed = true;
    }
    closeQuietly(channel);
    GuestException error = cause instanceof GuestException g ? g
        : new GuestException("connection to the guest of " + label + " closed", cause);
    pending.values().forEach(p -> p.reply.completeExceptionally(error));
    pending.clear();
    processes.values().forEach(s -> s.failed(error));
    processes.clear();
    listener.onClosed(cause);
  }

  /** Closes the connection; the VM and its processes are not affected. */
  @Override
  public void close() {
    shutdown(null);
    if (Thread.currentThread() != reader) {
      try {
        reader.join(1000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private static Fields decode(Frame frame) {
    try {
      return frame.fields();
    } catch (MalformedFrameException e) {
      throw new GuestException("malformed " + frame + " from the guest: " + e.getMessage());
    }
  }

  private static GuestException unwrap(ExecutionException e) {
    return e.getCause() instanceof GuestException g ? g
        : new GuestException("guest request failed: " + e.getCause(), e.getCause());
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new GuestException("interrupted while connecting to the guest", e);
    }
  }

  private static void closeQuietly(SocketChannel ch) {
    if (ch != null) {
      try {
        ch.close();
      } catch (IOException ignored) {
        // nothing left to do with a socket we are discarding
      }
    }
  }
}
