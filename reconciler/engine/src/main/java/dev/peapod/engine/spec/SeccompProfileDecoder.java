package dev.peapod.engine.spec;

import dev.peapod.manifest.diag.Diagnostics;
import dev.peapod.manifest.source.SourceList;
import dev.peapod.manifest.source.SourceMap;
import dev.peapod.manifest.source.SourceNode;
import dev.peapod.manifest.source.SourceScalar;
import dev.peapod.provider.seccomp.SeccompProfile;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Decodes a seccomp profile file, the format Docker, containerd, CRI-O and the kubelet's Localhost
 * profiles share (the OCI runtime spec's {@code linux.seccomp} plus Docker's {@code archMap},
 * {@code names}, {@code comment}, {@code includes} and {@code excludes}). The file is hostile input
 * like any other: every field is checked for its type and range, unknown fields are refused, and
 * each problem is reported at its {@code file:line:col} with its path; nothing is guessed.
 *
 * <p>What is refused with the reason: {@code SCMP_ACT_NOTIFY} and {@code listenerPath} (no agent in
 * the guest takes notifications), {@code errnoRet} on an action other than ERRNO or TRACE (as runc
 * refuses it), unknown actions, operators, flags and architectures. Accepted without effect: the
 * {@code architectures}/{@code archMap} lists (guest-init runs x86_64 only; calls through another ABI
 * are killed) and {@code flags} (the filter is installed in a single-threaded process just before
 * execve, so TSYNC has nothing to do; LOG, SPEC_ALLOW and WAIT_KILLABLE_RECV change nothing a
 * container can observe through the filter).
 */
final class SeccompProfileDecoder {

  /** Rules in one profile; Docker's default profile has about 60. */
  static final int MAX_RULES = 4096;
  /** Names in one profile, all rules together; Docker's default profile names about 400. */
  static final int MAX_NAMES = 16384;
  /** Problems reported per file: a hostile file must not make an unbounded list. */
  static final int MAX_PROBLEMS = 50;
  /** The guest kernel's version, for {@code minKernel}. */
  static final int[] GUEST_KERNEL = {6, 1};

