package dev.peapod.images.registry;

import com.fasterxml.jackson.databind.JsonNode;
import dev.peapod.images.oci.OciJson;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;

/** Reads the {@code auths} section of Docker's {@code config.json}, as {@code docker login} writes it. */
final class DockerConfigFile {
  private DockerConfigFile() {}

  static Map<String, Credentials> read(Path file) throws IOException {
    JsonNode auths = OciJson.readObject(Files.readAllBytes(file), "Docker config", file.toString()).path("auths");
    Map<String, Credentials> result = new HashMap<>();
    auths.properties().forEach(entry -> {
      JsonNode auth = entry.getValue();
      String user = null;
      String password = null;
      if (auth.hasNonNull("auth") && !auth.path("auth").asText().isEmpty()) {
        String decoded;
        try {
          decoded = new String(Base64.getDecoder().decode(auth.path("auth").asText().strip()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
          return; // a broken entry must not stop pulls from other registries
        }
        int colon = decoded.indexOf(':');
        if (colon > 0) {
          user = decoded.substring(0, colon);
          password = decoded.substring(colon + 1);
        }
      } else if (auth.hasNonNull("username")) {
        user = auth.path("username").asText();
        password = auth.path("password").asText();
      }
      if (user != null) {
        result.put(RegistryConfig.normalizeHost(entry.getKey()), new Credentials(user, password, file.toString()));
      }
    });
    return result;
  }
}
