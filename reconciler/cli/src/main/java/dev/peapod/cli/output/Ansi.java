package dev.peapod.cli.output;

/** The few ANSI styles the CLI uses; callers decide whether colour is on. */
final class Ansi {
  private Ansi() {}

  static String bold(String text) {
    return "\u001b[1m" + text + "\u001b[0m";
  }

  static String red(String text) {
    return "\u001b[31m" + text + "\u001b[0m";
  }
}
