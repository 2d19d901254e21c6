package dev.peapod.manifest.model;

import dev.peapod.manifest.source.Position;
import dev.peapod.manifest.source.SourceList;
import dev.peapod.manifest.source.SourceMap;
import dev.peapod.manifest.source.SourceNode;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where a pod was declared: for messages, never part of what the pod is.
 *
 * @param file the file name as given to the parser
 * @param line 1-based line of the document's first value
 * @param column 1-based column of the document's first value
 * @param kind the kind of document
 * @param source the document as read, so that later checks (the CLI's conversion) can point at a
 *     field's own line and column; null when the pod was not read from a file
 */
public record ManifestOrigin(String file, int line, int column, ManifestKind kind, SourceNode source) {
  private static final Pattern STEP = Pattern.compile("([^.\\[\\]]+)|\\[(\\d+)]");

  public ManifestOrigin(String file, int line, int column, ManifestKind kind) {
    this(file, line, column, kind, null);
  }

  /**
   * Where the field at {@code path} (as diagnostics write it: {@code spec.volumes[0].hostPath}) is
   * written: its key's position, or an item's, or as far as the path can be followed in the
   * document, else the document's start. A HyperContainer file is written with other field
   * names, so paths of the PeaPod model mostly end at its start.
   */
  public Position positionOf(String path) {
    Position found = new Position(line, column);
    SourceNode node = source;
    Matcher step = STEP.matcher(path);
    while (node != null && step.find()) {
      if (step.group(1) != null && node instanceof SourceMap map) {
        Optional<SourceMap.Entry> entry = map.entry(step.group(1));
        if (entry.isEmpty()) {
          break;
        }
        found = entry.get().keyPosition();
        node = entry.get().value();
      } else if (step.group(2) != null && node instanceof SourceList list
          && Integer.parseInt(step.group(2)) < list.items().size()) {
        node = list.items().get(Integer.parseInt(step.group(2)));
        found = node.position();
      } else {
        break;
      }
    }
    return found;
  }

  @Override
  public String toString() {
    return file + ":" + line + ":" + column;
  }
}
