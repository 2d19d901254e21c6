package dev.peapod.images.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The process a container runs once image and pod have been merged.
 *
 * @param argv the full command line; argv[0] is looked up in PATH
 * @param env environment, image variables first, in order
 * @param workingDir absolute directory to start in
 * @param user {@code uid}, {@code uid:gid}, {@code name} or {@code name:group}; empty means root
 */
public record ProcessDefaults(List<String> argv, Map<String, String> env, String workingDir, String user) {
  public ProcessDefaults {
    argv = List.copyOf(argv);
    env = Collections.unmodifiableMap(new LinkedHashMap<>(env));
  }
}
