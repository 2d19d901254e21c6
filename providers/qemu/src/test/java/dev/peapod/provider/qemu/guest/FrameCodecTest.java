package dev.peapod.provider.qemu.guest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peapod.provider.qemu.guest.FrameCodec.Complete;
import dev.peapod.provider.qemu.guest.FrameCodec.Garbage;
import dev.peapod.provider.qemu.guest.FrameCodec.Item;
import dev.peapod.provider.qemu.guest.FrameCodec.Oversized;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class FrameCodecTest {

  private static final Frame HELLO =
      Frame.of(Wire.MSG_HELLO, 7, Fields.builder().u32(Wire.F_VERSION, 1).build());

  @Test
  void encodesTheHeaderExactlyAsProtoHDrawsIt() {
    byte[] bytes = FrameCodec.encode(HELLO);
    assertEquals("5050" + "01" + "00" + "0100" + "0000" + "00000007" + "0000000a"
            + "0001" + "00000004" + "00000001",
        HexFormat.of().formatHex(bytes));
  }

  @Test
  void roundTripsFramesFedByteByByte() {
    Frame status = Frame.of(Wire.MSG_OK, 42, Fields.builder()
        .str(Wire.F_HOSTNAME, "web")
        .group(Wire.F_CONTAINER_STATUS, Fields.builder().str(Wire.F_CONTAINER, "a").u32(Wire.F_PID, 9).build())
        .build());
    Frame empty = new Frame(Wire.MSG_PING, 1, new byte[0]);
    ByteArrayOutputStream stream = new ByteArrayOutputStream();
    stream.writeBytes(FrameCodec.encode(HELLO));
    stream.writeBytes(FrameCodec.encode(status));
    stream.writeBytes(FrameCodec.encode(empty));

    FrameCodec codec = new FrameCodec();
    List<Item> items = new ArrayList<>();
    for (byte b : stream.toByteArray()) {
      codec.feed(new byte[] {b});
      codec.next().ifPresent(items::add);
    }
    assertEquals(List.of(new Complete(HELLO), new Complete(status), new Complete(empty)), items);
    assertEquals(0, codec.buffered());
  }

  @Test
  void waitsForTheRestOfATruncatedFrame() {
    byte[] bytes = FrameCodec.encode(HELLO);
    FrameCodec codec = new FrameCodec();
    codec.feed(bytes, 0, bytes.length - 1);
    assertEquals(Optional.empty(), codec.next());
    codec.feed(bytes, bytes.length - 1, 1);
    assertEquals(Optional.of(new Complete(HELLO)), codec.next());
  }

  @Test
  void skipsBadMagicUpToTheNextFrame() {
    FrameCodec codec = new FrameCodec();
    codec.feed(new byte[] {1, 2, 3, 0x50, 4});
    codec.feed(FrameCodec.encode(HELLO));
    Item first = codec.next().orElseThrow();
    assertEquals(new Garbage(5, "bad magic"), first);
    assertEquals(Optional.of(new Complete(HELLO)), codec.next());
  }

  @Test
  void skipsAFrameOfAnotherVersion() {
    byte[] v2 = FrameCodec.encode(HELLO);
    v2[2] = 2;
    FrameCodec codec = new FrameCodec();
    codec.feed(v2);
    codec.feed(FrameCodec.encode(HELLO));
    Garbage garbage = assertInstanceOf(Garbage.class, codec.next().orElseThrow());
    assertEquals(v2.length, garbage.bytes());
    assertTrue(garbage.reason().contains("version 2"), garbage.reason());
    assertEquals(Optional.of(new Complete(HELLO)), codec.next());
  }

  @Test
  void reportsAnOversizedFrameAndSkipsItsPayloadAcrossFeeds() {
    int length = Wire.MAX_PAYLOAD + 1;
    ByteBuffer header = ByteBuffer.allocate(Wire.HEADER_SIZE)
        .putShort((short) Wire.MAGIC).put((byte) 1).put((byte) 0).putShort((short) 0x7777)
        .putShort((short) 0).putInt(5).putInt(length);
    FrameCodec codec = new FrameCodec();
    codec.feed(header.array());
    codec.feed(new byte[1000]);
    assertEquals(Optional.of(new Oversized(0x7777, 5, length)), codec.next());
    codec.feed(new byte[length - 1000]);
    codec.feed(FrameCodec.encode(HELLO));
    assertEquals(Optional.of(new Complete(HELLO)), codec.next());
  }

  @Test
  void refusesToEncodeAnOversizedPayload() {
    Frame big = new Frame(Wire.MSG_STDIN, 0, new byte[Wire.MAX_PAYLOAD + 1]);
    assertThrows(IllegalArgumentException.class, () -> FrameCodec.encode(big));
  }

  @Test
  void growsItsBufferForLargeFrames() {
    Frame big = new Frame(Wire.MSG_STDOUT, 0,
        Fields.builder().bytes(Wire.F_DATA, new byte[300_000]).build().encode());
    FrameCodec codec = new FrameCodec();
    byte[] bytes = FrameCodec.encode(big);
    for (int off = 0; off < bytes.length; off += 4096) {
      codec.feed(bytes, off, Math.min(4096, bytes.length - off));
    }
    Complete c = assertInstanceOf(Complete.class, codec.next().orElseThrow());
    assertArrayEquals(big.payload(), c.frame().payload());
  }
}
