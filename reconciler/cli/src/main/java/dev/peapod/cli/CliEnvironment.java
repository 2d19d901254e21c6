package dev.peapod.cli;

import dev.peapod.provider.qemu.QemuConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.Properties;

/**
 * What the CLI reads from the world outside its arguments: environment variables,
 * system properties, whether it runs as root, whether stdout is a terminal, and the
 * clock. Commands read these only through here, so tests can run every command
 * in-process against a temporary {@code PEAPOD_HOME} without touching the real one.
 *
 * @param env environment variables (PEAPOD_HOME, PEAPOD_KERNEL, NO_COLOR, TERM, ...)
 * @param properties system properties; {@code peapod.*} ones win over the environment
 * @param root whether the process runs as root (changes the default PEAPOD_HOME)
 * @param terminal whether stdout is an interactive terminal (colour, progress)
 * @param clock the time "5 minutes ago" is measured from
 */
public record CliEnvironment(Map<String, String> env, Properties properties, boolean root, boolean terminal,
    Clock clock) {

  public CliEnvironment {
    env = Map.copyOf(env);
  }

  /** The real process environment. */
  public static CliEnvironment system() {
    Map<String, String> env = System.getenv();
    boolean terminal = System.console() != null && !"dumb".equals(env.get("TERM"));
    return new CliEnvironment(env, System.getProperties(), isRoot(), terminal, Clock.systemUTC());
  }

  /** The QEMU provider's configuration: PEAPOD_HOME, kernel, initrd, QEMU binary. */
  public QemuConfig qemuConfig() {
    return QemuConfig.fromEnvironment(properties, env, root);
  }

  /**
   * {@code $PEAPOD_HOME}: /var/lib/peapod for root, else ~/.local/share/peapod. Taken from the
   * provider's configuration so the CLI and the provider can never disagree about it.
   */
  public Path home() {
    return qemuConfig().stateDir();
  }

  /** Where images are kept: {@code $PEAPOD_HOME/images}. */
  public Path imageStoreRoot() {
    return home().resolve("images");
  }

  /** The user's home directory, for ~/.config and ~/.docker. */
  public Path userHome() {
    String home = env.getOrDefault("HOME", properties.getProperty("user.home", "/"));
    return Path.of(home);
  }

  /** Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org) or --no-color given. */
  public boolean colorAllowed(boolean noColorFlag) {
    String noColor = env.get("NO_COLOR");
    return terminal && !noColorFlag && (noColor == null || noColor.isEmpty());
  }

  private static boolean isRoot() {
    try {
      return Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
    } catch (IOException | UnsupportedOperationException e) {
      return false;
    }
  }
}
