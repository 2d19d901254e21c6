package dev.peapod.provider.qemu.guest;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.function.BooleanSupplier;

/**
 * A guest process's stdin as an {@link OutputStream}: writes go as STDIN frames of at most one
 * data chunk, close sends end-of-input. For an exec'd process and for an attached main process.
 */
final class GuestStdin extends OutputStream {
  private final GuestConnection connection;
  private final String process;
  private final BooleanSupplier ended;
  private boolean closed;
  private volatile GuestErrorException broken;

  /** @param ended whether the process's end is known: nothing is sent for it after that */
  GuestStdin(GuestConnection connection, String process, BooleanSupplier ended) {
    this.connection = connection;
    this.process = process;
    this.ended = ended;
  }

  /** Later writes fail with the guest's reason. */
  void broken(GuestErrorException error) {
    broken = error;
  }

  @Override
  public void write(int b) throws IOException {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public synchronized void write(byte[] b, int off, int len) throws IOException {
    if (closed) {
      throw new IOException("stdin of " + process + " is closed");
    }
    if (ended.getAsBoolean()) {
      throw new IOException(process + " has exited"); // as a pipe to an exited process: EPIPE
    }
    if (broken != null) {
      throw new IOException(broken.getMessage(), broken);
    }
    for (int pos = off; pos < off + len; pos += Wire.MAX_DATA_CHUNK) {
      int n = Math.min(Wire.MAX_DATA_CHUNK, off + len - pos);
      send(Arrays.copyOfRange(b, pos, pos + n));
    }
  }

  @Override
  public synchronized void close() throws IOException {
    if (!closed) {
      closed = true;
      if (!ended.getAsBoolean() && broken == null) {
        send(new byte[0]);
      }
    }
  }

  private void send(byte[] data) throws IOException {
    try {
      connection.post(Wire.MSG_STDIN,
          Fields.builder().str(Wire.F_PROCESS, process).bytes(Wire.F_DATA, data).build());
    } catch (GuestException e) {
      throw new IOException(e.getMessage(), e);
    }
  }
}
