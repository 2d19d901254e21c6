package dev.peapod.images.registry;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.SocketTimeoutException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A response body read as an InputStream in which every read waits at most an idle timeout
 * for data. HttpClient's request timeout ends when the headers arrive; a registry (or a proxy,
 * or a CDN it redirected to) that then stops sending would block a plain
 * {@code BodyHandlers.ofInputStream()} read for ever, and with it the pull and the pod lock
 * of the command that pulls. A read that waits longer fails with a
 * {@link SocketTimeoutException} carrying the message given, and the transfer is cancelled.
 *
 * <p>Flow control as HttpClient's own stream does it: one list of buffers is requested
 * ahead of the reader, so at most two are held.
 */
final class IdleTimeoutBody extends InputStream implements HttpResponse.BodySubscriber<InputStream> {
  private static final Object END = new Object();

  private final Duration idle;
  private final String stalled;
  private final BlockingQueue<Object> queue = new LinkedBlockingQueue<>();
  private Flow.Subscription subscription; // guarded by this
  private boolean closed; // guarded by this
  private Iterator<ByteBuffer> buffers = Collections.emptyIterator();
  private ByteBuffer current;
  private boolean ended;

  /**
   * @param stalled the message of the timeout, naming what was read from where and the timeout,
   *     e.g. "registry.example sent no data of blob sha256:.. for 30 s"
   */
  IdleTimeoutBody(Duration idle, String stalled) {
    this.idle = idle;
    this.stalled = stalled;
  }

  /** A body handler whose bodies are read with this idle timeout. */
  static HttpResponse.BodyHandler<InputStream> handler(Duration idle, String stalled) {
    return info -> new IdleTimeoutBody(idle, stalled);
  }

  // ---- the subscriber side, called by HttpClient's threads

  @Override
  public CompletionStage<InputStream> getBody() {
    return CompletableFuture.completedFuture(this); // readable at once; reads wait for data
  }

  @Override
  public void onSubscribe(Flow.Subscription s) {
    boolean cancel;
    synchronized (this) {
      subscription = s;
      cancel = closed;
    }
    if (cancel) {
      s.cancel();
    } else {
      s.request(1);
    }
  }

  @Override
  public void onNext(List<ByteBuffer> item) {
    queue.add(item);
  }

  @Override
  public void onError(Throwable error) {
    queue.add(error);
  }

  @Override
  public void onComplete() {
    queue.add(END);
  }

  // ---- the reader side

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    java.util.Objects.checkFromIndexSize(off, len, b.length);
    if (len == 0) {
      return 0;
    }
    if (!ready()) {
      return -1;
    }
    int n = Math.min(len, current.remaining());
    current.get(b, off, n);
    return n;
  }

  @Override
  public int available() {
    return current == null ? 0 : current.remaining();
  }

  /** Makes {@code current} hold data; false at the end of the body. */
  private boolean ready() throws IOException {
    while (current == null || !current.hasRemaining()) {
      synchronized (this) {
        if (closed) {
          throw new IOException("stream closed");
        }
      }
      if (ended) {
        return false;
      }
      if (buffers.hasNext()) {
        current = buffers.next();
        continue;
      }
      Object item;
      try {
        item = queue.poll(idle.toNanos(), TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while reading: " + stalled);
      }
      if (item == null) {
        close();
        throw new SocketTimeoutException(stalled);
      }
      if (item == END) {
        ended = true;
      } else if (item instanceof Throwable error) {
        ended = true;
        throw error instanceof IOException io ? io : new IOException(error.getMessage(), error);
      } else {
        @SuppressWarnings("unchecked")
        List<ByteBuffer> list = (List<ByteBuffer>) item;
        buffers = list.iterator();
        requestMore();
      }
    }
    return true;
  }

  private void requestMore() {
    Flow.Subscription s;
    synchronized (this) {
      s = subscription;
    }
    if (s != null) {
      s.request(1);
    }
  }

  /** Stops the transfer: the connection is not reused for a body read only in part. */
  @Override
  public void close() {
    Flow.Subscription s;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      s = subscription;
    }
    if (s != null && !ended) {
      s.cancel();
    }
    queue.clear();
  }
}
