package dev.peapod.manifest.source;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import dev.peapod.manifest.diag.Diagnostics;
import dev.peapod.manifest.source.SourceScalar.ScalarType;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads JSON into {@link SourceDocument}s with Jackson's streaming parser, which knows where each
 * token starts. A file may hold several top-level values one after another.
 */
public final class JsonReader {

  private static final JsonFactory FACTORY = JsonFactory.builder().build();

  private final String file;
  private final Diagnostics diagnostics;

  public JsonReader(String file, Diagnostics diagnostics) {
    this.file = file;
    this.diagnostics = diagnostics;
  }

  public List<SourceDocument> read(String content) {
    List<SourceDocument> documents = new ArrayList<>();
    try (JsonParser parser = FACTORY.createParser(content)) {
      JsonToken token;
      while ((token = parser.nextToken()) != null) {
        documents.add(new SourceDocument(file, value(parser, token)));
      }
    } catch (JsonProcessingException e) {
      JsonLocation at = e.getLocation();
      diagnostics.error(file, at == null ? 0 : at.getLineNr(), at == null ? 0 : at.getColumnNr(),
          "", "invalid JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      diagnostics.error(file, 0, 0, "", "cannot read JSON: " + e.getMessage());
    }
    return documents;
  }

  private SourceNode value(JsonParser parser, JsonToken token) throws IOException {
    Position position = position(parser.currentTokenLocation());
    return switch (token) {
      case START_OBJECT -> object(parser, position);
      case START_ARRAY -> array(parser, position);
      case VALUE_STRING -> new SourceScalar(position, ScalarType.STRING, parser.getText());
      case VALUE_NUMBER_INT -> new SourceScalar(position, ScalarType.INTEGER, parser.getText());
      case VALUE_NUMBER_FLOAT -> new SourceScalar(position, ScalarType.FLOAT, parser.getText());
      case VALUE_TRUE, VALUE_FALSE ->
          new SourceScalar(position, ScalarType.BOOLEAN, parser.getText());
      case VALUE_NULL -> new SourceScalar(position, ScalarType.NULL, "null");
      default -> throw new IllegalStateException("unexpected JSON token " + token);
    };
  }

  private SourceMap object(JsonParser parser, Position position) throws IOException {
    List<SourceMap.Entry> entries = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    while (parser.nextToken() == JsonToken.FIELD_NAME) {
      String key = parser.currentName();
      Position keyPosition = position(parser.currentTokenLocation());
      SourceNode value = value(parser, parser.nextToken());
      if (seen.add(key)) {
        entries.add(new SourceMap.Entry(key, keyPosition, value));
      } else {
        diagnostics.error(file, keyPosition.line(), keyPosition.column(), "",
            "duplicate key \"" + key + "\"");
      }
    }
    return new SourceMap(position, entries);
  }

  private SourceList array(JsonParser parser, Position position) throws IOException {
    List<SourceNode> items = new ArrayList<>();
    JsonToken token;
    while ((token = parser.nextToken()) != JsonToken.END_ARRAY) {
      items.add(value(parser, token));
    }
    return new SourceList(position, items);
  }

  private static Position position(JsonLocation location) {
    return new Position(location.getLineNr(), location.getColumnNr());
  }
}
