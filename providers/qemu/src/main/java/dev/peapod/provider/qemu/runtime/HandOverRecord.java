package dev.peapod.provider.qemu.runtime;

import java.util.Objects;

/**
 * A hand-over under way: the running VM of pod {@code from} becomes pod {@code to}'s
 * ({@code $STATE/handovers/FROM.json}). Written before anything moves and deleted when everything
 * has, so a process killed in between leaves this record, from which the next command on either pod
 * finishes the hand-over: every step is a rename or write that can be done again.
 *
 * @param from the pod whose VM it was; it ends Created
 * @param to the pod that takes the VM; it ends Running
 * @param vm the VM as {@code from} recorded it when the hand-over began (ports already changed to
 *     {@code to}'s)
 */
public record HandOverRecord(String from, String to, VmRecord vm) {
  public HandOverRecord {
    Objects.requireNonNull(from, "from");
    Objects.requireNonNull(to, "to");
    Objects.requireNonNull(vm, "vm");
  }

  /** Whether {@code pod} gives or takes the VM. */
  public boolean involves(String pod) {
    return from.equals(pod) || to.equals(pod);
  }

  /** What {@code ps} and {@code inspect} say about either pod until the hand-over is finished. */
  public String interruptedMessage() {
    return "handing the VM of pod \"" + from + "\" over to pod \"" + to + "\" was interrupted;"
        + " the next start, stop, replace or rm of either pod finishes it";
  }
}
