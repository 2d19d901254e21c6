package dev.peapod.engine;

import java.math.BigDecimal;
import java.math.MathContext;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The lines {@code peapod run -f} prints for a pod it created or found, in one place for the CLI
 * and the controller: a run handed to the controller by a client that is not a JVM (the launcher's
 * {@code peapod-handoff}) prints the text the controller words here, and the CLI words the same
 * outcome with the same methods, so the two cannot drift apart.
 */
public final class RunText {
  private RunText() {}

  /** A short duration such as a boot time: {@code 471ms}, {@code 1.2s}. */
  public static String duration(Duration duration) {
    long millis = duration.toMillis();
    if (millis < 1000) {
      return millis + "ms";
    }
    return new BigDecimal(millis / 1000.0).round(new MathContext(2)).stripTrailingZeros().toPlainString() + "s";
  }

  /** {@code in 1.2s (boot id ..., tcg, warm)}: how a pod's VM came up. */
  public static String bootText(Duration bootTime, String bootId, String accelerator, String boot) {
    return "in " + duration(bootTime) + " (boot id " + bootId + ", " + accelerator + ", " + boot + ")";
  }

  /** {@link #bootText(Duration, String, String, String)} of a VM as {@link PodView#data} gives it; "" for none. */
  @SuppressWarnings("unchecked")
  public static String bootText(Object vm) {
    if (!(vm instanceof Map<?, ?> map)) {
      return "";
    }
    Map<String, Object> v = (Map<String, Object>) map;
    long millis = v.get("bootMillis") instanceof Number n ? n.longValue() : 0;
    return bootText(Duration.ofMillis(millis), String.valueOf(v.get("bootId")), String.valueOf(v.get("accelerator")),
        String.valueOf(v.get("boot")));
  }

  /** {@code Created NAME}, or {@code Exists NAME (same spec)} for a pod that was there with the same spec. */
  public static String created(String pod, boolean existed) {
    return existed ? "Exists " + pod + " (same spec)" : "Created " + pod;
  }

  /**
   * What a run that ended well prints in its table output, a line each: {@code outcome} is {@code
   * notStarted} (its spec.state is Created), {@code started} or {@code alreadyRunning}; {@code data}
   * is the pod as {@link PodView#data} gives it. Empty for any other outcome.
   */
  public static List<String> lines(String pod, boolean existed, String outcome, Map<String, Object> data) {
    String created = created(pod, existed);
    return switch (outcome) {
      case "notStarted" -> List.of(created + " (not started: its spec.state is Created)");
      case "started" -> List.of(created, "Started " + pod + " " + bootText(data.get("vm")));
      case "alreadyRunning" -> List.of(created, "Already running " + pod);
      default -> List.of();
    };
  }
}
