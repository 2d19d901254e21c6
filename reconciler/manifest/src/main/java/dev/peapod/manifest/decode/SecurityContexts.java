package dev.peapod.manifest.decode;

import dev.peapod.manifest.model.PodSecurityDecl;
import dev.peapod.manifest.model.RunAs;
import dev.peapod.manifest.model.SecurityDecl;
import dev.peapod.manifest.model.SecurityDecl.SeccompType;
import dev.peapod.manifest.source.SourceNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Kubernetes' {@code securityContext}, pod- and container-level, with the container's settings
 * over the pod's field by field, as in Kubernetes. What each field does inside the VM is in the
 * README's security section; what cannot be honoured is refused here with the reason:
 *
 * <ul>
 *   <li>{@code privileged: true}: it would hand the container the VM's root (every device, including
 *       the host channel's ports and the other containers' image disks; no seccomp; /proc and /sys
 *       unmasked), so one container could take guest-init and the rest of the pod over. Add the
 *       capabilities it needs instead.
 *   <li>{@code procMount: Unmasked}: the VM's /proc paths that runc masks stay masked.
 *   <li>{@code appArmorProfile} of type {@code Localhost}: the guest kernel has no AppArmor;
 *       RuntimeDefault and Unconfined are accepted (both mean "no AppArmor profile", and the
 *       annotation form {@code container.apparmor.security.beta.kubernetes.io/NAME} follows the same
 *       rule). A {@code seccompProfile} of type {@code Localhost} is accepted with Kubernetes' rule for
 *       its {@code localhostProfile} (a relative path without {@code ..}); the engine reads the file
 *       from the host's profiles directory.
 *   <li>sysctls outside the pod's own namespaces (Kubernetes' namespaced ones: {@code net.*},
 *       {@code kernel.shm*}, {@code kernel.msg*}, {@code kernel.sem}, {@code fs.mqueue.*}): the
 *       others would change the kernel guest-init runs on.
 * </ul>
 */
final class SecurityContexts {
  private SecurityContexts() {}

  /** Kubernetes takes user and group ids in 0..2^31-1. */
  private static final long MAX_ID = Integer.MAX_VALUE;

  private static final String LOCALHOST_APPARMOR = "AppArmor profiles are not loaded: the guest kernel has"
      + " no AppArmor (containers are confined by capabilities, seccomp and their VM); use RuntimeDefault"
      + " or Unconfined";

  private static final Map<String, String> PROFILE_TYPES = choices("RuntimeDefault", "Unconfined", "Localhost");
  private static final Map<String, String> GROUP_POLICIES = choices("Merge", "Strict");
  private static final Map<String, String> CHANGE_POLICIES = choices("OnRootMismatch", "Always");
  private static final Map<String, String> PROC_MOUNTS = choices("Default", "Unmasked");

  /** Kubernetes' sysctl name: dot- or slash-separated segments of [a-z0-9_-] (and dots in the slash form). */
  private static final Pattern SYSCTL_NAME =
      Pattern.compile("([a-z0-9]([-_a-z0-9]*[a-z0-9])?[./])*[a-z0-9]([-_a-z0-9]*[a-z0-9])?");
  private static final List<String> NAMESPACED_PREFIXES = List.of("kernel.shm", "kernel.msg", "fs.mqueue.", "net.");

  /** Linux capability names (linux/capability.h), as Kubernetes writes them, without CAP_. */
  private static final Set<String> CAPABILITIES = Set.of(
      "CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID",
      "SETPCAP", "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN", "NET_RAW",
      "IPC_LOCK", "IPC_OWNER", "SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT",
      "SYS_ADMIN", "SYS_BOOT", "SYS_NICE", "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD",
      "LEASE", "AUDIT_WRITE", "AUDIT_CONTROL", "SETFCAP", "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG",
      "WAKE_ALARM", "BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF", "CHECKPOINT_RESTORE", "ALL");

  /** What a pod's securityContext gives each container before the container's own settings. */
  record PodLevel(RunAs runAs, Optional<Boolean> runAsNonRoot, Optional<Seccomp> seccomp, PodSecurityDecl pod) {
    static final PodLevel NONE =
        new PodLevel(RunAs.IMAGE_DEFAULT, Optional.empty(), Optional.empty(), PodSecurityDecl.NONE);
  }

  /** A {@code seccompProfile}: its type, and with Localhost the profile's relative path. */
  record Seccomp(SeccompType type, String localhostProfile) {
    static final Seccomp RUNTIME_DEFAULT = new Seccomp(SeccompType.RUNTIME_DEFAULT, "");
  }

