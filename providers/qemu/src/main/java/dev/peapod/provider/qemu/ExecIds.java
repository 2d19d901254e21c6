package dev.peapod.provider.qemu;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Names exec'd processes in a guest. A VM's process ids are one namespace shared by every client
 * connected to it, and one JVM holds many providers at once (the controller opens one per API
 * exec, attach and reconcile), so the counter is the JVM's, not a provider's: two providers that
 * each counted from 1 handed the guest the same id, and the second exec was answered with the
 * first one's exit. The random token keeps ids apart across JVMs that reuse a pid.
 */
final class ExecIds {

  private static final String JVM = ProcessHandle.current().pid() + "-"
      + HexFormat.of().formatHex(new SecureRandom().generateSeed(4));
  private static final AtomicLong COUNTER = new AtomicLong();

  private ExecIds() {}

  /** A fresh id; '.' cannot occur in a container name, so it never collides with a main process's id. */
  static String next() {
    return "exec." + JVM + "." + COUNTER.incrementAndGet();
  }
}
