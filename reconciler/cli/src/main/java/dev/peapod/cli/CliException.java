package dev.peapod.cli;

/**
 * An error the CLI itself detects (a missing file, an unreadable config), with the exit
 * code to end with. Its message is printed as is after "peapod: ".
 */
public class CliException extends RuntimeException {
  private final int exitCode;

  public CliException(int exitCode, String message) {
    this(exitCode, message, null);
  }

  public CliException(int exitCode, String message, Throwable cause) {
    super(message, cause);
    this.exitCode = exitCode;
  }

  public int exitCode() {
    return exitCode;
  }
}