  /** One container's user and security settings, the pod's merged in. */
  record ContainerLevel(RunAs runAs, SecurityDecl security) {}

  static RunAs runAs(MapReader context) {
    String user = context.integer("runAsUser", 0, MAX_ID).map(String::valueOf).orElse("");
    String group = context.integer("runAsGroup", 0, MAX_ID).map(String::valueOf).orElse("");
    return new RunAs(user, group);
  }

  /** {@code spec.securityContext}. */
  static PodLevel pod(MapReader r) {
    RunAs runAs = runAs(r);
    Optional<Boolean> nonRoot = r.bool("runAsNonRoot");
    List<Long> groups = ids(r, "supplementalGroups");
    boolean strict = r.choice("supplementalGroupsPolicy", GROUP_POLICIES).filter("Strict"::equals).isPresent();
    OptionalLong fsGroup = r.integer("fsGroup", 0, MAX_ID).map(OptionalLong::of).orElse(OptionalLong.empty());
    String changePolicy = r.choice("fsGroupChangePolicy", CHANGE_POLICIES).orElse("");
    Map<String, String> sysctls = sysctls(r);
    Optional<Seccomp> seccomp = r.object("seccompProfile", Shapes.SECCOMP_PROFILE)
        .flatMap(SecurityContexts::seccomp);
    r.object("appArmorProfile", Shapes.APPARMOR_PROFILE).ifPresent(SecurityContexts::appArmor);
    r.finish();
    return new PodLevel(runAs, nonRoot, seccomp,
        new PodSecurityDecl(fsGroup, changePolicy, groups, strict, sysctls));
  }

  /** A container's {@code securityContext} (absent: {@code c} empty), over {@code pod}'s. */
  static ContainerLevel container(Optional<MapReader> context, PodLevel pod) {
    if (context.isEmpty()) {
      Seccomp seccomp = pod.seccomp().orElse(Seccomp.RUNTIME_DEFAULT);
      return new ContainerLevel(pod.runAs(), new SecurityDecl(pod.runAsNonRoot().orElse(false), Optional.empty(),
          List.of(), List.of(), false, seccomp.type(), seccomp.localhostProfile()));
    }
    MapReader c = context.get();
    RunAs own = runAs(c);
    Optional<Boolean> nonRoot = c.bool("runAsNonRoot");
    Optional<Boolean> escalation = c.bool("allowPrivilegeEscalation");
    List<String> add = new ArrayList<>();
    List<String> drop = new ArrayList<>();
    c.object("capabilities", Shapes.CAPABILITIES).ifPresent(caps -> {
      add.addAll(capabilities(caps, "add"));
      drop.addAll(capabilities(caps, "drop"));
      caps.finish();
    });
    boolean readOnly = c.bool("readOnlyRootFilesystem").orElse(false);
    Optional<Seccomp> seccomp = c.object("seccompProfile", Shapes.SECCOMP_PROFILE)
        .flatMap(SecurityContexts::seccomp);
    c.object("appArmorProfile", Shapes.APPARMOR_PROFILE).ifPresent(SecurityContexts::appArmor);
    if (c.bool("privileged").orElse(false)) {
      c.problems().error(c.peek("privileged").orElseThrow(), c.path("privileged"),
          "privileged containers are not supported by Peapod: inside the VM it would give the container"
              + " every device (the host channel's ports, the other containers' image disks), no seccomp"
              + " and an unmasked /proc and /sys, so it could take over guest-init and the rest of the pod;"
              + " add the capabilities it needs (capabilities.add) instead");
    }
    if (c.choice("procMount", PROC_MOUNTS).filter("Unmasked"::equals).isPresent()) {
      c.problems().error(c.peek("procMount").orElseThrow(), c.path("procMount"),
          "procMount Unmasked is not supported by Peapod: the paths of the VM's /proc that runc masks"
              + " (kcore, sysrq-trigger, ...) stay masked in every container; use Default");
    }
    if (escalation.equals(Optional.of(false)) && add.stream().map(SecurityContexts::bare).anyMatch("SYS_ADMIN"::equals)) {
      c.problems().error(c.peek("allowPrivilegeEscalation").orElseThrow(), c.path("allowPrivilegeEscalation"),
          "cannot set allowPrivilegeEscalation to false and capabilities.add CAP_SYS_ADMIN"
              + " (as in Kubernetes: SYS_ADMIN always allows escalation)");
    }
    c.finish();
    RunAs runAs = new RunAs(own.user().isEmpty() ? pod.runAs().user() : own.user(),
        own.group().isEmpty() ? pod.runAs().group() : own.group());
    Seccomp profile = seccomp.or(pod::seccomp).orElse(Seccomp.RUNTIME_DEFAULT);
    return new ContainerLevel(runAs, new SecurityDecl(
        nonRoot.or(pod::runAsNonRoot).orElse(false), escalation, add, drop, readOnly,
        profile.type(), profile.localhostProfile()));
  }

