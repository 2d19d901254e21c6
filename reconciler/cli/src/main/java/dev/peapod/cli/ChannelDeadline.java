package dev.peapod.cli;

import java.io.IOException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;

/**
 * A wait on a non-blocking socket channel with a deadline: a channel's blocking read or write has no timeout, so the
 * run server (a client that stalls) and the controller's client (a controller that stalls) wait through a selector.
 */
public final class ChannelDeadline {

  private ChannelDeadline() {}

  /**
   * Waits until {@code channel} (non-blocking, registered with no other selector) is ready for {@code operation}
   * ({@link SelectionKey#OP_READ}, {@link SelectionKey#OP_WRITE}), or at most until {@code deadline} ({@link
   * System#nanoTime}); past it, throws {@code late} as an IOException. It may return early: the caller tries again.
   */
  public static void await(SocketChannel channel, Selector selector, int operation, long deadline, String late)
      throws IOException {
    long left = deadline - System.nanoTime();
    if (left <= 0) {
      throw new IOException(late);
    }
    channel.register(selector, operation);
    selector.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
    selector.selectedKeys().clear();
  }
}
