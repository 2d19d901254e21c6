package dev.peapod.provider.qemu.guest;

import java.util.Arrays;

/**
 * One protocol message: its type, the request sequence number it answers or
 * carries, and its undecoded payload. The payload is decoded on demand with
 * {@link #fields()} so a malformed payload fails only the one message.
 *
 * @param type one of {@code Wire.MSG_*}
 * @param seq request number; 0 for events, streams and log records
 * @param payload the field bytes, at most {@link Wire#MAX_PAYLOAD}
 */
public record Frame(int type, int seq, byte[] payload) {

  public Frame {
    if (type < 0 || type > 0xFFFF) {
      throw new IllegalArgumentException("frame type out of range: " + type);
    }
    payload = payload == null ? new byte[0] : payload;
  }

  public static Frame of(int type, int seq, Fields fields) {
    return new Frame(type, seq, fields.encode());
  }

  /** The payload's fields. */
  public Fields fields() throws MalformedFrameException {
    return Fields.decode(payload);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Frame f && f.type == type && f.seq == seq && Arrays.equals(f.payload, payload);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * type + seq) + Arrays.hashCode(payload);
  }

  @Override
  public String toString() {
    return Wire.typeName(type) + "(seq=" + seq + ", " + payload.length + " bytes)";
  }
}
