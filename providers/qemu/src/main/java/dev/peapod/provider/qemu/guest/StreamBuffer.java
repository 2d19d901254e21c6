package dev.peapod.provider.qemu.guest;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayDeque;

/**
 * A bounded byte queue read as an {@link InputStream}. The connection's
 * reader thread must never block on a slow consumer (that would stall every
 * reply of the VM), so unlike a {@code PipedInputStream} writes never wait;
 * and since the guest is hostile, what it queues is bounded: data beyond
 * {@code limit} unread bytes is dropped, the buffer is marked overflowed and
 * {@code onOverflow} runs once (on the writer's thread: it must not block).
 * The reader gets every byte queued before the overflow, then an IOException
 * that says what was lost.
 */
final class StreamBuffer extends InputStream {

  private final ArrayDeque<byte[]> chunks = new ArrayDeque<>();
  private final long limit;
  private final String overflowMessage;
  private final Runnable onOverflow;
  private long queued;
  private int offset;
  private boolean finished;
  private boolean closed;
  private boolean overflowed;

  /** An unbounded buffer (for tests and trusted writers). */
  StreamBuffer() {
    this(Long.MAX_VALUE, "", () -> {});
  }

  /**
   * @param limit most bytes queued and not yet read
   * @param overflowMessage the reader's error once data was dropped
   * @param onOverflow run once, on the first write that does not fit
   */
  StreamBuffer(long limit, String overflowMessage, Runnable onOverflow) {
    this.limit = limit;
    this.overflowMessage = overflowMessage;
    this.onOverflow = onOverflow;
  }

  /** Appends data for the reader, or drops it (and everything after it) once it would exceed the limit. */
  void write(byte[] data) {
    boolean first;
    synchronized (this) {
      if (data.length == 0 || finished || closed || overflowed) {
        return;
      }
      if (queued + data.length - offset <= limit) {
        chunks.add(data);
        queued += data.length;
        notifyAll();
        return;
      }
      overflowed = true;
      first = true;
      notifyAll();
    }
    if (first) {
      onOverflow.run();
    }
  }

  /** Bytes queued and not yet read. */
  synchronized long queued() {
    return queued - offset;
  }

  /** Whether data was dropped because the reader did not keep up. */
  synchronized boolean overflowed() {
    return overflowed;
  }

  /** Marks end of stream: reads return -1 once the queued data is consumed. */
  synchronized void finish() {
    finished = true;
    notifyAll();
  }

  @Override
  public synchronized int read() throws IOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xFF;
  }

  @Override
  public synchronized int read(byte[] b, int off, int len) throws IOException {
    if (len == 0) {
      return 0;
    }
    while (chunks.isEmpty() && !finished && !closed && !overflowed) {
      try {
        wait();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new java.io.InterruptedIOException("interrupted while waiting for process output");
      }
    }
    if (chunks.isEmpty()) {
      if (overflowed && !closed) {
        throw new IOException(overflowMessage);
      }
      return -1;
    }
    byte[] head = chunks.peek();
    int n = Math.min(len, head.length - offset);
    System.arraycopy(head, offset, b, off, n);
    offset += n;
    if (offset == head.length) {
      chunks.poll();
      queued -= head.length;
      offset = 0;
    }
    return n;
  }

  @Override
  public synchronized int available() {
    return (int) Math.min(Integer.MAX_VALUE, queued - offset);
  }

  @Override
  public synchronized void close() {
    closed = true;
    chunks.clear();
    queued = 0;
    offset = 0;
    notifyAll();
  }
}
