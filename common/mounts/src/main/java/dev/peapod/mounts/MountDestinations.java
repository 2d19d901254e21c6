package dev.peapod.mounts;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Where a volume may not be mounted, as runc refuses mounts over /proc (its checkProcMount): a volume
 * there would shadow what the container's /proc and /sys mask or keep read-only, or the kernel's own
 * word (a {@code cap_last_cap} of the volume's decided which capabilities a process kept). So
 * {@code /proc}, {@code /sys} and anything under them, {@code /dev} itself and the devices, {@code pts},
 * {@code fd} and {@code std*} links in it, and the root; other paths under /dev ({@code /dev/shm},
 * {@code /dev/termination-log}) are fine. A path holding {@code ..} is refused outright
 * ({@code /x/../proc/sys/kernel} would otherwise pass the rule and fail only at start).
 *
 * <p>One rule for the pod file (reconciler/manifest, whose errors name file, line and field) and for
 * callers of the provider API (providers/qemu's PodSpecValidator); each words its own message around
 * the {@link Refusal}. guest-init refuses the same at start, and where a symlink leads too
 * (guest-init/src/masks.c), so this set must match its {@code dev_entries}.
 */
public final class MountDestinations {

  /** What guest-init puts in a container's /dev (devices.c, masks.c's dev_entries). */
  static final Set<String> DEV_ENTRIES = Set.of("null", "zero", "full", "random", "urandom", "tty",
      "console", "ptmx", "pts", "fd", "stdin", "stdout", "stderr");

  /** Why a mount path is refused. */
  public sealed interface Refusal {
  }

  /** The path holds a {@code ..} part. */
  public record DotDot() implements Refusal {
  }

  /**
   * The path is, or is under, something the container must keep: {@code what} says which ("the
   * container's /proc", "/dev/null, which guest-init makes").
   */
  public record Shadows(String what) implements Refusal {
    /** "would shadow WHAT: no volume may be mounted on ...", to follow the path in a message. */
    public String wouldShadow() {
      return "would shadow " + what
          + ": no volume may be mounted on /proc, /sys or what they hold, on /dev or its devices";
    }
  }

  private MountDestinations() {
  }

  /** Empty when a volume may be mounted at {@code path} (an absolute path; absence is checked apart). */
  public static Optional<Refusal> refusal(String path) {
    List<String> parts = Arrays.stream(path.split("/"))
        .filter(p -> !p.isEmpty() && !p.equals(".")).toList();
    if (parts.contains("..")) {
      return Optional.of(new DotDot());
    }
    String refused = null;
    if (parts.isEmpty()) {
      refused = "the container's root";
    } else if (parts.get(0).equals("proc") || parts.get(0).equals("sys")) {
      refused = "the container's /" + parts.get(0);
    } else if (parts.get(0).equals("dev")) {
      if (parts.size() == 1) {
        refused = "the container's /dev";
      } else if (DEV_ENTRIES.contains(parts.get(1))) {
        refused = "/dev/" + parts.get(1) + ", which guest-init makes";
      }
    }
    return Optional.ofNullable(refused).map(Shadows::new);
  }
}
