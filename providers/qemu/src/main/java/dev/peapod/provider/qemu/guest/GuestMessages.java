package dev.peapod.provider.qemu.guest;

import dev.peapod.provider.ContainerLifecycle;
import dev.peapod.provider.ContainerSecurity;
import dev.peapod.provider.ContainerSpec;
import dev.peapod.provider.ContainerStatus;
import dev.peapod.provider.ContainerStatus.ContainerState;
import dev.peapod.provider.ExecSpec;
import dev.peapod.provider.LinuxCapabilities;
import dev.peapod.provider.PodSecurity;
import dev.peapod.provider.seccomp.SeccompCompiler;
import dev.peapod.provider.PodSpec;
import dev.peapod.provider.Probe;
import dev.peapod.provider.ProbeAction;
import dev.peapod.provider.RestartPolicy;
import dev.peapod.provider.VolumeMount;
import dev.peapod.provider.VolumeSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.function.Function;

/** Translates between the provider SPI's types and the payloads of guest requests and replies. */
public final class GuestMessages {

  /**
   * First restart delay for a container with restart policy Always/OnFailure;
   * the guest doubles it up to 300 s. Shorter than Kubernetes' 10 s because a
   * restart inside a micro-VM costs milliseconds, not a kubelet round.
   */
  public static final Duration RESTART_BACKOFF = Duration.ofSeconds(1);

  private GuestMessages() {}

  /**
   * RESTORED: {@code entropy} reseeds the guest kernel's RNG, {@code now} sets its clock,
   * {@code freePageReporting} false turns the guest's free page reporting off (its RAM is a
   * private mapping of a template's, where reported pages cannot be dropped); the OK carries
   * the VM's new boot id.
   */
  public static Fields restored(byte[] entropy, Instant now, boolean freePageReporting) {
    return Fields.builder()
        .bytes(Wire.F_ENTROPY, entropy)
        .u64(Wire.F_TIME_NS, now.getEpochSecond() * 1_000_000_000L + now.getNano())
        .u32(Wire.F_FREE_PAGE_REPORTING, freePageReporting ? 1 : 0)
        .build();
  }

  /** START_POD for a pod without hostPath or image volumes. */
  public static Fields startPod(PodSpec spec, Instant now) {
    return startPod(spec, now, name -> null);
  }

  /** START_POD for a pod without image volumes. */
  public static Fields startPod(PodSpec spec, Instant now, Function<String, HostVolume> hostVolumes) {
    return startPod(spec, now, hostVolumes, name -> null);
  }

  /**
   * START_POD: the pod-wide settings; {@code now} lets the guest set its clock;
   * {@code hostVolumes} gives the share of each hostPath volume by name (null for an emptyDir),
   * {@code volumeImages} where the guest finds each image volume's image (as ADD_CONTAINER names a
   * container's).
   */
  public static Fields startPod(PodSpec spec, Instant now, Function<String, HostVolume> hostVolumes,
      Function<String, GuestImage> volumeImages) {
    Fields.Builder b = Fields.builder()
        .str(Wire.F_HOSTNAME, spec.hostname())
        .strs(Wire.F_DNS_SERVER, spec.dns().nameservers())
        .strs(Wire.F_DNS_SEARCH, spec.dns().searches())
        .strs(Wire.F_DNS_OPTION, spec.dns().options())
        .strs(Wire.F_HOSTS_LINE, spec.extraHosts())
        .u64(Wire.F_TIME_NS, now.getEpochSecond() * 1_000_000_000L + now.getNano());
    if (spec.vm().pidsMax() > 0) { // absent means no limit, as before the field existed
      b.u64(Wire.F_PIDS_MAX, spec.vm().pidsMax());
    }
    for (VolumeSpec v : spec.volumes()) {
      Fields.Builder volume = Fields.builder().str(Wire.F_NAME, v.name())
          .u64(Wire.F_SIZE_LIMIT, v.sizeLimitBytes());
      if (v.mode() != null) {
        volume.u32(Wire.F_VOLUME_MODE, v.mode());
      }
      if (v.image() != null) {
        GuestImage image = volumeImages.apply(v.name());
        volume.str(image.tag(), image.name());
      }
      if (v.files().isPresent()) {
        volume.u32(Wire.F_FILES, 1); // filled by a FileRevision after START_POD
      }
      HostVolume host = hostVolumes.apply(v.name());
      if (host != null) {
        volume.str(Wire.F_HOST_TAG, host.tag());
        if (host.file() != null) {
          volume.str(Wire.F_HOST_FILE, host.file());
        }
      }
      b.group(Wire.F_VOLUME, volume.build());
    }
    return podSecurity(b, spec.name(), spec.security()).build();
  }

