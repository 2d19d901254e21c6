package dev.peapod.manifest.source;

import dev.peapod.manifest.diag.Diagnostics;
import dev.peapod.manifest.source.SourceScalar.ScalarType;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Reads a YAML stream into {@link SourceDocument}s with SnakeYAML's node API, which keeps the
 * start mark of every node. Scalars are typed by SnakeYAML's YAML 1.1 resolver, the same rules
 * Kubernetes' YAML reader applies ({@code yes} is a boolean, {@code "80"} a string).
 */
public final class YamlReader {

  /** Deeper than any pod; stops recursive aliases ({@code &a [*a]}) from looping forever. */
  private static final int MAX_DEPTH = 64;

  private final String file;
  private final Diagnostics diagnostics;

  /** A loader per thread: building one costs more than composing a small file, and it is not thread-safe. */
  private static final ThreadLocal<Yaml> YAML = ThreadLocal.withInitial(() -> {
    LoaderOptions options = new LoaderOptions();
    options.setAllowDuplicateKeys(true); // we report duplicates ourselves, with positions
    return new Yaml(options);
  });

  public YamlReader(String file, Diagnostics diagnostics) {
    this.file = file;
    this.diagnostics = diagnostics;
  }

  /** Every non-empty document in {@code content}; syntax errors become diagnostics. */
  public List<SourceDocument> read(String content) {
    Yaml yaml = YAML.get();
    List<SourceDocument> documents = new ArrayList<>();
    try {
      for (Node node : yaml.composeAll(new StringReader(content))) {
        if (node == null || node.getTag().equals(Tag.NULL)) {
          continue; // an empty document, e.g. after a trailing ---
        }
        documents.add(new SourceDocument(file, convert(node, 0)));
      }
    } catch (MarkedYAMLException e) {
      Mark mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
      String problem = e.getProblem() != null ? e.getProblem() : e.getMessage();
      error(mark, "invalid YAML: " + problem.strip());
    } catch (YAMLException e) {
      diagnostics.error(file, 0, 0, "", "invalid YAML: " + e.getMessage());
    } catch (TooDeep e) {
      error(e.mark, "invalid YAML: nested more than " + MAX_DEPTH + " levels deep");
    }
    return documents;
  }

  private SourceNode convert(Node node, int depth) {
    if (depth > MAX_DEPTH) {
      throw new TooDeep(node.getStartMark());
    }
    Position position = position(node.getStartMark());
    if (node instanceof ScalarNode scalar) {
      return new SourceScalar(position, scalarType(scalar.getTag()), scalar.getValue());
    }
    if (node instanceof SequenceNode sequence) {
      List<SourceNode> items = new ArrayList<>();
      for (Node item : sequence.getValue()) {
        items.add(convert(item, depth + 1));
      }
      return new SourceList(position, items);
    }
    return convertMapping((MappingNode) node, position, depth);
  }

  private SourceMap convertMapping(MappingNode mapping, Position position, int depth) {
    List<SourceMap.Entry> entries = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (NodeTuple tuple : mapping.getValue()) {
      Node keyNode = tuple.getKeyNode();
      if (!(keyNode instanceof ScalarNode key)) {
        error(keyNode.getStartMark(), "invalid YAML: a mapping key must be a plain value");
        continue;
      }
      if (key.getTag().equals(Tag.MERGE)) {
        error(key.getStartMark(), "YAML merge keys (<<) are not supported; write the fields out");
        continue;
      }
      if (!seen.add(key.getValue())) {
        error(key.getStartMark(), "duplicate key \"" + key.getValue() + "\"");
        continue;
      }
      entries.add(new SourceMap.Entry(
          key.getValue(), position(key.getStartMark()), convert(tuple.getValueNode(), depth + 1)));
    }
    return new SourceMap(position, entries);
  }

  private static ScalarType scalarType(Tag tag) {
    if (tag.equals(Tag.INT)) {
      return ScalarType.INTEGER;
    } else if (tag.equals(Tag.FLOAT)) {
      return ScalarType.FLOAT;
    } else if (tag.equals(Tag.BOOL)) {
      return ScalarType.BOOLEAN;
    } else if (tag.equals(Tag.NULL)) {
      return ScalarType.NULL;
    }
    return ScalarType.STRING; // str, and timestamps such as creationTimestamp
  }

  private static Position position(Mark mark) {
    return mark == null ? Position.START : new Position(mark.getLine() + 1, mark.getColumn() + 1);
  }

  private void error(Mark mark, String message) {
    Position at = position(mark);
    diagnostics.error(file, at.line(), at.column(), "", message);
  }

  private static final class TooDeep extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final transient Mark mark;

    TooDeep(Mark mark) {
      super(null, null, false, false);
      this.mark = mark;
    }
  }
}
