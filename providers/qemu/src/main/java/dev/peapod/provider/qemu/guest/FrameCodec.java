package dev.peapod.provider.qemu.guest;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Optional;

/**
 * Encodes frames, and decodes a byte stream into frames incrementally: bytes
 * go in with {@link #feed} in whatever chunks the transport delivers, items
 * come out with {@link #next}. Pure and single-threaded; one instance per
 * stream.
 *
 * <p>Damage is reported, not thrown, because the stream must go on: input with
 * a wrong magic or version is skipped up to the next magic (one
 * {@link Garbage} item per skipped run), and a frame announcing more than
 * {@link Wire#MAX_PAYLOAD} bytes is reported as {@link Oversized} and its
 * payload skipped as it arrives, as proto.h prescribes for both sides.
 */
public final class FrameCodec {

  /** What the decoder found next in the stream. */
  public sealed interface Item permits Complete, Garbage, Oversized {}

  /** A well-formed frame (its payload is not decoded yet). */
  public record Complete(Frame frame) implements Item {}

  /** {@code bytes} of input that did not start a frame of this protocol version. */
  public record Garbage(int bytes, String reason) implements Item {}

  /** A frame header announcing {@code length} > {@link Wire#MAX_PAYLOAD}; its payload is skipped. */
  public record Oversized(int type, int seq, long length) implements Item {}

  private byte[] buf = new byte[64 * 1024];
  private int start;
  private int end;
  /** Payload bytes of an oversized frame still to be dropped. */
  private long skipping;
  /** Bytes of garbage seen since the last good header, reported once a header or the end is found. */
  private int garbage;
  private String garbageReason = "";

  /** Encodes one frame: header plus payload. */
  public static byte[] encode(Frame frame) {
    byte[] payload = frame.payload();
    if (payload.length > Wire.MAX_PAYLOAD) {
      throw new IllegalArgumentException(
          "payload of " + payload.length + " bytes exceeds the protocol's " + Wire.MAX_PAYLOAD);
    }
    ByteBuffer out = ByteBuffer.allocate(Wire.HEADER_SIZE + payload.length);
    out.putShort((short) Wire.MAGIC).put((byte) Wire.VERSION).put((byte) 0)
        .putShort((short) frame.type()).putShort((short) 0)
        .putInt(frame.seq()).putInt(payload.length).put(payload);
    return out.array();
  }

  /** Appends input. */
  public void feed(byte[] data, int off, int len) {
    if (skipping > 0) {
      int drop = (int) Math.min(skipping, len);
      skipping -= drop;
      off += drop;
      len -= drop;
    }
    ensureRoom(len);
    System.arraycopy(data, off, buf, end, len);
    end += len;
  }

  public void feed(byte[] data) {
    feed(data, 0, data.length);
  }

  /** Bytes fed but not yet returned as an item (a partial frame, or a possible magic). */
  public int buffered() {
    return end - start;
  }

  /** The next item, or empty when more input is needed. */
  public Optional<Item> next() {
    while (end - start >= 2) {
      if (!atMagic(start)) {
        skipGarbage(1, "bad magic");
        continue;
      }
      if (end - start < Wire.HEADER_SIZE) {
        return flushGarbage();
      }
      ByteBuffer h = ByteBuffer.wrap(buf, start, Wire.HEADER_SIZE);
      h.getShort();
      int version = Byte.toUnsignedInt(h.get());
      if (version != Wire.VERSION) {
        // Skip one byte only: the next magic may overlap this one.
        skipGarbage(1, "unsupported version " + version);
        continue;
      }
      Optional<Item> pendingGarbage = flushGarbage();
      if (pendingGarbage.isPresent()) {
        return pendingGarbage;
      }
      h.get();
      int type = Short.toUnsignedInt(h.getShort());
      h.getShort();
      int seq = h.getInt();
      long length = Integer.toUnsignedLong(h.getInt());
      if (length > Wire.MAX_PAYLOAD) {
        start += Wire.HEADER_SIZE;
        long have = Math.min(length, end - start);
        start += (int) have;
        skipping = length - have;
        return Optional.of(new Oversized(type, seq, length));
      }
      if (end - start < Wire.HEADER_SIZE + length) {
        return Optional.empty();
      }
      int payloadStart = start + Wire.HEADER_SIZE;
      byte[] payload = Arrays.copyOfRange(buf, payloadStart, payloadStart + (int) length);
      start = payloadStart + (int) length;
      return Optional.of(new Complete(new Frame(type, seq, payload)));
    }
    // A lone trailing byte may be the first half of a magic; anything else is garbage.
    if (end - start == 1 && Byte.toUnsignedInt(buf[start]) != (Wire.MAGIC >> 8)) {
      skipGarbage(1, "bad magic");
    }
    return flushGarbage();
  }

  private boolean atMagic(int pos) {
    return Byte.toUnsignedInt(buf[pos]) == (Wire.MAGIC >> 8)
        && Byte.toUnsignedInt(buf[pos + 1]) == (Wire.MAGIC & 0xFF);
  }

  private void skipGarbage(int n, String reason) {
    if (garbage == 0) {
      garbageReason = reason;
    }
    garbage += n;
    start += n;
  }

  private Optional<Item> flushGarbage() {
    if (garbage == 0) {
      return Optional.empty();
    }
    Item item = new Garbage(garbage, garbageReason);
    garbage = 0;
    return Optional.of(item);
  }

  private void ensureRoom(int len) {
    if (end + len <= buf.length) {
      return;
    }
    int live = end - start;
    if (live + len > buf.length) {
      buf = Arrays.copyOf(Arrays.copyOfRange(buf, start, end), Math.max(buf.length * 2, live + len));
    } else {
      System.arraycopy(buf, start, buf, 0, live);
    }
    start = 0;
    end = live;
  }
}