  /**
   * POD, and FS_GROUP and SYSCTL when the pod has them. A sysctl goes as its path under /proc/sys:
   * Kubernetes' {@code net.ipv4.ip_forward} is {@code net/ipv4/ip_forward}, and in the slash form
   * it also accepts ({@code net/ipv4/conf/eth0.100/forwarding}) dots are parts of names.
   */
  private static Fields.Builder podSecurity(Fields.Builder b, String pod, PodSecurity security) {
    b.str(Wire.F_POD, pod);
    security.fsGroup().ifPresent(g -> b.u32(Wire.F_FS_GROUP, (int) g));
    security.sysctls().forEach((name, value) -> b.str(Wire.F_SYSCTL, sysctlPath(name) + "=" + value));
    return b;
  }

  static String sysctlPath(String name) {
    return name.contains("/") ? name : name.replace('.', '/');
  }

  /**
   * How the guest finds a hostPath volume: its 9p share's mount tag, and the
   * one file of the share it is (or null for the whole share). readOnly stays
   * a per-mount matter (MOUNT's READONLY).
   */
  public record HostVolume(String tag, String file) {}

  /** ADD_CONTAINER for one container whose image is the virtio-blk device with serial {@code imageSerial}. */
  public static Fields addContainer(ContainerSpec c, String imageSerial, Duration grace) {
    return addContainer(c, GuestImage.device(imageSerial), grace);
  }

  /** ADD_CONTAINER for one container whose image the guest finds as {@code image} says. */
  public static Fields addContainer(ContainerSpec c, GuestImage image, Duration grace) {
    Fields.Builder b = Fields.builder()
        .str(Wire.F_CONTAINER, c.name())
        .str(image.tag(), image.name())
        .strs(Wire.F_ARGV, c.command())
        .strs(Wire.F_ENV, env(c.env()))
        .str(Wire.F_CWD, c.workingDir().isEmpty() ? "/" : c.workingDir());
    optional(b, Wire.F_USER, c.user())
        .u32(Wire.F_RESTART, restart(c.restartPolicy()))
        .u32(Wire.F_BACKOFF_MS, millis(RESTART_BACKOFF));
    for (VolumeMount m : c.mounts()) {
      Fields.Builder mount = Fields.builder()
          .str(Wire.F_NAME, m.volume())
          .str(Wire.F_PATH, m.mountPath())
          .u32(Wire.F_READONLY, m.readOnly() ? 1 : 0);
      // No SUBPATH means the volume's root; guest-init refuses an empty one.
      b.group(Wire.F_MOUNT, optional(mount, Wire.F_SUBPATH, m.subPath()).build());
    }
    b.u32(Wire.F_GRACE_MS, millis(grace));
    // Left out when off, so an ADD_CONTAINER without them is what it was before they existed.
    if (c.stdio().stdin()) {
      b.u32(Wire.F_STDIN, 1);
    }
    if (c.stdio().stdinOnce()) {
      b.u32(Wire.F_STDIN_ONCE, 1);
    }
    if (c.stdio().tty()) {
      b.u32(Wire.F_TTY, 1);
    }
    ContainerLifecycle lc = c.lifecycle();
    lc.liveness().ifPresent(p -> b.group(Wire.F_PROBE, probe(Wire.PROBE_LIVENESS, p)));
    lc.readiness().ifPresent(p -> b.group(Wire.F_PROBE, probe(Wire.PROBE_READINESS, p)));
    lc.startup().ifPresent(p -> b.group(Wire.F_PROBE, probe(Wire.PROBE_STARTUP, p)));
    lc.postStart().ifPresent(a -> b.group(Wire.F_HOOK,
        action(Fields.builder().u32(Wire.F_PROBE_KIND, Wire.HOOK_POST_START), a).build()));
    lc.preStop().ifPresent(a -> b.group(Wire.F_HOOK,
        action(Fields.builder().u32(Wire.F_PROBE_KIND, Wire.HOOK_PRE_STOP), a).build()));
    return security(b, c.security()).build();
  }

