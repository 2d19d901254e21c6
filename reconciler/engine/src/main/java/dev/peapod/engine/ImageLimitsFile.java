package dev.peapod.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.peapod.images.ImageLimits;
import dev.peapod.manifest.model.Quantity;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The image store's size caps, from {@code $PEAPOD_HOME/images.yaml} when it exists:
 * <pre>
 * limits:
 *   maxUnpackedBytes: 16Gi    # quantities as Kubernetes writes them, or plain numbers
 *   maxFileBytes: 8Gi
 *   maxEntries: 2000000
 * </pre>
 * Every limit not named keeps its default ({@link ImageLimits#DEFAULT}); an unknown name or a
 * value that is not a whole positive number is an error naming the file, so a typo cannot
 * silently leave a limit where it was.
 */
public final class ImageLimitsFile {
  private static final YAMLMapper YAML = new YAMLMapper();
  private static final List<String> NAMES = List.of("maxUnpackedBytes", "maxEntries", "maxFileBytes", "maxHeaderBytes",
      "maxConfigBytes", "maxManifestBytes");

  private ImageLimitsFile() {}

  /** Thrown when {@code images.yaml} exists but cannot be read, or names a limit wrongly. */
  public static final class InvalidImageLimitsException extends EngineException {
    private static final long serialVersionUID = 1L;

    InvalidImageLimitsException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /**
   * The limits of the store under {@code peapodHome}.
   *
   * @throws InvalidImageLimitsException naming the file and the limit
   */
  public static ImageLimits load(Path peapodHome) {
    Path file = peapodHome.resolve("images.yaml");
    if (!Files.isRegularFile(file)) {
      return ImageLimits.DEFAULT;
    }
    JsonNode root;
    try {
      root = YAML.readTree(Files.readAllBytes(file));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new InvalidImageLimitsException(file + ": not valid YAML: " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new InvalidImageLimitsException("cannot read " + file + ": " + e.getMessage(), e);
    }
    JsonNode limits = root == null ? null : root.get("limits");
    if (limits == null || limits.isNull()) {
      return ImageLimits.DEFAULT;
    }
    if (!limits.isObject()) {
      throw invalid(file + ": limits: must be a map of limit names to values");
    }
    ImageLimits result = ImageLimits.DEFAULT;
    for (Map.Entry<String, JsonNode> limit : limits.properties()) {
      String name = limit.getKey();
      if (!NAMES.contains(name)) {
        throw invalid(file + ": limits." + name + ": unknown limit (known: " + String.join(", ", NAMES) + ")");
      }
      long value = number(file, name, limit.getValue());
      result = switch (name) {
        case "maxUnpackedBytes" -> result.withMaxUnpackedBytes(value);
        case "maxEntries" -> result.withMaxEntries(value);
        case "maxFileBytes" -> result.withMaxFileBytes(value);
        case "maxHeaderBytes" -> {
          if (value < 512) {
            throw invalid(file + ": limits.maxHeaderBytes: must be at least 512 (one tar block)");
          }
          yield result.withMaxHeaderBytes(asInt(file, name, value));
        }
        case "maxConfigBytes" -> result.withMaxConfigBytes(asInt(file, name, value));
        case "maxManifestBytes" -> result.withMaxManifestBytes(asInt(file, name, value));
        default -> throw new IllegalStateException(name);
      };
    }
    return result;
  }

  private static InvalidImageLimitsException invalid(String message) {
    return new InvalidImageLimitsException(message, null);
  }

  private static long number(Path file, String name, JsonNode node) {
    String text = node.isTextual() ? node.asText().strip() : node.isIntegralNumber() ? node.asText() : null;
    try {
      if (text != null) {
        BigDecimal value = Quantity.parse(text).value();
        if (value.signum() > 0 && value.stripTrailingZeros().scale() <= 0) {
          return value.longValueExact();
        }
      }
    } catch (IllegalArgumentException | ArithmeticException e) {
      // reported below
    }
    throw invalid(file + ": limits." + name + ": \"" + node.asText()
        + "\" is not a whole positive number (e.g. 1000000, 512Mi, 16Gi)");
  }

  private static int asInt(Path file, String name, long value) {
    if (value > Integer.MAX_VALUE) {
      throw invalid(file + ": limits." + name + ": at most " + Integer.MAX_VALUE + " bytes");
    }
    return (int) value;
  }
}
