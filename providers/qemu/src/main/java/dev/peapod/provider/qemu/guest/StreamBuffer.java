package dev.peapod.provider.qemu.guest;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayDeque;

/**
 * An unbounded byte queue read as an {@link InputStream}. The connection's
 * reader thread must never block on a slow consumer (that would stall every
 * reply of the VM), so unlike a {@code PipedInputStream} writes always succeed
 * at once; the consumer is expected to drain it.
 */
final class StreamBuffer extends InputStream {

  private final ArrayDeque<byte[]> chunks = new ArrayDeque<>();
  private int offset;
  private boolean finished;
  private boolean closed;

  /** Appends data for the reader. */
  synchronized void write(byte[] data) {
    if (data.length > 0 && !finished && !closed) {
      chunks.add(data);
      notifyAll();
    }
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
    while (chunks.isEmpty() && !finished && !closed) {
      try {
        wait();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new java.io.InterruptedIOException("interrupted while waiting for process output");
      }
    }
    if (chunks.isEmpty()) {
      return -1;
    }
    byte[] head = chunks.peek();
    int n = Math.min(len, head.length - offset);
    System.arraycopy(head, offset, b, off, n);
    offset += n;
    if (offset == head.length) {
      chunks.poll();
      offset = 0;
    }
    return n;
  }

  @Override
  public synchronized int available() {
    return chunks.stream().mapToInt(c -> c.length).sum() - offset;
  }

  @Override
  public synchronized void close() {
    closed = true;
    chunks.clear();
    notifyAll();
  }
}
