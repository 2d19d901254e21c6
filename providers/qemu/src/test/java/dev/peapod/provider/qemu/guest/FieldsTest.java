package dev.peapod.provider.qemu.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class FieldsTest {

  @Test
  void roundTripsEveryKind() throws Exception {
    Fields mount = Fields.builder().str(Wire.F_NAME, "data").str(Wire.F_PATH, "/data")
        .u32(Wire.F_READONLY, 1).build();
    Fields fields = Fields.builder()
        .str(Wire.F_CONTAINER, "web")
        .strs(Wire.F_ARGV, List.of("sh", "-c", "echo ü"))
        .u32(Wire.F_EXIT_CODE, 137)
        .u64(Wire.F_TIME_NS, 1_700_000_000_123_456_789L)
        .bytes(Wire.F_DATA, new byte[] {0, 1, 2})
        .group(Wire.F_MOUNT, mount)
        .build();

    Fields decoded = Fields.decode(fields.encode());

    assertEquals(fields, decoded);
    assertEquals(Optional.of("web"), decoded.str(Wire.F_CONTAINER));
    assertEquals(List.of("sh", "-c", "echo ü"), decoded.strs(Wire.F_ARGV));
    assertEquals(OptionalInt.of(137), decoded.u32(Wire.F_EXIT_CODE));
    assertEquals(OptionalLong.of(1_700_000_000_123_456_789L), decoded.u64(Wire.F_TIME_NS));
    assertEquals(List.of(mount), decoded.groups(Wire.F_MOUNT));
    assertEquals(OptionalInt.empty(), decoded.u32(Wire.F_PID));
  }

  @Test
  void ignoresUnknownTags() throws Exception {
    byte[] payload = Fields.builder().bytes(0x7fff, new byte[] {9, 9}).str(Wire.F_NAME, "x").build().encode();
    assertEquals(Optional.of("x"), Fields.decode(payload).str(Wire.F_NAME));
  }

  @Test
  void rejectsAKnownTagWithTheWrongLength() {
    byte[] payload = Fields.builder().bytes(Wire.F_PID, new byte[3]).build().encode();
    MalformedFrameException e = assertThrows(MalformedFrameException.class, () -> Fields.decode(payload));
    assertTrue(e.getMessage().contains("0x08"), e.getMessage());
  }

  @Test
  void rejectsAFieldRunningPastThePayload() {
    byte[] payload = ByteBuffer.allocate(8).putShort((short) Wire.F_NAME).putInt(10).putShort((short) 0).array();
    MalformedFrameException e = assertThrows(MalformedFrameException.class, () -> Fields.decode(payload));
    assertTrue(e.getMessage().contains("runs past"), e.getMessage());
  }

  @Test
  void rejectsATruncatedFieldHeader() {
    assertThrows(MalformedFrameException.class, () -> Fields.decode(new byte[] {0, 1, 0}));
  }

  @Test
  void rejectsBadStrings() {
    byte[] nul = Fields.builder().bytes(Wire.F_NAME, new byte[] {'a', 0}).build().encode();
    byte[] utf8 = Fields.builder().bytes(Wire.F_NAME, new byte[] {(byte) 0xC3}).build().encode();
    assertThrows(MalformedFrameException.class, () -> Fields.decode(nul));
    assertThrows(MalformedFrameException.class, () -> Fields.decode(utf8));
    assertThrows(IllegalArgumentException.class, () -> Fields.builder().str(Wire.F_NAME, "a\0b"));
  }

  @Test
  void rejectsAMalformedGroup() {
    byte[] badGroup = Fields.builder().bytes(Wire.F_MOUNT, new byte[] {0, 0x28, 0, 0, 0, 9}).build().encode();
    assertThrows(MalformedFrameException.class, () -> Fields.decode(badGroup));
  }
}
