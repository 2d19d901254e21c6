package dev.peapod.provider.qemu.guest;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * A decoded TLV field sequence: tag (u16), length (u32), value. Values are
 * kept as bytes and typed on access, with the kind each tag has in
 * {@link Wire#kindOf}. Decoding checks what the protocol makes fatal: a field
 * running past the payload, a known tag with a wrong length, invalid UTF-8 or
 * a NUL in a string, and malformed nested groups.
 */
public final class Fields {

  /** One field as it came off the wire. */
  public record Field(int tag, byte[] value) {}

  private final List<Field> fields;

  private Fields(List<Field> fields) {
    this.fields = List.copyOf(fields);
  }

  public static Builder builder() {
    return new Builder();
  }

  public static Fields empty() {
    return new Fields(List.of());
  }

  /** Decodes and validates a payload. */
  public static Fields decode(byte[] payload) throws MalformedFrameException {
    return decode(payload, 0);
  }

  private static Fields decode(byte[] payload, int depth) throws MalformedFrameException {
    if (depth > 4) {
      throw new MalformedFrameException("field groups nested too deeply");
    }
    List<Field> out = new ArrayList<>();
    ByteBuffer buf = ByteBuffer.wrap(payload);
    while (buf.hasRemaining()) {
      if (buf.remaining() < Wire.FIELD_HEADER_SIZE) {
        throw new MalformedFrameException(
            "truncated field header at offset " + buf.position() + " (" + buf.remaining() + " bytes left)");
      }
      int tag = Short.toUnsignedInt(buf.getShort());
      long len = Integer.toUnsignedLong(buf.getInt());
      if (len > buf.remaining()) {
        throw new MalformedFrameException(
            "field " + tagName(tag) + " of " + len + " bytes runs past the payload (" + buf.remaining() + " left)");
      }
      byte[] value = new byte[(int) len];
      buf.get(value);
      check(tag, value, depth);
      out.add(new Field(tag, value));
    }
    return new Fields(out);
  }

  private static void check(int tag, byte[] value, int depth) throws MalformedFrameException {
    switch (Wire.kindOf(tag)) {
      case U32:
        expectLength(tag, value, 4);
        break;
      case U64:
        expectLength(tag, value, 8);
        break;
      case STR:
        decodeString(tag, value);
        break;
      case GROUP:
        decode(value, depth + 1);
        break;
      default:
        break;
    }
  }

  private static void expectLength(int tag, byte[] value, int expected) throws MalformedFrameException {
    if (value.length != expected) {
      throw new MalformedFrameException(
          "field " + tagName(tag) + " must have " + expected + " bytes, has " + value.length);
    }
  }

  private static String decodeString(int tag, byte[] value) throws MalformedFrameException {
    try {
      String s = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(value))
          .toString();
      if (s.indexOf('\0') >= 0) {
        throw new MalformedFrameException("field " + tagName(tag) + " contains a NUL byte");
      }
      return s;
    } catch (CharacterCodingException e) {
      throw new MalformedFrameException("field " + tagName(tag) + " is not valid UTF-8");
    }
  }

  static String tagName(int tag) {
    return String.format("0x%02x", tag);
  }

  /** Every field in wire order. */
  public List<Field> all() {
    return fields;
  }

  public boolean has(int tag) {
    return fields.stream().anyMatch(f -> f.tag == tag);
  }

  private Optional<byte[]> first(int tag) {
    return fields.stream().filter(f -> f.tag == tag).map(Field::value).findFirst();
  }

  /** The first string field with that tag. */
  public Optional<String> str(int tag) {
    return first(tag).map(v -> new String(v, StandardCharsets.UTF_8));
  }

  /** Every string field with that tag, in order (argv, env ...). */
  public List<String> strs(int tag) {
    return fields.stream().filter(f -> f.tag == tag)
        .map(f -> new String(f.value, StandardCharsets.UTF_8)).toList();
  }

  /** The first u32 field with that tag; values above 2^31 come back negative, as in C's int32 cast. */
  public OptionalInt u32(int tag) {
    return first(tag).filter(v -> v.length == 4).map(v -> OptionalInt.of(ByteBuffer.wrap(v).getInt()))
        .orElse(OptionalInt.empty());
  }

  public OptionalLong u64(int tag) {
    return first(tag).filter(v -> v.length == 8).map(v -> OptionalLong.of(ByteBuffer.wrap(v).getLong()))
        .orElse(OptionalLong.empty());
  }

  public Optional<byte[]> bytes(int tag) {
    return first(tag).map(byte[]::clone);
  }

  /** Every nested group with that tag; the groups were validated when this sequence was decoded. */
  public List<Fields> groups(int tag) {
    List<Fields> out = new ArrayList<>();
    for (Field f : fields) {
      if (f.tag == tag) {
        try {
          out.add(decode(f.value));
        } catch (MalformedFrameException e) {
          throw new IllegalStateException("group was validated on decode", e);
        }
      }
    }
    return out;
  }

  public byte[] encode() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (Field f : fields) {
      ByteBuffer header = ByteBuffer.allocate(Wire.FIELD_HEADER_SIZE);
      header.putShort((short) f.tag).putInt(f.value.length);
      out.writeBytes(header.array());
      out.writeBytes(f.value);
    }
    return out.toByteArray();
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof Fields other) || other.fields.size() != fields.size()) {
      return false;
    }
    for (int i = 0; i < fields.size(); i++) {
      Field a = fields.get(i);
      Field b = other.fields.get(i);
      if (a.tag != b.tag || !Arrays.equals(a.value, b.value)) {
        return false;
      }
    }
    return true;
  }

  @Override
  public int hashCode() {
    int h = 1;
    for (Field f : fields) {
      h = 31 * h + 31 * f.tag + Arrays.hashCode(f.value);
    }
    return h;
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("{");
    for (Field f : fields) {
      if (sb.length() > 1) {
        sb.append(", ");
      }
      sb.append(tagName(f.tag)).append('=');
      switch (Wire.kindOf(f.tag)) {
        case STR -> sb.append('"').append(new String(f.value, StandardCharsets.UTF_8)).append('"');
        case U32 -> sb.append(f.value.length == 4 ? ByteBuffer.wrap(f.value).getInt() : -1);
        case U64 -> sb.append(f.value.length == 8 ? ByteBuffer.wrap(f.value).getLong() : -1);
        default -> sb.append(f.value.length).append(" bytes");
      }
    }
    return sb.append('}').toString();
  }

  /** Builds a field sequence in the order fields are added. */
  public static final class Builder {
    private final List<Field> fields = new ArrayList<>();

    private Builder() {}

    public Builder str(int tag, String value) {
      if (value.indexOf('\0') >= 0) {
        throw new IllegalArgumentException("field " + tagName(tag) + " must not contain NUL: " + value);
      }
      return bytes(tag, value.getBytes(StandardCharsets.UTF_8));
    }

    public Builder strs(int tag, Iterable<String> values) {
      for (String v : values) {
        str(tag, v);
      }
      return this;
    }

    public Builder u32(int tag, int value) {
      return bytes(tag, ByteBuffer.allocate(4).putInt(value).array());
    }

    public Builder u64(int tag, long value) {
      return bytes(tag, ByteBuffer.allocate(8).putLong(value).array());
    }

    public Builder bytes(int tag, byte[] value) {
      if (tag < 0 || tag > 0xFFFF) {
        throw new IllegalArgumentException("tag out of range: " + tag);
      }
      fields.add(new Field(tag, value.clone()));
      return this;
    }

    public Builder group(int tag, Fields group) {
      return bytes(tag, group.encode());
    }

    public Fields build() {
      return new Fields(fields);
    }
  }
}
