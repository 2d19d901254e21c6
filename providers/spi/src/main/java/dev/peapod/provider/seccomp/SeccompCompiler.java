package dev.peapod.provider.seccomp;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.TreeMap;

/**
 * Compiles a {@link SeccompProfile} for x86_64 into the classic BPF program guest-init installs
 * (guest-init's {@code PP_F_SECCOMP_FILTER}: little-endian {@code struct sock_filter}s).
 *
 * <p>The program, as guest-init's own default profile does it:
 * <ol>
 *   <li>a call through another ABI than x86_64's kills the process (libseccomp's "bad arch");
 *   <li>x32 numbers (bit 30) and numbers above every call this table knows fail with ENOSYS, as
 *       runc makes them do, so programs probing newer calls fall back, unless the default action
 *       allows or logs them;
 *   <li>a binary search over the numbers the profile names, about ten comparisons per call where a
 *       list of 300 equality tests would cost up to 300 (under TCG at that); numbers it does not
 *       name go to the default action;
 *   <li>per call, its rules in order: arguments compared over all 64 bits as libseccomp compares
 *       them on a 64-bit architecture, the first rule whose conditions all hold decides, else the
 *       default.
 * </ol>
 * Every conditional jump here jumps at most one instruction (over an unconditional {@code ja},
 * which reaches anywhere), so no program is too long for the 8-bit offsets of a conditional jump.
 */
public final class SeccompCompiler {

  /** The kernel's BPF_MAXINSNS. */
  public static final int MAX_INSTRUCTIONS = 4096;

  private static final int AUDIT_ARCH_X86_64 = 0xc000003e;
  private static final int X32_BIT = 0x40000000;
  private static final int RET_ENOSYS = 0x00050000 | 38;
  private static final int RET_KILL_PROCESS = 0x80000000;

  private static final int LD_W_ABS = 0x20;
  private static final int ALU_AND_K = 0x54;
  private static final int JA = 0x05;
  private static final int JEQ = 0x15;
  private static final int JGT = 0x25;
  private static final int JGE = 0x35;
  private static final int RET_K = 0x06;

  private static final int OFF_NR = 0;
  private static final int OFF_ARCH = 4;
  private static final int OFF_ARGS = 16;

  private SeccompCompiler() {}

