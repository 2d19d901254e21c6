package dev.peapod.cli;

/**
 * The exit statuses of {@code peapod}, listed in {@code peapod --help} and README.md. Scripts
 * branch on them, so a value once given never changes meaning.
 * Keep {@link PeapodCommand}'s {@code exitCodeList} in step with this list.
 */
public final class ExitCodes {
  /** The command did what was asked. */
  public static final int OK = 0;
  /** Anything else went wrong: I/O, registry, a malformed image, a bug. */
  public static final int ERROR = 1;
  /**
   * The command line was wrong, or an image reference is malformed. Not picocli's 2:
   * {@code plan --detailed-exitcode} uses 2 for "changes present", as terraform does.
   */
  public static final int USAGE = 64;
  /** The named image, pod, container or manifest file does not exist (images: locally or at the registry). */
  public static final int NOT_FOUND = 3;
  /**
   * Refused because something still uses it: an image a pod runs from, a running pod ({@code rm}
   * without {@code --force}), or a pod whose lock another peapod process holds.
   */
  public static final int IN_USE = 4;

  private ExitCodes() {}
}
