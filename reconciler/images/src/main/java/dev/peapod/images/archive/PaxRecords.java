package dev.peapod.images.archive;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * PAX extended header records, {@code "<length> <key>=<value>\n"}. Values stay raw
 * bytes (xattr values are binary); keys are UTF-8. Order and repeats are kept because
 * GNU sparse 0.0 repeats {@code GNU.sparse.offset}/{@code numbytes}.
 */
final class PaxRecords {
  private PaxRecords() {}

  static List<Map.Entry<String, byte[]>> parse(byte[] data) throws TarFormatException {
    List<Map.Entry<String, byte[]>> records = new ArrayList<>();
    int pos = 0;
    while (pos < data.length) {
      if (data[pos] == 0) {
        break; // NUL padding after the last record
      }
      int space = pos;
      int length = 0;
      while (space < data.length && data[space] >= '0' && data[space] <= '9' && space - pos < 9) {
        length = length * 10 + (data[space] - '0');
        space++;
      }
      int end = pos + length;
      if (space == pos || space >= data.length || data[space] != ' ' || end > data.length || end <= space + 1
          || data[end - 1] != '\n') {
        throw new TarFormatException("malformed PAX record at byte " + pos);
      }
      int equals = space + 1;
      while (equals < end - 1 && data[equals] != '=') {
        equals++;
      }
      if (equals >= end - 1 && data[equals] != '=') {
        throw new TarFormatException("PAX record without '=' at byte " + pos);
      }
      String key = new String(data, space + 1, equals - space - 1, StandardCharsets.UTF_8);
      records.add(Map.entry(key, Arrays.copyOfRange(data, equals + 1, end - 1)));
      pos = end;
    }
    return records;
  }
}