  /** Thrown when the program would be longer than the kernel takes. */
  public static final class TooLargeException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    TooLargeException(String message) {
      super(message);
    }
  }

  /**
   * The program for {@code profile}, 8 bytes per instruction.
   *
   * @throws TooLargeException over {@link #MAX_INSTRUCTIONS} instructions
   */
  public static byte[] compile(SeccompProfile profile) {
    List<Insn> program = new Assembler(profile).program();
    if (program.size() > MAX_INSTRUCTIONS) {
      throw new TooLargeException("it compiles to " + program.size() + " BPF instructions, more than the "
          + MAX_INSTRUCTIONS + " the kernel loads; merge rules that share an action (one rule may name many calls)");
    }
    ByteBuffer out = ByteBuffer.allocate(program.size() * 8).order(ByteOrder.LITTLE_ENDIAN);
    for (Insn insn : program) {
      out.putShort((short) insn.code).put((byte) insn.jt).put((byte) insn.jf).putInt(insn.k);
    }
    return out.array();
  }

  /** The filter's return value for {@code action}. */
  static int returnValue(SeccompProfile.Action action) {
    return action.kind().returnValue() | action.data();
  }

  /** One instruction; a jump's target is a label until {@link Assembler#program} resolves it. */
  private static final class Insn {
    final int code;
    final int jt;
    final int jf;
    int k;
    final Label target;

    Insn(int code, int jt, int jf, int k, Label target) {
      this.code = code;
      this.jt = jt;
      this.jf = jf;
      this.k = k;
      this.target = target;
    }
  }

  private static final class Label {
    int at = -1;
  }

  private static final class Assembler {
    private final SeccompProfile profile;
    private final List<Insn> code = new ArrayList<>();
    private final Map<Integer, Label> returns = new LinkedHashMap<>();

    Assembler(SeccompProfile profile) {
      this.profile = profile;
    }

    List<Insn> program() {
      int defaultRet = returnValue(profile.defaultAction());
      SeccompProfile.Kind kind = profile.defaultAction().kind();
      int newerRet = kind == SeccompProfile.Kind.ALLOW || kind == SeccompProfile.Kind.LOG ? defaultRet : RET_ENOSYS;

      // Rules per call number, in file order; names x86_64 does not have are left out.
      TreeMap<Integer, List<SeccompProfile.Rule>> byNumber = new TreeMap<>();
      for (SeccompProfile.Rule rule : profile.rules()) {
        OptionalInt nr = X8664Syscalls.number(rule.syscall());
        if (nr.isPresent()) {
          byNumber.computeIfAbsent(nr.getAsInt(), n -> new ArrayList<>()).add(rule);
        }
      }
      // Where each call goes: a shared return when its first rule has no conditions, else its own block.
      Map<Integer, Label> blocks = new LinkedHashMap<>();
      List<int[]> ranges = new ArrayList<>(); // {lo, target id}
      List<Label> targets = new ArrayList<>();
      Label defaultLabel = ret(defaultRet);
      for (int nr = 0; nr <= X8664Syscalls.highest(); nr++) {
        List<SeccompProfile.Rule> rules = byNumber.get(nr);
        Label target;
        if (rules == null) {
          target = defaultLabel;
        } else if (rules.get(0).args().isEmpty()) {
          target = ret(returnValue(rules.get(0).action()));
        } else {
          target = new Label();
          blocks.put(nr, target);
        }
        if (ranges.isEmpty() || targets.get(ranges.get(ranges.size() - 1)[1]) != target) {
          targets.add(target);
          ranges.add(new int[] {nr, targets.size() - 1});
        }
      }
      targets.add(ret(newerRet));
      ranges.add(new int[] {X8664Syscalls.highest() + 1, targets.size() - 1});

      emit(LD_W_ABS, 0, 0, OFF_ARCH, null);
      jumpIf(JEQ, AUDIT_ARCH_X86_64, false, ret(RET_KILL_PROCESS));
      emit(LD_W_ABS, 0, 0, OFF_NR, null);
      // x32 calls and anything with the top bits set: unsigned compare catches them as "newer".
      jumpIf(JGE, X32_BIT, true, ret(RET_ENOSYS));
      tree(ranges, targets, 0, ranges.size() - 1);
      for (Map.Entry<Integer, Label> block : blocks.entrySet()) {
        place(block.getValue());
        for (SeccompProfile.Rule rule : byNumber.get(block.getKey())) {
          Label next = new Label();
          for (SeccompProfile.Arg arg : rule.args()) {
            condition(arg, next);
          }
          jump(ret(returnValue(rule.action())));
          place(next);
          if (rule.args().isEmpty()) {
            break; // an unconditional rule decides: later rules of the call are never reached
          }
        }
        jump(defaultLabel);
      }
      for (Map.Entry<Integer, Label> r : returns.entrySet()) {
        place(r.getValue());
        emit(RET_K, 0, 0, r.getKey(), null);
      }
      for (int i = 0; i < code.size(); i++) {
        Insn insn = code.get(i);
        if (insn.target != null) {
          insn.k = insn.target.at - (i + 1);
        }
      }
      return code;
    }

    /** Ranges a..b as a search tree: "nr >= lo of the middle range" goes right. */
    private void tree(List<int[]> ranges, List<Label> targets, int a, int b) {
      if (a == b) {
        jump(targets.get(ranges.get(a)[1]));
        return;
      }
      int m = (a + b + 1) / 2;
      Label right = new Label();
      jumpIf(JGE, ranges.get(m)[0], true, right);
      tree(ranges, targets, a, m - 1);
      place(right);
      tree(ranges, targets, m, b);
    }

    /** Falls through when {@code arg} holds, jumps to {@code fail} when it does not. */
    private void condition(SeccompProfile.Arg arg, Label fail) {
      int hiOff = OFF_ARGS + 8 * arg.index() + 4;
      int loOff = OFF_ARGS + 8 * arg.index();
      int vHi = (int) (arg.value() >>> 32);
      int vLo = (int) arg.value();
      Label ok = new Label();
      switch (arg.op()) {
        case EQ:
          load(hiOff);
          jumpIf(JEQ, vHi, false, fail);
          load(loOff);
          jumpIf(JEQ, vLo, false, fail);
          break;
        case NE:
          load(hiOff);
          jumpIf(JEQ, vHi, false, ok);
          load(loOff);
          jumpIf(JEQ, vLo, true, fail);
          break;
        case MASKED_EQ:
          load(hiOff);
          emit(ALU_AND_K, 0, 0, vHi, null);
          jumpIf(JEQ, (int) (arg.valueTwo() >>> 32), false, fail);
          load(loOff);
          emit(ALU_AND_K, 0, 0, vLo, null);
          jumpIf(JEQ, (int) arg.valueTwo(), false, fail);
          break;
        case GT:
        case GE:
          load(hiOff);
          jumpIf(JGT, vHi, true, ok);
          jumpIf(JEQ, vHi, false, fail);
          load(loOff);
          jumpIf(arg.op() == SeccompProfile.Op.GT ? JGT : JGE, vLo, false, fail);
          break;
        case LT:
        case LE:
          load(hiOff);
          jumpIf(JGT, vHi, true, fail);
          jumpIf(JEQ, vHi, false, ok);
          load(loOff);
          // a < v is not (a >= v); a <= v is not (a > v)
          jumpIf(arg.op() == SeccompProfile.Op.LT ? JGE : JGT, vLo, true, fail);
          break;
        default:
          throw new IllegalArgumentException("unknown comparison " + arg.op());
      }
      place(ok);
    }

    private void load(int offset) {
      emit(LD_W_ABS, 0, 0, offset, null);
    }

    /** Jumps to {@code target} when the comparison's outcome is {@code when}, else falls through. */
    private void jumpIf(int op, int k, boolean when, Label target) {
      emit(op, when ? 0 : 1, when ? 1 : 0, k, null);
      jump(target);
    }

    private void jump(Label target) {
      emit(JA, 0, 0, 0, target);
    }

    private Label ret(int value) {
      return returns.computeIfAbsent(value, v -> new Label());
    }

    private void place(Label label) {
      label.at = code.size();
    }

    private void emit(int op, int jt, int jf, int k, Label target) {
      code.add(new Insn(op, jt, jf, k, target));
    }
  }
}
