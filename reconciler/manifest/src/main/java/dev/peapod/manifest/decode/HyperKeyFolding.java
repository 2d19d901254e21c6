package dev.peapod.manifest.decode;

import dev.peapod.manifest.source.SourceList;
import dev.peapod.manifest.source.SourceMap;
import dev.peapod.manifest.source.SourceNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * hyperd read pod files with Go's {@code encoding/json}, which matches an object's keys to struct
 * fields exactly if it can and otherwise ignoring case: {@code "ContainerPort"}, {@code
 * "containerport"} and {@code "containerPort"} are one field. This rewrites a HyperContainer
 * document's keys to the spelling of its {@link Shape}s, shape by shape (the keys of {@code labels}
 * and other maps stay as written), keeping every position, so that the decoders and their
 * diagnostics see one spelling. A field written twice under two spellings is an error: Go would
 * silently take the last one.
 */
final class HyperKeyFolding {
  private HyperKeyFolding() {}

  static SourceMap fold(SourceMap map, Shape shape, FieldPath path, Problems problems) {
    Map<String, String> byLowerCase = new LinkedHashMap<>();
    shape.fieldNames().forEach(name -> byLowerCase.putIfAbsent(name.toLowerCase(Locale.ROOT), name));
    List<SourceMap.Entry> entries = new ArrayList<>();
    Map<String, SourceMap.Entry> seen = new LinkedHashMap<>();
    for (SourceMap.Entry entry : map.entries()) {
      String key = shape.rule(entry.key()) != null ? entry.key()
          : byLowerCase.getOrDefault(entry.key().toLowerCase(Locale.ROOT), entry.key());
      SourceMap.Entry earlier = seen.get(key);
      if (earlier != null) {
        problems.error(entry.keyPosition(), path.field(key), "\"" + entry.key() + "\" is the field \"" + key
            + "\" again (hyperd matched keys ignoring case), already written as \"" + earlier.key() + "\" at line "
            + earlier.keyPosition().line());
        continue;
      }
      SourceNode value = child(shape, key).map(c -> foldValue(entry.value(), c, path.field(key), problems))
          .orElse(entry.value());
      SourceMap.Entry folded = new SourceMap.Entry(key, entry.keyPosition(), value);
      seen.put(key, entry);
      entries.add(folded);
    }
    return new SourceMap(map.position(), entries);
  }

  private static Optional<Shape> child(Shape shape, String field) {
    return shape.rule(field) instanceof FieldRule.Supported supported
        ? Optional.ofNullable(supported.child()) : Optional.empty();
  }

  private static SourceNode foldValue(SourceNode value, Shape shape, FieldPath path, Problems problems) {
    if (value instanceof SourceMap map) {
      return fold(map, shape, path, problems);
    }
    if (value instanceof SourceList list) {
      List<SourceNode> items = new ArrayList<>();
      for (int i = 0; i < list.items().size(); i++) {
        SourceNode item = list.items().get(i);
        items.add(item instanceof SourceMap m ? fold(m, shape, path.index(i), problems) : item);
      }
      return new SourceList(list.position(), items);
    }
    return value;
  }
}