  /**
   * The AppArmor annotation of one container, held to the {@code appArmorProfile} field's rule:
   * {@code runtime/default} and {@code unconfined} are accepted, {@code localhost/NAME} is refused
   * with the field's reason ({@link AppArmorRule} checks the two forms against each other).
   */
  static void appArmorAnnotation(String key, Located<String> value, Problems problems) {
    if (!key.startsWith(AppArmorRule.ANNOTATION)) {
      return;
    }
    String profile = value.value();
    if (profile.startsWith("localhost/")) {
      problems.error(value.position(), value.path(), LOCALHOST_APPARMOR);
    } else if (!profile.equals("runtime/default") && !profile.equals("unconfined")) {
      problems.error(value.position(), value.path(), "invalid AppArmor profile \"" + profile
          + "\": must be runtime/default, unconfined or localhost/NAME");
    }
  }

  /**
   * A seccompProfile; with Localhost, {@code localhostProfile} is required and held to Kubernetes'
   * rule (a path below the profiles directory: relative, no {@code ..} component), and to no control
   * characters or backslashes, since it becomes a host path.
   */
  private static Optional<Seccomp> seccomp(MapReader p) {
    Optional<String> type = profileType(p, null);
    Optional<String> localhost = p.string("localhostProfile");
    p.finish();
    if (type.isEmpty()) {
      return Optional.empty();
    }
    switch (type.get()) {
      case "Unconfined":
        return Optional.of(new Seccomp(SeccompType.UNCONFINED, ""));
      case "Localhost":
        if (localhost.isEmpty() || localhost.get().isEmpty()) {
          p.problems().error(p.peek("type").orElseThrow(), p.path("localhostProfile"),
              "must be set when seccomp type is Localhost");
          return Optional.empty();
        }
        Optional<String> problem = localProfileProblem(localhost.get());
        if (problem.isPresent()) {
          p.problems().error(p.peek("localhostProfile").orElseThrow(), p.path("localhostProfile"), problem.get());
          return Optional.empty();
        }
        return Optional.of(new Seccomp(SeccompType.LOCALHOST, localhost.get()));
      default:
        return Optional.of(Seccomp.RUNTIME_DEFAULT);
    }
  }

  /** Why {@code path} cannot name a profile below the profiles directory, if it cannot. */
  static Optional<String> localProfileProblem(String path) {
    if (path.startsWith("/")) {
      return Optional.of("must be a relative path (to the host's seccomp profiles directory), not an absolute one");
    }
    if (path.chars().anyMatch(ch -> ch < 0x20 || ch == 0x7f)) {
      return Optional.of("must not hold a control character");
    }
    if (path.contains("\\")) {
      return Optional.of("must not contain a backslash");
    }
    if (path.length() > 4096) {
      return Optional.of("is longer than 4096 characters");
    }
    for (String part : path.split("/", -1)) {
      if (part.equals("..")) {
        return Optional.of("must not contain '..'");
      }
    }
    return Optional.empty();
  }

  private static void appArmor(MapReader p) {
    profileType(p, LOCALHOST_APPARMOR);
    p.finish();
  }

  /**
   * {@code type} (required) and {@code localhostProfile}, with Kubernetes' rules between them;
   * {@code localhostRefusal}, when given, refuses type Localhost.
   */
  private static Optional<String> profileType(MapReader p, String localhostRefusal) {
    if (!p.has("type")) {
      p.problems().error(p.position(), p.path("type"), "required field is missing");
    }
    Optional<String> type = p.choice("type", PROFILE_TYPES);
    Optional<String> localhost = localhostRefusal == null ? Optional.empty() : p.string("localhostProfile");
    if (localhostRefusal != null && type.filter("Localhost"::equals).isPresent()) {
      p.problems().error(p.peek("type").orElseThrow(), p.path("type"), localhostRefusal);
    } else if (localhostRefusal == null && !type.filter("Localhost"::equals).isPresent() && p.has("localhostProfile")) {
      p.problems().error(p.peek("localhostProfile").orElseThrow(), p.path("localhostProfile"),
          "can only be set when type is Localhost");
    } else if (localhost.isPresent()) {
      p.problems().error(p.peek("localhostProfile").orElseThrow(), p.path("localhostProfile"),
          "can only be set when type is Localhost");
    }
    return type;
  }

