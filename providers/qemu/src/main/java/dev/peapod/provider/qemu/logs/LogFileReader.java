package dev.peapod.provider.qemu.logs;

import dev.peapod.provider.LogQuery;
import dev.peapod.provider.LogRecord;
import dev.peapod.provider.qemu.guest.Fields;
import dev.peapod.provider.qemu.guest.FrameCodec;
import dev.peapod.provider.qemu.guest.MalformedFrameException;
import dev.peapod.provider.qemu.guest.Wire;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * Reads the container log: the byte stream of the guest's "peapod.log" port
 * as the VM's log writer stored it, capped and rotated over a ring of files
 * ({@link RotatedLog}), a sequence of LOG frames (CONTAINER, STREAM, TIME_NS,
 * DATA). Damaged stretches are skipped, the way the guest protocol
 * resynchronises on the next magic.
 *
 * <p>The files are truncated when a VM is launched, so they hold the newest
 * output of the current (or last) boot. A following reader goes on into the
 * next file at each rotation, and notices a truncation and starts over from
 * the beginning of the new boot's output.
 */
public final class LogFileReader {

  private static final System.Logger LOG = System.getLogger(LogFileReader.class.getName());
  private static final Duration POLL = Duration.ofMillis(100);

  private final Path file;
  private final RotatedLog log;

  /** @param file the log's base file; its rotated siblings are read too (see {@link RotatedLog}) */
  public LogFileReader(Path file) {
    this.file = file;
    this.log = new RotatedLog(file);
  }

  /** Every record now in the file, filtered and tailed as {@code query} says, ignoring follow. */
  public List<LogRecord> read(LogQuery query) {
    Cursor cursor = new Cursor();
    List<LogRecord> all = cursor.poll().stream().filter(r -> matches(query, r)).toList();
    return tail(all, query);
  }

  /**
   * The records {@link #read} returns, then with {@link LogQuery#follow()}
   * every new record until the stream is closed or the file's directory is gone.
   */
  public Stream<LogRecord> stream(LogQuery query) {
    if (!query.follow()) {
      return read(query).stream();
    }
    Follower follower = new Follower(query);
    return StreamSupport.stream(follower, false).onClose(follower::close);
  }

  private static boolean matches(LogQuery query, LogRecord r) {
    return query.container().map(c -> c.equals(r.container())).orElse(true);
  }

  /** The last {@code tail} records of each container, keeping the original interleaving. */
  static List<LogRecord> tail(List<LogRecord> records, LogQuery query) {
    if (query.tail().isEmpty()) {
      return records;
    }
    int n = query.tail().getAsInt();
    Map<String, Integer> remaining = new LinkedHashMap<>();
    Deque<LogRecord> kept = new ArrayDeque<>();
    for (int i = records.size() - 1; i >= 0; i--) {
      LogRecord r = records.get(i);
      int left = remaining.getOrDefault(r.container(), n);
      if (left > 0) {
        kept.addFirst(r);
        remaining.put(r.container(), left - 1);
      }
    }
    return new ArrayList<>(kept);
  }

  /** Decodes one LOG frame; anything else in the file is skipped. */
  static LogRecord toRecord(FrameCodec.Complete c) throws MalformedFrameException {
    Fields f = c.frame().fields();
    long ns = f.u64(Wire.F_TIME_NS).orElse(0);
    return new LogRecord(
        f.str(Wire.F_CONTAINER).orElse(""),
        f.u32(Wire.F_STREAM).orElse(Wire.STREAM_STDOUT) == Wire.STREAM_STDERR
            ? LogRecord.Stream.STDERR : LogRecord.Stream.STDOUT,
        Instant.ofEpochSecond(ns / 1_000_000_000L, ns % 1_000_000_000L),
        f.bytes(Wire.F_DATA).orElse(new byte[0]));
  }

  /**
   * Reads the log incrementally from where it last stopped: the file it was in from its last
   * position, then each newer file of the ring from its start (see {@link RotatedLog}). The bytes
   * of the ring in order are one stream, so a frame cut by a rotation is decoded whole.
   */
  private final class Cursor {
    private FrameCodec codec = new FrameCodec();
    private Path current;
    private long position;

    /** The records completed by bytes appended since the last poll. */
    List<LogRecord> poll() {
      List<LogRecord> out = new ArrayList<>();
      List<Path> order = log.oldestFirst();
      int i = current == null ? -1 : order.indexOf(current);
      if (i < 0 || size(current) < position) {
        // First poll, or the file shrank: a new boot started writing (all files truncated at launch),
        // or this reader fell a whole ring behind. Start over with the oldest file.
        codec = new FrameCodec();
        i = 0;
        current = order.get(0);
        position = 0;
      }
      read(out);
      while (i < order.size() - 1) {
        current = order.get(++i);
        position = 0;
        read(out);
      }
      return out;
    }

    private void read(List<LogRecord> out) {
      try (FileChannel ch = FileChannel.open(current, StandardOpenOption.READ)) {
        ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
        int n;
        while ((n = ch.read(buf.clear(), position)) > 0) {
          position += n;
          codec.feed(buf.array(), 0, n);
          drain(out);
        }
      } catch (NoSuchFileException e) {
        // not written yet
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read container log " + current, e);
      }
    }

    private long size(Path file) {
      try {
        return java.nio.file.Files.size(file);
      } catch (IOException e) {
        return 0;
      }
    }

    private void drain(List<LogRecord> out) {
      for (var item = codec.next(); item.isPresent(); item = codec.next()) {
        if (item.get() instanceof FrameCodec.Complete c && c.frame().type() == Wire.MSG_LOG) {
          try {
            out.add(toRecord(c));
          } catch (MalformedFrameException e) {
            LOG.log(System.Logger.Level.WARNING, "skipping a damaged record in " + file + ": " + e.getMessage());
          }
        } else {
          LOG.log(System.Logger.Level.DEBUG, "skipping " + item.get() + " in " + current);
        }
      }
    }
  }

  /** Emits the tailed backlog, then polls the file for growth. */
  private final class Follower extends Spliterators.AbstractSpliterator<LogRecord> {
    private final LogQuery query;
    private final Cursor cursor = new Cursor();
    private final Deque<LogRecord> ready = new ArrayDeque<>();
    private volatile boolean closed;

    Follower(LogQuery query) {
      super(Long.MAX_VALUE, Spliterator.ORDERED | Spliterator.NONNULL);
      this.query = query;
      ready.addAll(tail(cursor.poll().stream().filter(r -> matches(query, r)).toList(), query));
    }

    @Override
    public boolean tryAdvance(Consumer<? super LogRecord> action) {
      while (ready.isEmpty()) {
        if (closed || !java.nio.file.Files.isDirectory(file.getParent())) {
          return false;
        }
        sleep();
        cursor.poll().stream().filter(r -> matches(query, r)).forEach(ready::add);
      }
      action.accept(ready.poll());
      return true;
    }

    void close() {
      closed = true;
    }

    private void sleep() {
      try {
        Thread.sleep(POLL.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        closed = true;
      }
    }
  }
}
