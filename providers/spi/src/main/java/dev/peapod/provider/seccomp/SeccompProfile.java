package dev.peapod.provider.seccomp;

import java.util.List;
import java.util.Objects;

/**
 * A seccomp profile from a file (Kubernetes' {@code seccompProfile: Localhost}), as one container
 * runs it: the rules the file gives for x86_64 and for the container's capabilities (Docker's
 * {@code includes}/{@code excludes} already decided), in file order. {@link SeccompCompiler} turns
 * it into the classic BPF program guest-init installs.
 *
 * <p>Semantics: a call's rules are tried in file order and the first whose argument conditions all
 * hold decides; a call no rule decides gets {@link #defaultAction}. Names x86_64 does not have are
 * kept here and ignored when compiled, as runc and libseccomp ignore them (Docker's own profile
 * names calls of other architectures).
 *
 * @param source where the profile came from (the file), for messages
 * @param defaultAction what a call no rule decides gets
 * @param rules the rules, one system call each
 */
public record SeccompProfile(String source, Action defaultAction, List<Rule> rules) {

  public SeccompProfile {
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(defaultAction, "defaultAction");
    rules = List.copyOf(rules);
  }

  /** What happens to a call: the kernel's SECCOMP_RET_* values. */
  public enum Kind {
    ALLOW(0x7fff0000),
    /** Fails with the errno in {@link Action#data}. */
    ERRNO(0x00050000),
    KILL_THREAD(0x00000000),
    KILL_PROCESS(0x80000000),
    TRAP(0x00030000),
    /** For a tracer, with {@link Action#data}; without one the call fails with ENOSYS. */
    TRACE(0x7ff00000),
    LOG(0x7ffc0000);

    private final int returnValue;

    Kind(int returnValue) {
      this.returnValue = returnValue;
    }

    int returnValue() {
      return returnValue;
    }
  }

  /**
   * An action with its data: the errno of {@link Kind#ERRNO}, the message of {@link Kind#TRACE}.
   *
   * @param kind what happens
   * @param data 0..0xffff, the kernel's SECCOMP_RET_DATA
   */
  public record Action(Kind kind, int data) {
    public Action {
      Objects.requireNonNull(kind, "kind");
      if (data < 0 || data > 0xffff) {
        throw new IllegalArgumentException("seccomp action data out of range: " + data);
      }
    }
  }

  /** How an argument is compared (libseccomp's SCMP_CMP_*), unsigned and over all 64 bits. */
  public enum Op { NE, LT, LE, EQ, GE, GT, MASKED_EQ }

  /**
   * A condition on one argument.
   *
   * @param index the argument, 0..5
   * @param op the comparison
   * @param value what the argument is compared with (the mask, for {@link Op#MASKED_EQ})
   * @param valueTwo for {@link Op#MASKED_EQ}: what the masked argument must equal
   */
  public record Arg(int index, Op op, long value, long valueTwo) {
    public Arg {
      Objects.requireNonNull(op, "op");
      if (index < 0 || index > 5) {
        throw new IllegalArgumentException("seccomp argument index out of range: " + index);
      }
    }
  }

  /**
   * One system call's rule.
   *
   * @param syscall the call's name
   * @param action what happens when every condition holds
   * @param args conditions, all of which must hold (none: always)
   */
  public record Rule(String syscall, Action action, List<Arg> args) {
    public Rule {
      Objects.requireNonNull(syscall, "syscall");
      Objects.requireNonNull(action, "action");
      args = List.copyOf(args);
    }
  }
}
