package dev.peapod.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.peapod.images.ImageException;
import dev.peapod.images.registry.RegistryConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Finds the user's registry configuration (mirrors, insecure registries, credentials).
 * The first file that exists wins:
 * <ol>
 *   <li>{@code $PEAPOD_HOME/registries.yaml}
 *   <li>{@code $PEAPOD_HOME/registries.json}
 *   <li>{@code ~/.config/peapod/registries.yaml}
 * </ol>
 * The YAML files have the same shape as the images module's JSON format
 * ({@code registries: {HOST: {username, password, insecure, mirrors}}}); they are turned into
 * that JSON and parsed by {@link RegistryConfig#parse}, so there is one parser. Credentials from
 * Docker's config ({@code $DOCKER_CONFIG/config.json} or {@code ~/.docker/config.json}) are added
 * underneath, as the images module does.
 */
public final class RegistryConfigFiles {
  private static final ObjectMapper YAML = new YAMLMapper();
  private static final ObjectMapper JSON = new ObjectMapper();

  private RegistryConfigFiles() {}

  /** Thrown when a configuration file exists but cannot be read or parsed. */
  public static final class InvalidRegistryConfigException extends EngineException {
    private static final long serialVersionUID = 1L;

    InvalidRegistryConfigException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  public static List<Path> candidates(Path peapodHome, Path userHome) {
    return List.of(
        peapodHome.resolve("registries.yaml"),
        peapodHome.resolve("registries.json"),
        userHome.resolve(".config").resolve("peapod").resolve("registries.yaml"));
  }

  /**
   * @param env the environment, for {@code DOCKER_CONFIG}
   * @throws InvalidRegistryConfigException naming the file when it cannot be read
   */
  public static RegistryConfig load(Path peapodHome, Path userHome, Map<String, String> env) {
    Optional<Path> file = candidates(peapodHome, userHome).stream().filter(Files::isRegularFile).findFirst();
    try {
      RegistryConfig config = file.isPresent() ? parse(file.get()) : RegistryConfig.empty();
      String dockerDir = env.get("DOCKER_CONFIG");
      Path dockerFile = dockerDir != null
          ? Path.of(dockerDir, "config.json")
          : userHome.resolve(".docker").resolve("config.json");
      return config.withDockerConfig(dockerFile);
    } catch (IOException e) {
      throw new InvalidRegistryConfigException("cannot read registry configuration: " + e.getMessage(), e);
    }
  }

  private static RegistryConfig parse(Path file) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    if (file.getFileName().toString().endsWith(".yaml")) {
      JsonNode tree;
      try {
        tree = YAML.readTree(bytes);
      } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
        throw new InvalidRegistryConfigException(file + ": not valid YAML: " + e.getOriginalMessage(), e);
      }
      bytes = JSON.writeValueAsBytes(tree == null ? JSON.createObjectNode() : tree);
    }
    try {
      return RegistryConfig.parse(bytes, file.toString());
    } catch (ImageException e) {
      throw new InvalidRegistryConfigException(e.getMessage(), e); // "FILE: what is wrong", not an image error
    }
  }
}
