package dev.peapod.provider.qemu.runtime;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A host process seen through /proc, identified by pid <em>and</em> start
 * time so that a recycled pid is never mistaken for our VM, and so that a
 * zombie counts as gone (a killed daemon may wait for a reaper that never comes).
 */
public final class HostProcess {

  private HostProcess() {}

  /** The process's start time in clock ticks since host boot (field 22 of /proc/pid/stat). */
  public static OptionalLong startTime(long pid) {
    return stat(pid).map(fields -> Long.parseLong(fields[19]))
        .map(OptionalLong::of).orElse(OptionalLong.empty());
  }

  /** Whether the pid is a live (not zombie) process. */
  public static boolean isAlive(long pid) {
    return stat(pid).map(fields -> !fields[0].equals("Z") && !fields[0].equals("X")).orElse(false);
  }

  /** The process's real uid (the first of /proc/pid/status's {@code Uid:} fields), if it exists. */
  public static java.util.OptionalInt realUid(long pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"), StandardCharsets.UTF_8)) {
        if (line.startsWith("Uid:")) {
          return java.util.OptionalInt.of(Integer.parseUnsignedInt(line.substring(4).trim().split("\\s+")[0]));
        }
      }
    } catch (IOException | RuntimeException e) {
      // gone
    }
    return java.util.OptionalInt.empty();
  }

  /** The live (not zombie) processes whose real uid is {@code uid}, lowest pid first. */
  public static java.util.List<Long> withRealUid(int uid) {
    java.util.List<Long> pids = new java.util.ArrayList<>();
    try (java.nio.file.DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"))) {
      for (Path p : procs) {
        String name = p.getFileName().toString();
        if (name.isEmpty() || !name.chars().allMatch(Character::isDigit)) {
          continue;
        }
        long pid = Long.parseLong(name);
        if (realUid(pid).equals(java.util.OptionalInt.of(uid)) && isAlive(pid)) {
          pids.add(pid);
        }
      }
    } catch (IOException e) {
      // /proc unreadable: none found
    }
    java.util.Collections.sort(pids);
    return pids;
  }

  /** Whether pid is alive, started at {@code startTime}, and its command line contains {@code marker}. */
  public static boolean matches(long pid, long startTime, String marker) {
    if (!isAlive(pid) || startTime(pid).orElse(-1) != startTime) {
      return false;
    }
    return commandLine(pid).map(cmd -> cmd.contains(marker)).orElse(false);
  }

  /**
   * Sends SIGTERM and waits up to {@code grace} for the process to end, then SIGKILL and as long
   * again; returns whether it ended. Polls /proc every few milliseconds instead of using
   * {@link ProcessHandle#onExit()}: for a process that is not this JVM's child (a helper started
   * by an earlier command) the JDK polls from 300 ms upwards and saw a SIGTERMed process end
   * 1.4-1.9 s late, which a hand-over paid once per log writer and per changed port forward.
   */
  public static boolean terminate(ProcessHandle handle, Duration grace) {
    handle.destroy();
    if (awaitGone(handle.pid(), grace)) {
      return true;
    }
    handle.destroyForcibly();
    return awaitGone(handle.pid(), grace);
  }

  /** Waits until the pid is no live process (a zombie counts as gone), at most {@code timeout}. */
  public static boolean awaitGone(long pid, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    long pause = 1;
    while (isAlive(pid)) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      try {
        Thread.sleep(pause);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return !isAlive(pid);
      }
      pause = Math.min(pause * 2, 20);
    }
    return true;
  }

  /** The NUL-separated argv joined with spaces. */
  public static Optional<String> commandLine(long pid) {
    try {
      byte[] raw = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline"));
      return Optional.of(new String(raw, StandardCharsets.UTF_8).replace('\0', ' ').trim());
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /**
   * Fields of /proc/pid/stat after the command name, so index 0 is the state
   * (field 3) and index 19 the start time (field 22). The name is skipped by
   * its last ')' because it may itself contain spaces and parentheses.
   */
  private static Optional<String[]> stat(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      int close = stat.lastIndexOf(')');
      if (close < 0) {
        return Optional.empty();
      }
      String[] fields = stat.substring(close + 2).trim().split(" ");
      return fields.length > 19 ? Optional.of(fields) : Optional.empty();
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }
}
