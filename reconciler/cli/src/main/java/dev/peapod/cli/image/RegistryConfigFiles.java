package dev.peapod.cli.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.peapod.cli.CliEnvironment;
import dev.peapod.cli.CliException;
import dev.peapod.cli.ExitCodes;
import dev.peapod.images.registry.RegistryConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
final class RegistryConfigFiles {
  private static final ObjectMapper YAML = new YAMLMapper();
  private static final ObjectMapper JSON = new ObjectMapper();

  private RegistryConfigFiles() {}

  static List<Path> candidates(CliEnvironment environment) {
    return List.of(
        environment.home().resolve("registries.yaml"),
        environment.home().resolve("registries.json"),
        environment.userHome().resolve(".config").resolve("peapod").resolve("registries.yaml"));
  }

  static RegistryConfig load(CliEnvironment environment) {
    Optional<Path> file = candidates(environment).stream().filter(Files::isRegularFile).findFirst();
    try {
      RegistryConfig config = file.isPresent() ? parse(file.get()) : RegistryConfig.empty();
      String dockerDir = environment.env().get("DOCKER_CONFIG");
      Path dockerFile = dockerDir != null
          ? Path.of(dockerDir, "config.json")
          : environment.userHome().resolve(".docker").resolve("config.json");
      return config.withDockerConfig(dockerFile);
    } catch (IOException e) {
      throw new CliException(ExitCodes.ERROR, "cannot read registry configuration: " + e.getMessage(), e);
    }
  }

  private static RegistryConfig parse(Path file) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    if (file.getFileName().toString().endsWith(".yaml")) {
      JsonNode tree;
      try {
        tree = YAML.readTree(bytes);
      } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
        throw new CliException(ExitCodes.ERROR, file + ": not valid YAML: " + e.getOriginalMessage(), e);
      }
      bytes = JSON.writeValueAsBytes(tree == null ? JSON.createObjectNode() : tree);
    }
    return RegistryConfig.parse(bytes, file.toString());
  }
}