  /** ATTACH to a container's main process: its stdin from this host when {@code stdin}, its output when {@code output}. */
  public static Fields attach(String container, boolean stdin, boolean output) {
    return Fields.builder().str(Wire.F_CONTAINER, container)
        .u32(Wire.F_STDIN, stdin ? 1 : 0).u32(Wire.F_OUTPUT, output ? 1 : 0).build();
  }

  private static Fields probe(int kind, Probe p) {
    Fields.Builder b = action(Fields.builder().u32(Wire.F_PROBE_KIND, kind), p.action())
        .u32(Wire.F_INITIAL_DELAY_MS, millis(p.initialDelay()))
        .u32(Wire.F_PERIOD_MS, millis(p.period()))
        .u32(Wire.F_TIMEOUT_MS, millis(p.timeout()))
        .u32(Wire.F_SUCCESS_THRESHOLD, p.successThreshold())
        .u32(Wire.F_FAILURE_THRESHOLD, p.failureThreshold());
    p.terminationGracePeriod().ifPresent(g -> b.u32(Wire.F_GRACE_MS, millis(g)));
    return b.build();
  }

  private static Fields.Builder action(Fields.Builder b, ProbeAction action) {
    if (action instanceof ProbeAction.Exec e) {
      return b.u32(Wire.F_ACTION, Wire.ACTION_EXEC).strs(Wire.F_ARGV, e.command());
    } else if (action instanceof ProbeAction.HttpGet h) {
      b.u32(Wire.F_ACTION, Wire.ACTION_HTTP).str(Wire.F_HOST, h.host()).u32(Wire.F_PORT, h.port())
          .str(Wire.F_HTTP_PATH, h.path())
          .strs(Wire.F_HTTP_HEADER, h.headers().stream().map(x -> x.name() + ": " + x.value()).toList());
      // Only for HTTPS: a plain HTTP probe is sent as it always was.
      return h.https() ? b.u32(Wire.F_HTTP_TLS, 1) : b;
    } else if (action instanceof ProbeAction.Grpc g) {
      b.u32(Wire.F_ACTION, Wire.ACTION_GRPC).str(Wire.F_HOST, g.host()).u32(Wire.F_PORT, g.port());
      return g.service().isEmpty() ? b : b.str(Wire.F_GRPC_SERVICE, g.service());
    } else if (action instanceof ProbeAction.TcpSocket t) {
      return b.u32(Wire.F_ACTION, Wire.ACTION_TCP).str(Wire.F_HOST, t.host()).u32(Wire.F_PORT, t.port());
    } else if (action instanceof ProbeAction.Sleep s) {
      return b.u32(Wire.F_ACTION, Wire.ACTION_SLEEP).u32(Wire.F_SLEEP_MS, millis(s.duration()));
    }
    throw new IllegalArgumentException("unknown probe action " + action);
  }

  /**
   * The securityContext fields of ADD_CONTAINER; none for the defaults, which is what a guest
   * does without them (so a pod without a securityContext sends what it always sent).
   */
  private static Fields.Builder security(Fields.Builder b, ContainerSecurity s) {
    if (s.equals(ContainerSecurity.DEFAULT)) {
      return b;
    }
    b.u64(Wire.F_CAPS, LinuxCapabilities.mask(s.capabilities()))
        .u32(Wire.F_NO_NEW_PRIVS, s.noNewPrivileges() ? 1 : 0)
        .u32(Wire.F_SECCOMP, switch (s.seccomp()) {
          case UNCONFINED -> Wire.SECCOMP_UNCONFINED;
          case LOCALHOST -> Wire.SECCOMP_FILTER;
          default -> Wire.SECCOMP_RUNTIME_DEFAULT;
        })
        .u32(Wire.F_READONLY_ROOT, s.readOnlyRootFilesystem() ? 1 : 0)
        .u32(Wire.F_RUN_AS_NON_ROOT, s.runAsNonRoot() ? 1 : 0);
    if (s.localhostProfile() != null) {
      b.bytes(Wire.F_SECCOMP_FILTER, SeccompCompiler.compile(s.localhostProfile()));
    }
    s.groups().forEach(g -> b.u32(Wire.F_GROUP_ID, (int) (long) g));
    return s.groupsStrict() ? b.u32(Wire.F_GROUPS_STRICT, 1) : b;
  }

