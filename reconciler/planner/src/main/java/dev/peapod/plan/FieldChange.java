package dev.peapod.plan;

/**
 * One field that differs between the applied and the desired spec.
 *
 * @param path where, in manifest spelling with list items keyed by name:
 *     {@code spec.containers[web].env[LOG_LEVEL]}
 * @param before the applied value (canonical JSON: string, number, boolean, list or map), or
 *     null when the field is new
 * @param after the desired value, or null when the field goes away
 * @param impact what the change needs
 */
public record FieldChange(String path, Object before, Object after, Impact impact) {

  /** What a change of a field needs, from least to most disruptive. */
  public enum Impact {
    /** Only the recorded manifest changes (labels, annotations). */
    RECORD,
    /** New files in the running VM's volumes of files; nothing restarts. */
    FILES,
    /** New containers in the running VM. */
    CONTAINERS,
    /** A new VM. */
    VM
  }

  /** {@code +}, {@code -} or {@code ~}, as the diff prints it. */
  public String symbol() {
    return before == null ? "+" : after == null ? "-" : "~";
  }
}
