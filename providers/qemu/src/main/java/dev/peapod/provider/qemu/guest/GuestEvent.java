package dev.peapod.provider.qemu.guest;

/**
 * A process started or exited in the guest (EVENT_STARTED / EVENT_EXITED).
 *
 * @param seq the guest's event number, increasing from 1 per boot; acknowledged by the connection
 * @param exited true for EVENT_EXITED, false for EVENT_STARTED
 * @param container the container the process belongs to
 * @param process the process id: the container name for its main process, else the host-chosen exec id
 * @param pid guest pid (started events)
 * @param exitCode exit status or 128+signal (exited events)
 * @param signal the signal that ended it, 0 if it exited
 * @param restarts how often the container's main process was restarted
 */
public record GuestEvent(
    long seq, boolean exited, String container, String process, int pid, int exitCode, int signal,
    int restarts) {

  /** Whether the event is about a container's main process rather than an exec. */
  public boolean isMainProcess() {
    return process.isEmpty() || process.equals(container);
  }

  static GuestEvent from(Frame frame, Fields f) {
    return new GuestEvent(
        f.u64(Wire.F_EVENT_SEQ).orElse(0),
        frame.type() == Wire.MSG_EVENT_EXITED,
        f.str(Wire.F_CONTAINER).orElse(""),
        f.str(Wire.F_PROCESS).orElse(""),
        f.u32(Wire.F_PID).orElse(0),
        f.u32(Wire.F_EXIT_CODE).orElse(0),
        f.u32(Wire.F_SIGNAL).orElse(0),
        f.u32(Wire.F_RESTARTS).orElse(0));
  }
}