  private static final Pattern SYSCALL_NAME = Pattern.compile("[a-z0-9_]{1,64}");
  private static final Pattern KERNEL_VERSION = Pattern.compile("([0-9]{1,4})\\.([0-9]{1,4})");
  private static final BigInteger MAX_U64 = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);
  private static final Set<String> ARCHES = Set.of("SCMP_ARCH_X86", "SCMP_ARCH_X86_64", "SCMP_ARCH_X32",
      "SCMP_ARCH_ARM", "SCMP_ARCH_AARCH64", "SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPS64N32",
      "SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC", "SCMP_ARCH_PPC64",
      "SCMP_ARCH_PPC64LE", "SCMP_ARCH_S390", "SCMP_ARCH_S390X", "SCMP_ARCH_PARISC", "SCMP_ARCH_PARISC64",
      "SCMP_ARCH_RISCV64", "SCMP_ARCH_LOONGARCH64", "SCMP_ARCH_M68K", "SCMP_ARCH_SH", "SCMP_ARCH_SHEB");
  private static final Set<String> FLAGS = Set.of("SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG",
      "SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV");
  private static final Map<String, SeccompProfile.Kind> ACTIONS = Map.of(
      "SCMP_ACT_ALLOW", SeccompProfile.Kind.ALLOW,
      "SCMP_ACT_ERRNO", SeccompProfile.Kind.ERRNO,
      "SCMP_ACT_KILL", SeccompProfile.Kind.KILL_THREAD,
      "SCMP_ACT_KILL_THREAD", SeccompProfile.Kind.KILL_THREAD,
      "SCMP_ACT_KILL_PROCESS", SeccompProfile.Kind.KILL_PROCESS,
      "SCMP_ACT_TRAP", SeccompProfile.Kind.TRAP,
      "SCMP_ACT_TRACE", SeccompProfile.Kind.TRACE,
      "SCMP_ACT_LOG", SeccompProfile.Kind.LOG);
  private static final Map<String, SeccompProfile.Op> OPS = Map.of(
      "SCMP_CMP_NE", SeccompProfile.Op.NE, "SCMP_CMP_LT", SeccompProfile.Op.LT,
      "SCMP_CMP_LE", SeccompProfile.Op.LE, "SCMP_CMP_EQ", SeccompProfile.Op.EQ,
      "SCMP_CMP_GE", SeccompProfile.Op.GE, "SCMP_CMP_GT", SeccompProfile.Op.GT,
      "SCMP_CMP_MASKED_EQ", SeccompProfile.Op.MASKED_EQ);
  /** Errno names containers/common's {@code errno} fields use, with their x86_64 numbers. */
  private static final Map<String, Integer> ERRNOS = Map.ofEntries(
      Map.entry("EPERM", 1), Map.entry("ENOENT", 2), Map.entry("ESRCH", 3), Map.entry("EINTR", 4),
      Map.entry("EIO", 5), Map.entry("ENXIO", 6), Map.entry("E2BIG", 7), Map.entry("ENOEXEC", 8),
      Map.entry("EBADF", 9), Map.entry("ECHILD", 10), Map.entry("EAGAIN", 11), Map.entry("ENOMEM", 12),
      Map.entry("EACCES", 13), Map.entry("EFAULT", 14), Map.entry("EBUSY", 16), Map.entry("EEXIST", 17),
      Map.entry("EXDEV", 18), Map.entry("ENODEV", 19), Map.entry("ENOTDIR", 20), Map.entry("EISDIR", 21),
      Map.entry("EINVAL", 22), Map.entry("ENFILE", 23), Map.entry("EMFILE", 24), Map.entry("ENOTTY", 25),
      Map.entry("ETXTBSY", 26), Map.entry("EFBIG", 27), Map.entry("ENOSPC", 28), Map.entry("ESPIPE", 29),
      Map.entry("EROFS", 30), Map.entry("EMLINK", 31), Map.entry("EPIPE", 32), Map.entry("ENOSYS", 38),
      Map.entry("EPROTONOSUPPORT", 93), Map.entry("EOPNOTSUPP", 95), Map.entry("ENOTSUP", 95),
      Map.entry("EAFNOSUPPORT", 97), Map.entry("EADDRINUSE", 98), Map.entry("ECONNREFUSED", 111));

  /** Docker's names for this architecture in {@code includes.arches}/{@code excludes.arches}. */
  private static final Set<String> OUR_ARCH = Set.of("amd64", "x86_64", "SCMP_ARCH_X86_64");

  /**
   * A rule as the file gives it, before a container's capabilities decide whether it applies.
   *
   * @param names the calls it is about
   * @param action what happens to them
   * @param args conditions, all of which must hold
   * @param includes applies only when these hold
   * @param excludes does not apply when these hold
   */
  record FileRule(List<String> names, SeccompProfile.Action action, List<SeccompProfile.Arg> args,
      Filter includes, Filter excludes) {}

  /** Docker's {@code includes}/{@code excludes}: capabilities, architectures, a kernel version. */
  record Filter(List<String> caps, List<String> arches, Optional<int[]> minKernel) {
    static final Filter NONE = new Filter(List.of(), List.of(), Optional.empty());
  }

  /** A decoded file: its default action and rules, for any container. */
  record DecodedProfile(String source, SeccompProfile.Action defaultAction, List<FileRule> rules) {

    /**
     * The profile for a container holding {@code capabilities} (names without {@code CAP_}), as
     * Docker resolves it: a rule applies when the container holds every capability its
     * {@code includes} names and none its {@code excludes} names, and the architecture and kernel
     * version agree likewise.
     */
    SeccompProfile forContainer(Set<String> capabilities) {
      List<SeccompProfile.Rule> out = new ArrayList<>();
      for (FileRule rule : rules) {
        if (!included(rule.includes(), capabilities) || excluded(rule.excludes(), capabilities)) {
          continue;
        }
        for (String name : rule.names()) {
          out.add(new SeccompProfile.Rule(name, rule.action(), rule.args()));
        }
      }
      return new SeccompProfile(source, defaultAction, out);
    }

    private static boolean included(Filter f, Set<String> caps) {
      return f.caps().stream().allMatch(c -> caps.contains(bare(c)))
          && (f.arches().isEmpty() || f.arches().stream().anyMatch(OUR_ARCH::contains))
          && f.minKernel().map(v -> compare(GUEST_KERNEL, v) >= 0).orElse(true);
    }

    private static boolean excluded(Filter f, Set<String> caps) {
      return f.caps().stream().anyMatch(c -> caps.contains(bare(c)))
          || f.arches().stream().anyMatch(OUR_ARCH::contains)
          || f.minKernel().map(v -> compare(GUEST_KERNEL, v) >= 0).orElse(false);
    }

    private static int compare(int[] a, int[] b) {
      return a[0] != b[0] ? Integer.compare(a[0], b[0]) : Integer.compare(a[1], b[1]);
    }

    private static String bare(String cap) {
      return cap.startsWith("CAP_") ? cap.substring(4) : cap;
    }
  }

  private final String file;
  private final Diagnostics diagnostics;
  private int names;

  SeccompProfileDecoder(String file, Diagnostics diagnostics) {
    this.file = file;
    this.diagnostics = diagnostics;
  }

  /** The profile in {@code root}, or empty when it has errors (reported). */
  Optional<DecodedProfile> decode(SourceNode root) {
    int before = diagnostics.errorCount();
    SourceMap top = map(root, "");
    if (top == null) {
      return Optional.empty();
    }
    known(top, "", Set.of("defaultAction", "defaultErrnoRet", "defaultErrno", "architectures", "archMap", "flags",
        "syscalls", "listenerPath", "listenerMetadata"));
    SeccompProfile.Action defaultAction = null;
    Optional<SourceNode> defaultNode = top.get("defaultAction");
    if (defaultNode.isEmpty()) {
      error(top, "defaultAction", "required field is missing");
    } else {
      defaultAction = action(defaultNode.get(), "defaultAction", top.get("defaultErrnoRet"), "defaultErrnoRet",
          top.get("defaultErrno"), "defaultErrno");
    }
    top.get("architectures").ifPresent(list -> strings(list, "architectures").forEach((at, arch) ->
        checkArch(at, arch)));
    top.get("archMap").ifPresent(list -> archMap(list));
    top.get("flags").ifPresent(list -> strings(list, "flags").forEach((at, flag) -> {
      if (!FLAGS.contains(flag)) {
        error(at, "flags", "unknown flag \"" + flag + "\": one of " + String.join(", ", new java.util.TreeSet<>(FLAGS)));
      }
    }));
    for (String listener : List.of("listenerPath", "listenerMetadata")) {
      top.get(listener).ifPresent(node -> error(node, listener, "user notification is not supported by Peapod:"
          + " no agent in the guest takes SCMP_ACT_NOTIFY's notifications"));
    }
    List<FileRule> rules = new ArrayList<>();
    top.get("syscalls").ifPresent(node -> {
      SourceList list = list(node, "syscalls");
      if (list == null) {
        return;
      }
      if (list.items().size() > MAX_RULES) {
        error(list, "syscalls", "holds " + list.items().size() + " rules, more than " + MAX_RULES);
        return;
      }
      for (int i = 0; i < list.items().size() && diagnostics.errorCount() - before < MAX_PROBLEMS; i++) {
        rule(list.items().get(i), "syscalls[" + i + "]").ifPresent(rules::add);
      }
    });
    if (diagnostics.errorCount() > before || defaultAction == null) {
      return Optional.empty();
    }
    return Optional.of(new DecodedProfile(file, defaultAction, rules));
  }

  private Optional<FileRule> rule(SourceNode node, String path) {
    SourceMap m = map(node, path);
    if (m == null) {
      return Optional.empty();
    }
    known(m, path, Set.of("names", "name", "action", "errnoRet", "errno", "args", "comment", "includes", "excludes"));
    List<String> callNames = new ArrayList<>();
    m.get("names").ifPresent(list -> strings(list, path + ".names").forEach((at, name) ->
        callName(at, path + ".names", name).ifPresent(callNames::add)));
    m.get("name").ifPresent(one -> string(one, path + ".name").flatMap(name -> callName(one, path + ".name", name))
        .ifPresent(callNames::add));
    if (m.get("names").isEmpty() && m.get("name").isEmpty()) {
      error(m, path + ".names", "required field is missing: the system calls this rule is about");
    }
    m.get("comment").ifPresent(c -> string(c, path + ".comment"));
    SeccompProfile.Action action = null;
    if (m.get("action").isEmpty()) {
      error(m, path + ".action", "required field is missing");
    } else {
      action = action(m.get("action").get(), path + ".action", m.get("errnoRet"), path + ".errnoRet",
          m.get("errno"), path + ".errno");
    }
    List<SeccompProfile.Arg> args = new ArrayList<>();
    m.get("args").ifPresent(n -> {
      if (n instanceof SourceScalar s && s.isNull()) {
        return; // Docker writes "args": null
      }
      SourceList list = list(n, path + ".args");
      if (list == null) {
        return;
      }
      if (list.items().size() > 6) {
        error(list, path + ".args", "holds " + list.items().size() + " conditions; a call has 6 arguments");
        return;
      }
      for (int i = 0; i < list.items().size(); i++) {
        arg(list.items().get(i), path + ".args[" + i + "]").ifPresent(args::add);
      }
    });
    Filter includes = m.get("includes").map(n -> filter(n, path + ".includes")).orElse(Filter.NONE);
    Filter excludes = m.get("excludes").map(n -> filter(n, path + ".excludes")).orElse(Filter.NONE);
    return action == null ? Optional.empty() : Optional.of(new FileRule(callNames, action, args, includes, excludes));
  }

  private Optional<String> callName(SourceNode at, String path, String name) {
    if (!SYSCALL_NAME.matcher(name).matches()) {
      error(at, path, "invalid system call name \"" + clip(name) + "\": lower-case letters, digits and _");
      return Optional.empty();
    }
    if (++names > MAX_NAMES) {
      if (names == MAX_NAMES + 1) {
        error(at, path, "the profile names more than " + MAX_NAMES + " system calls");
      }
      return Optional.empty();
    }
    return Optional.of(name);
  }

  /**
   * An action; its errno as {@code errnoRet} (a number, the OCI field) or {@code errno} (a name,
   * containers/common's field, as podman's and CRI-O's profiles write it), which must agree when
   * both are given.
   */
  private SeccompProfile.Action action(SourceNode node, String path, Optional<SourceNode> errnoRet,
      String errnoPath, Optional<SourceNode> errnoName, String errnoNamePath) {
    Optional<String> name = string(node, path);
    if (name.isEmpty()) {
      return null;
    }
    if (name.get().equals("SCMP_ACT_NOTIFY")) {
      error(node, path, "SCMP_ACT_NOTIFY is not supported by Peapod: no agent in the guest takes its notifications");
      return null;
    }
    SeccompProfile.Kind kind = ACTIONS.get(name.get());
    if (kind == null) {
      error(node, path, "unknown action \"" + clip(name.get()) + "\": one of "
          + String.join(", ", new java.util.TreeSet<>(ACTIONS.keySet())));
      return null;
    }
    int data = kind == SeccompProfile.Kind.ERRNO ? 1 /* EPERM, as runc */ : 0;
    if (errnoName.isPresent()) {
      if (kind != SeccompProfile.Kind.ERRNO) {
        error(errnoName.get(), errnoNamePath, "an errno name is only supported with SCMP_ACT_ERRNO");
        return null;
      }
      Optional<String> name2 = string(errnoName.get(), errnoNamePath);
      if (name2.isEmpty()) {
        return null;
      }
      Integer number = ERRNOS.get(name2.get());
      if (number == null) {
        error(errnoName.get(), errnoNamePath, "unknown errno \"" + clip(name2.get()) + "\": one of "
            + String.join(", ", new java.util.TreeSet<>(ERRNOS.keySet())) + ", or give the number as errnoRet");
        return null;
      }
      data = number;
    }
    if (errnoRet.isPresent()) {
      int named = data;
      if (kind != SeccompProfile.Kind.ERRNO && kind != SeccompProfile.Kind.TRACE) {
        error(errnoRet.get(), errnoPath, "errnoRet is only supported with SCMP_ACT_ERRNO and SCMP_ACT_TRACE");
        return null;
      }
      Optional<BigInteger> value = integer(errnoRet.get(), errnoPath,
          BigInteger.valueOf(kind == SeccompProfile.Kind.ERRNO ? 4095 : 65535));
      if (value.isEmpty()) {
        return null;
      }
      data = value.get().intValue();
      if (errnoName.isPresent() && named != data) {
        error(errnoRet.get(), errnoPath, "is " + data + ", but " + errnoNamePath + " names errno " + named);
        return null;
      }
    }
    return new SeccompProfile.Action(kind, data);
  }

  private Optional<SeccompProfile.Arg> arg(SourceNode node, String path) {
    SourceMap m = map(node, path);
    if (m == null) {
      return Optional.empty();
    }
    known(m, path, Set.of("index", "value", "valueTwo", "op"));
    Optional<BigInteger> index = required(m, path, "index").flatMap(n -> integer(n, path + ".index", BigInteger.valueOf(5)));
    Optional<BigInteger> value = required(m, path, "value").flatMap(n -> integer(n, path + ".value", MAX_U64));
    Optional<BigInteger> two = m.get("valueTwo").isPresent()
        ? integer(m.get("valueTwo").get(), path + ".valueTwo", MAX_U64) : Optional.of(BigInteger.ZERO);
    Optional<SeccompProfile.Op> op = required(m, path, "op").flatMap(n -> string(n, path + ".op").flatMap(s -> {
      SeccompProfile.Op known = OPS.get(s);
      if (known == null) {
        error(n, path + ".op", "unknown operator \"" + clip(s) + "\": one of "
            + String.join(", ", new java.util.TreeSet<>(OPS.keySet())));
      }
      return Optional.ofNullable(known);
    }));
    if (index.isEmpty() || value.isEmpty() || two.isEmpty() || op.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(new SeccompProfile.Arg(index.get().intValue(), op.get(), value.get().longValue(),
        two.get().longValue()));
  }

  private Filter filter(SourceNode node, String path) {
    SourceMap m = map(node, path);
    if (m == null) {
      return Filter.NONE;
    }
    known(m, path, Set.of("caps", "arches", "minKernel"));
    List<String> caps = new ArrayList<>(m.get("caps").map(n -> strings(n, path + ".caps")).orElse(Map.of()).values());
    List<String> arches = new ArrayList<>(m.get("arches").map(n -> strings(n, path + ".arches")).orElse(Map.of())
        .values());
    Optional<int[]> minKernel = m.get("minKernel").flatMap(n -> string(n, path + ".minKernel").flatMap(v -> {
      java.util.regex.Matcher version = KERNEL_VERSION.matcher(v);
      if (!version.matches()) {
        error(n, path + ".minKernel", "invalid kernel version \"" + clip(v) + "\": MAJOR.MINOR, such as 5.8");
        return Optional.empty();
      }
      return Optional.of(new int[] {Integer.parseInt(version.group(1)), Integer.parseInt(version.group(2))});
    }));
    return new Filter(caps, arches, minKernel);
  }

  private void archMap(SourceNode node) {
    SourceList list = list(node, "archMap");
    if (list == null) {
      return;
    }
    for (int i = 0; i < list.items().size(); i++) {
      String path = "archMap[" + i + "]";
      SourceMap m = map(list.items().get(i), path);
      if (m == null) {
        continue;
      }
      known(m, path, Set.of("architecture", "subArchitectures"));
      m.get("architecture").ifPresent(a -> string(a, path + ".architecture").ifPresent(arch -> checkArch(a, arch)));
      m.get("subArchitectures").ifPresent(s -> strings(s, path + ".subArchitectures")
          .forEach((at, arch) -> checkArch(at, arch)));
    }
  }

  private void checkArch(SourceNode at, String arch) {
    if (!ARCHES.contains(arch)) {
      error(at, "architectures", "unknown architecture \"" + clip(arch) + "\" (libseccomp names, such as SCMP_ARCH_X86_64)");
    }
  }

  // ---- shapes ---------------------------------------------------------------------------------

  private Optional<SourceNode> required(SourceMap m, String path, String field) {
    Optional<SourceNode> node = m.get(field);
    if (node.isEmpty()) {
      error(m, path + "." + field, "required field is missing");
    }
    return node;
  }

  private void known(SourceMap m, String path, Set<String> fields) {
    for (SourceMap.Entry e : m.entries()) {
      if (!fields.contains(e.key())) {
        diagnostics.error(file, e.keyPosition().line(), e.keyPosition().column(),
            path.isEmpty() ? e.key() : path + "." + e.key(), "unknown field in a seccomp profile");
      }
    }
  }

  private SourceMap map(SourceNode node, String path) {
    if (node instanceof SourceMap m) {
      return m;
    }
    error(node, path, "must be an object, not " + node.describe());
    return null;
  }

  private SourceList list(SourceNode node, String path) {
    if (node instanceof SourceList l) {
      return l;
    }
    error(node, path, "must be a list, not " + node.describe());
    return null;
  }

  private Optional<String> string(SourceNode node, String path) {
    if (node instanceof SourceScalar s && s.type() == SourceScalar.ScalarType.STRING) {
      return Optional.of(s.text());
    }
    error(node, path, "must be a string, not " + node.describe());
    return Optional.empty();
  }

  /** The strings of a list, by the node each came from (in order). */
  private Map<SourceNode, String> strings(SourceNode node, String path) {
    Map<SourceNode, String> out = new java.util.LinkedHashMap<>();
    if (node instanceof SourceScalar s && s.isNull()) {
      return out;
    }
    SourceList list = list(node, path);
    if (list == null) {
      return out;
    }
    for (int i = 0; i < list.items().size(); i++) {
      SourceNode item = list.items().get(i);
      string(item, path + "[" + i + "]").ifPresent(v -> out.put(item, v));
    }
    return out;
  }

  private Optional<BigInteger> integer(SourceNode node, String path, BigInteger max) {
    if (node instanceof SourceScalar s && s.type() == SourceScalar.ScalarType.INTEGER && s.text().length() <= 40) {
      BigInteger v = new BigInteger(s.text());
      if (v.signum() >= 0 && v.compareTo(max) <= 0) {
        return Optional.of(v);
      }
      error(node, path, "must be between 0 and " + max + ", not " + s.text());
      return Optional.empty();
    }
    error(node, path, "must be an integer between 0 and " + max + ", not " + node.describe());
    return Optional.empty();
  }

  private void error(SourceNode at, String path, String message) {
    dev.peapod.manifest.source.Position p = at.position();
    diagnostics.error(file, p.line(), p.column(), path, message);
  }

  private static String clip(String s) {
    return s.length() > 80 ? s.substring(0, 80) + "..." : s;
  }
}