  private static List<String> capabilities(MapReader caps, String field) {
    List<String> names = caps.strings(field);
    List<SourceNode> items = caps.peekList(field);
    for (int i = 0; i < names.size() && i < items.size(); i++) {
      if (!CAPABILITIES.contains(bare(names.get(i)))) {
        caps.problems().error(items.get(i), caps.path(field).index(i), "unknown capability \"" + names.get(i)
            + "\": Linux capabilities are named like NET_ADMIN or CAP_NET_ADMIN, or ALL");
      }
    }
    return names;
  }

  /** {@code NET_ADMIN} for {@code cap_net_admin}, {@code CAP_NET_ADMIN} or {@code NET_ADMIN}. */
  static String bare(String name) {
    String upper = name.toUpperCase(Locale.ROOT);
    return upper.startsWith("CAP_") ? upper.substring(4) : upper;
  }

  private static List<Long> ids(MapReader r, String field) {
    List<Long> ids = new ArrayList<>();
    List<SourceNode> items = r.list(field);
    for (int i = 0; i < items.size(); i++) {
      r.asInteger(items.get(i), r.path(field).index(i), 0, MAX_ID).ifPresent(ids::add);
    }
    return ids;
  }

  private static Map<String, String> sysctls(MapReader r) {
    Map<String, String> out = new LinkedHashMap<>();
    for (MapReader s : r.objects("sysctls", Shapes.SYSCTL)) {
      String name = s.requiredString("name");
      String value = s.string("value").orElse("");
      if (!s.has("value")) {
        s.problems().error(s.position(), s.path("value"), "required field is missing");
      }
      s.finish();
      if (name.isEmpty()) {
        continue;
      }
      SourceNode at = s.peek("name").orElseThrow();
      if (sysctlAllowed(name, out, at, s.path("name"), s.problems())
          && hasControlCharacter(value)) {
        s.problems().error(s.peek("value").orElseThrow(), s.path("value"), "must not hold a control character");
      }
      out.put(name, value);
    }
    return out;
  }

  /**
   * Checks one sysctl's name (at {@code at}) against Kubernetes' rules, the namespaced ones the
   * guest sets, and the names already in {@code seen}; true when the name passed (the caller then
   * checks the value with {@link #hasControlCharacter}).
   */
  static boolean sysctlAllowed(String name, Map<String, String> seen, SourceNode at, FieldPath path,
      Problems problems) {
    return sysctlAllowed(name, seen, at.position(), path, problems);
  }

  static boolean sysctlAllowed(String name, Map<String, String> seen, dev.peapod.manifest.source.Position at,
      FieldPath path, Problems problems) {
    if (!SYSCTL_NAME.matcher(name).matches()) {
      problems.error(at, path, "invalid sysctl name \"" + name
          + "\": dot- or slash-separated lower-case segments, such as net.ipv4.ip_local_port_range");
    } else if (!namespaced(dotted(name))) {
      problems.error(at, path, "sysctl \"" + name + "\" is not supported by Peapod: only"
          + " namespaced sysctls (net.*, kernel.shm*, kernel.msg*, kernel.sem, fs.mqueue.*) are set, since"
          + " the others would change the kernel guest-init and every container of the VM run on");
    } else if (seen.containsKey(name)) {
      problems.error(at, path, "duplicate sysctl \"" + name + "\"");
    } else {
      return true;
    }
    return false;
  }

  /** A sysctl value goes into /proc/sys as one line. */
  static boolean hasControlCharacter(String value) {
    return value.chars().anyMatch(ch -> ch < 0x20 && ch != '\t');
  }

  /** Kubernetes' slash form in dots ({@code net/ipv4/conf/eth0.100/forwarding} keeps its dot as a name part). */
  private static String dotted(String name) {
    if (!name.contains("/")) {
      return name;
    }
    StringBuilder sb = new StringBuilder();
    for (char ch : name.toCharArray()) {
      sb.append(ch == '/' ? '.' : ch == '.' ? '/' : ch);
    }
    return sb.toString();
  }

  private static boolean namespaced(String dotted) {
    return dotted.equals("kernel.sem") || NAMESPACED_PREFIXES.stream().anyMatch(dotted::startsWith);
  }

  private static Map<String, String> choices(String... values) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String v : values) {
      out.put(v, v);
    }
    return out;
  }
}
