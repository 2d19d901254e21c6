package dev.peapod.images.oci;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import dev.peapod.images.ImageFormatException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What an image config says about running and building the image.
 *
 * @param entrypoint {@code config.Entrypoint}; null when unset (differs from empty)
 * @param cmd {@code config.Cmd}; null when unset
 * @param env {@code config.Env}, {@code NAME=value} strings in order
 * @param workingDir {@code config.WorkingDir}; empty when unset
 * @param user {@code config.User}; empty when unset (root)
 * @param exposedPorts keys of {@code config.ExposedPorts}, e.g. {@code 80/tcp}
 * @param labels {@code config.Labels}
 * @param os {@code os}
 * @param architecture {@code architecture}
 * @param diffIds {@code rootfs.diff_ids}: digests of the uncompressed layers, bottom first
 * @param created {@code created} as written, or null
 */
public record ImageConfig(
    List<String> entrypoint,
    List<String> cmd,
    List<String> env,
    String workingDir,
    String user,
    Set<String> exposedPorts,
    Map<String, String> labels,
    String os,
    String architecture,
    List<Digest> diffIds,
    String created) {

  public ImageConfig {
    entrypoint = entrypoint == null ? null : List.copyOf(entrypoint);
    cmd = cmd == null ? null : List.copyOf(cmd);
    env = env == null ? List.of() : List.copyOf(env);
    workingDir = workingDir == null ? "" : workingDir;
    user = user == null ? "" : user;
    exposedPorts = exposedPorts == null ? Set.of() : Set.copyOf(exposedPorts);
    labels = labels == null ? Map.of() : Map.copyOf(labels);
    diffIds = diffIds == null ? List.of() : List.copyOf(diffIds);
  }

  /** A config with only runtime defaults, for tests and callers that build configs. */
  public static ImageConfig of(List<String> entrypoint, List<String> cmd, List<String> env, String workingDir, String user) {
    return new ImageConfig(entrypoint, cmd, env, workingDir, user, null, null, "linux", "amd64", null, null);
  }

  public static ImageConfig parse(byte[] json, String image) {
    JsonNode root = OciJson.readObject(json, "image config", image);
    JsonNode config = root.path("config");
    if (config.isMissingNode() || config.isNull()) {
      config = NullNode.getInstance();
    }
    Set<String> ports = new LinkedHashSet<>(OciJson.stringMap(config, "ExposedPorts").keySet());
    return new ImageConfig(
        OciJson.strings(config, "Entrypoint"),
        OciJson.strings(config, "Cmd"),
        OciJson.strings(config, "Env"),
        OciJson.text(config, "WorkingDir"),
        OciJson.text(config, "User"),
        ports,
        OciJson.stringMap(config, "Labels"),
        OciJson.text(root, "os"),
        OciJson.text(root, "architecture"),
        diffIds(root, image),
        OciJson.text(root, "created"));
  }

  private static List<Digest> diffIds(JsonNode root, String image) {
    JsonNode ids = root.path("rootfs").path("diff_ids");
    if (!ids.isArray()) {
      throw new ImageFormatException(image, "image config has no rootfs.diff_ids");
    }
    List<Digest> list = new ArrayList<>();
    for (JsonNode id : ids) {
      try {
        list.add(Digest.parse(id.asText()));
      } catch (IllegalArgumentException e) {
        throw new ImageFormatException(image, "image config rootfs.diff_ids: " + e.getMessage());
      }
    }
    return list;
  }
}