  /** EXEC; an empty working directory or user means the container's, so the field is left out. */
  public static Fields exec(String process, ExecSpec spec) {
    Fields.Builder b = Fields.builder()
        .str(Wire.F_CONTAINER, spec.container())
        .str(Wire.F_PROCESS, process)
        .strs(Wire.F_ARGV, spec.command())
        .strs(Wire.F_ENV, env(spec.env()));
    optional(b, Wire.F_CWD, spec.workingDir());
    return optional(b, Wire.F_USER, spec.user())
        .u32(Wire.F_TTY, spec.tty() ? 1 : 0)
        .u32(Wire.F_ROWS, spec.size().rows())
        .u32(Wire.F_COLS, spec.size().cols())
        .build();
  }

  /** REMOVE_CONTAINER: the container's processes get {@code grace}, then it and its writable layer are gone. */
  public static Fields removeContainer(String container, Duration grace) {
    return Fields.builder().str(Wire.F_CONTAINER, container).u32(Wire.F_GRACE_MS, millis(grace)).build();
  }

  /** DESTROY_POD and SHUTDOWN take only the grace period. */
  public static Fields grace(Duration grace) {
    return Fields.builder().u32(Wire.F_GRACE_MS, millis(grace)).build();
  }

  /**
   * The CONTAINER_STATUS groups of a STATUS reply, in the guest's order;
   * {@code imageIds} maps an image serial (or image share file name) back to the image id.
   */
  public static List<ContainerStatus> containerStatuses(Fields ok, Function<String, String> imageIds) {
    return ok.groups(Wire.F_CONTAINER_STATUS).stream().map(g -> containerStatus(g, imageIds)).toList();
  }

  private static ContainerStatus containerStatus(Fields g, Function<String, String> imageIds) {
    ContainerState state = switch (g.u32(Wire.F_STATE).orElse(0)) {
      case Wire.STATE_RUNNING -> ContainerState.RUNNING;
      case Wire.STATE_WAITING -> ContainerState.WAITING;
      default -> ContainerState.EXITED;
    };
    OptionalInt exitCode = g.u32(Wire.F_EXIT_CODE);
    if (state == ContainerState.RUNNING && g.u32(Wire.F_RESTARTS).orElse(0) == 0) {
      exitCode = OptionalInt.empty(); // never exited; the guest may send 0 as "none"
    }
    return new ContainerStatus(
        g.str(Wire.F_CONTAINER).orElse(""),
        state,
        state == ContainerState.RUNNING ? g.u32(Wire.F_PID).orElse(0) : 0,
        exitCode,
        g.u32(Wire.F_RESTARTS).orElse(0),
        imageIds.apply(g.str(Wire.F_IMAGE).orElse("")),
        // A guest from before probes sends neither: then running means ready.
        g.u32(Wire.F_READY).orElse(state == ContainerState.RUNNING ? 1 : 0) == 1,
        g.u32(Wire.F_STARTED).orElse(state == ContainerState.RUNNING ? 1 : 0) == 1,
        g.str(Wire.F_PROBE_MESSAGE).orElse(""));
  }

  /** Adds a string field only when it has a value: the guest treats a present field as set. */
  private static Fields.Builder optional(Fields.Builder b, int tag, String value) {
    return value.isEmpty() ? b : b.str(tag, value);
  }

  private static List<String> env(Map<String, String> env) {
    return env.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList();
  }

  private static int restart(RestartPolicy policy) {
    return switch (policy) {
      case ALWAYS -> Wire.RESTART_ALWAYS;
      case ON_FAILURE -> Wire.RESTART_ON_FAILURE;
      case NEVER -> Wire.RESTART_NEVER;
    };
  }

  /** Milliseconds as a u32, clamped: the wire cannot carry more than ~49 days. */
  private static int millis(Duration d) {
    return (int) Math.min(Math.max(d.toMillis(), 0), 0xFFFF_FFFFL);
  }
}
