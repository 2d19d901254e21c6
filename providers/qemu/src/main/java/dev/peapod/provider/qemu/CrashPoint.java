package dev.peapod.provider.qemu;

/**
 * Named points in create, start and hand-over where the crash tests kill the process: with
 * {@code PEAPOD_TEST_PAUSE_AT=NAME} in the environment, reaching point NAME prints
 * {@code peapod: paused at NAME} on stderr and blocks forever, so a test can {@code kill -9} the
 * process exactly there. Unset (always, outside tests), a point costs one string comparison.
 *
 * <p>Points: {@code after-create-record} (pod.json written), {@code after-launch} (QEMU running,
 * vm.json not yet written), {@code after-vm-record} (vm.json written, guest not yet ready),
 * {@code before-containers} (guest ready, no container started); in a hand-over ({@code replace -o
 * OLD -n NEW}): {@code handover-recorded} (the hand-over record written, nothing moved),
 * {@code handover-moving} (the control and QMP sockets moved, the rest not), {@code handover-moved}
 * (vm.json moved, the record not yet deleted).
 */
final class CrashPoint {
  private static final String PAUSE_AT = System.getenv("PEAPOD_TEST_PAUSE_AT");

  private CrashPoint() {}

  static void reach(String name) {
    if (!name.equals(PAUSE_AT)) {
      return;
    }
    System.err.println("peapod: paused at " + name);
    System.err.flush();
    while (true) {
      try {
        Thread.sleep(Long.MAX_VALUE);
      } catch (InterruptedException e) {
        // keep pausing: only a kill ends this process
      }
    }
  }
}
