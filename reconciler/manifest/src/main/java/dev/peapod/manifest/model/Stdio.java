package dev.peapod.manifest.model;

/**
 * A container's {@code stdin}, {@code stdinOnce} and {@code tty}, with Kubernetes' meanings: the
 * main process reads a stdin that attached clients ({@code peapod attach}) write, the first
 * client that detaches ends it when {@code stdinOnce}, and with {@code tty} its stdin, stdout and
 * stderr are one terminal.
 */
public record Stdio(boolean stdin, boolean stdinOnce, boolean tty) {
  /** Kubernetes' defaults: no stdin (reads as empty), no terminal. */
  public static final Stdio NONE = new Stdio(false, false, false);
}
