package dev.peapod.provider.qemu.guest;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A scripted guest-init on a unix socket, for testing the host side without
 * a VM: it answers HELLO with READY itself, records every other frame, and
 * lets the test send whatever it wants back.
 */
final class FakeGuest implements AutoCloseable {

  private final ServerSocketChannel server;
  private final BlockingQueue<Frame> received = new LinkedBlockingQueue<>();
  private volatile SocketChannel client;
  private final Thread acceptor;

  FakeGuest(Path socket) throws IOException {
    server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(socket));
    acceptor = new Thread(this::serve, "fake-guest");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  private void serve() {
    try {
      client = server.accept();
      FrameCodec codec = new FrameCodec();
      ByteBuffer buf = ByteBuffer.allocate(65536);
      while (client.read(buf.clear()) >= 0) {
        codec.feed(buf.array(), 0, buf.position());
        for (var item = codec.next(); item.isPresent(); item = codec.next()) {
          if (item.get() instanceof FrameCodec.Complete c) {
            if (c.frame().type() == Wire.MSG_HELLO) {
              send(Frame.of(Wire.MSG_READY, c.frame().seq(), Fields.builder().u32(Wire.F_VERSION, 1)
                  .str(Wire.F_BOOT_ID, "boot-1").str(Wire.F_KERNEL, "6.1").build()));
            } else {
              received.add(c.frame());
            }
          }
        }
      }
    } catch (IOException e) {
      // test over
    }
  }

  /** The next frame the host sent (other than HELLO). */
  Frame take() throws InterruptedException {
    Frame f = received.poll(5, TimeUnit.SECONDS);
    if (f == null) {
      throw new AssertionError("the host sent nothing within 5 s");
    }
    return f;
  }

  /** The next frame the host sent, or null if it sent none within {@code millis}. */
  Frame poll(long millis) throws InterruptedException {
    return received.poll(millis, TimeUnit.MILLISECONDS);
  }

  void send(Frame frame) throws IOException {
    synchronized (this) {
      ByteBuffer buf = ByteBuffer.wrap(FrameCodec.encode(frame));
      while (buf.hasRemaining()) {
        client.write(buf);
      }
    }
  }

  /** Drops the client connection, as a guest reboot or QEMU exit would. */
  void hangUp() throws IOException {
    client.close();
  }

  @Override
  public void close() throws IOException {
    server.close();
    if (client != null) {
      client.close();
    }
  }
}
