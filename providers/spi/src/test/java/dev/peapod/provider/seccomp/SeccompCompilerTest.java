package dev.peapod.provider.seccomp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peapod.provider.seccomp.SeccompProfile.Action;
import dev.peapod.provider.seccomp.SeccompProfile.Arg;
import dev.peapod.provider.seccomp.SeccompProfile.Kind;
import dev.peapod.provider.seccomp.SeccompProfile.Op;
import dev.peapod.provider.seccomp.SeccompProfile.Rule;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The compiled program, run by a classic-BPF interpreter as the kernel runs a seccomp filter, over
 * system calls and arguments on both sides of every comparison (the high and low 32-bit halves
 * separately, since BPF compares 32 bits at a time).
 */
class SeccompCompilerTest {

  private static final int ALLOW = 0x7fff0000;
  private static final int EPERM = 0x00050000 | 1;
  private static final int ENOSYS = 0x00050000 | 38;
  private static final int KILL_PROCESS = 0x80000000;
  private static final int X86_64 = 0xc000003e;

  private static final Action ALLOWED = new Action(Kind.ALLOW, 0);
  private static final Action REFUSED = new Action(Kind.ERRNO, 1);

  @Test
  void aProfileThatDeniesMkdirRefusesOnlyMkdir() {
    byte[] program = SeccompCompiler.compile(new SeccompProfile("deny-mkdir.json", ALLOWED,
        List.of(new Rule("mkdir", REFUSED, List.of()), new Rule("mkdirat", REFUSED, List.of()))));
    assertEquals(EPERM, run(program, nr("mkdir")));
    assertEquals(EPERM, run(program, nr("mkdirat")));
    for (String allowed : List.of("read", "write", "openat", "execve", "getpid", "rmdir", "clone", "mseal")) {
      assertEquals(ALLOW, run(program, nr(allowed)), allowed);
    }
    assertEquals(ALLOW, run(program, 1000), "above the table: the default (ALLOW)");
  }

  @Test
  void anAllowListRefusesTheRestAndNewerCallsGetEnosys() {
    List<Rule> rules = new ArrayList<>();
    for (String name : List.of("read", "write", "exit_group", "execve", "futex_waitv", "no_such_call", "_llseek")) {
      rules.add(new Rule(name, ALLOWED, List.of()));
    }
    byte[] program = SeccompCompiler.compile(new SeccompProfile("allow.json", REFUSED, rules));
    assertEquals(ALLOW, run(program, nr("read")));
    assertEquals(ALLOW, run(program, nr("futex_waitv")));
    assertEquals(EPERM, run(program, nr("mkdir")));
    assertEquals(EPERM, run(program, 0x1ff & nr("open")));
    assertEquals(ENOSYS, run(program, X8664Syscalls.highest() + 1));
    assertEquals(ENOSYS, run(program, 0x40000000 | nr("read")), "x32");
    assertEquals(KILL_PROCESS, run(program, nr("read"), 0x40000003 /* i386 */, new long[6]));
  }

  @Test
  void argumentsAreComparedOverAll64Bits() {
    long big = 0x1_0000_0005L;
    List<Rule> rules = List.of(
        new Rule("personality", ALLOWED, List.of(new Arg(0, Op.EQ, big, 0))),
        new Rule("socket", REFUSED, List.of(new Arg(0, Op.NE, 2, 0))),
        new Rule("socket", ALLOWED, List.of()),
        new Rule("clone", REFUSED, List.of(new Arg(0, Op.MASKED_EQ, 0x7e020000L, 0x10000000L))),
        new Rule("clone", ALLOWED, List.of()),
        new Rule("kill", ALLOWED, List.of(new Arg(1, Op.GT, big, 0))),
        new Rule("tkill", ALLOWED, List.of(new Arg(1, Op.GE, big, 0))),
        new Rule("tgkill", ALLOWED, List.of(new Arg(2, Op.LT, big, 0))),
        new Rule("rt_sigqueueinfo", ALLOWED, List.of(new Arg(2, Op.LE, big, 0))),
        new Rule("dup3", ALLOWED, List.of(new Arg(0, Op.EQ, 3, 0), new Arg(2, Op.EQ, 0, 0))));
    byte[] program = SeccompCompiler.compile(new SeccompProfile("args.json", new Action(Kind.ERRNO, 13), rules));
    int eacces = 0x00050000 | 13;
    assertEquals(ALLOW, run(program, nr("personality"), big));
    assertEquals(eacces, run(program, nr("personality"), 5), "the high half differs");
    assertEquals(ALLOW, run(program, nr("socket"), 2));
    assertEquals(EPERM, run(program, nr("socket"), 0x1_0000_0002L), "NE over 64 bits");
    assertEquals(EPERM, run(program, nr("socket"), 40));
    assertEquals(EPERM, run(program, nr("clone"), 0x10000000L | 0x11));
    assertEquals(ALLOW, run(program, nr("clone"), 0x20000000L | 0x11));
    assertEquals(EPERM, run(program, nr("clone"), 0xffff_ffff_1000_0000L), "masked high half is 0");
    for (long[] c : new long[][] {{big - 1, 0, 0, 0}, {big, 0, 0, 0}, {big + 1, 0, 1, 1}, {0x2_0000_0000L, 0, 1, 1},
        {0xffff_ffffL, 0, 0, 0}, {0xffff_ffff_ffff_ffffL, 0, 1, 1}}) {
      long a = c[0];
      boolean gt = Long.compareUnsigned(a, big) > 0;
      boolean ge = Long.compareUnsigned(a, big) >= 0;
      assertEquals(gt ? ALLOW : eacces, run(program, nr("kill"), 0, a), "GT " + Long.toHexString(a));
      assertEquals(ge ? ALLOW : eacces, run(program, nr("tkill"), 0, a), "GE " + Long.toHexString(a));
      assertEquals(!ge ? ALLOW : eacces, run(program, nr("tgkill"), 0, 0, a), "LT " + Long.toHexString(a));
      assertEquals(!gt ? ALLOW : eacces, run(program, nr("rt_sigqueueinfo"), 0, 0, a), "LE " + Long.toHexString(a));
    }
    assertEquals(ALLOW, run(program, nr("dup3"), 3, 9, 0));
    assertEquals(eacces, run(program, nr("dup3"), 3, 9, 1), "every condition of a rule must hold");
    assertEquals(eacces, run(program, nr("dup3"), 4, 9, 0));
  }

  @Test
  void theFirstRuleThatHoldsDecides() {
    byte[] program = SeccompCompiler.compile(new SeccompProfile("order.json", ALLOWED, List.of(
        new Rule("mkdir", REFUSED, List.of()), new Rule("mkdir", ALLOWED, List.of()))));
    assertEquals(EPERM, run(program, nr("mkdir")));
  }

  @Test
  void everyActionReturnsTheKernelsValue() {
    List<Rule> rules = List.of(new Rule("read", new Action(Kind.KILL_THREAD, 0), List.of()),
        new Rule("write", new Action(Kind.KILL_PROCESS, 0), List.of()),
        new Rule("open", new Action(Kind.TRAP, 0), List.of()),
        new Rule("close", new Action(Kind.TRACE, 7), List.of()),
        new Rule("stat", new Action(Kind.LOG, 0), List.of()));
    byte[] program = SeccompCompiler.compile(new SeccompProfile("actions.json", ALLOWED, rules));
    assertEquals(0, run(program, nr("read")));
    assertEquals(KILL_PROCESS, run(program, nr("write")));
    assertEquals(0x00030000, run(program, nr("open")));
    assertEquals(0x7ff00007, run(program, nr("close")));
    assertEquals(0x7ffc0000, run(program, nr("stat")));
  }

  @Test
  void aProgramTheKernelWouldNotLoadIsRefused() {
    List<Rule> rules = new ArrayList<>();
    for (int i = 0; i < 800; i++) { // conditions on every call: a block each
      rules.add(new Rule("ioctl", ALLOWED, List.of(new Arg(1, Op.EQ, i, 0))));
    }
    SeccompCompiler.TooLargeException e = assertThrows(SeccompCompiler.TooLargeException.class,
        () -> SeccompCompiler.compile(new SeccompProfile("huge.json", REFUSED, rules)));
    assertTrue(e.getMessage().contains("more than the 4096 the kernel loads"), e.getMessage());
  }

  @Test
  void everyCallNumberIsDecidedWithinTheProgram() {
    byte[] program = SeccompCompiler.compile(new SeccompProfile("deny-mkdir.json", ALLOWED,
        List.of(new Rule("mkdir", REFUSED, List.of()))));
    for (int n = 0; n < 600; n++) {
      int ret = run(program, n);
      assertTrue(ret == ALLOW || ret == EPERM || ret == ENOSYS, "call " + n + ": " + Integer.toHexString(ret));
    }
  }

  private static int nr(String name) {
    return X8664Syscalls.number(name).orElseThrow();
  }

  private static int run(byte[] program, int nr, long... args) {
    long[] all = new long[6];
    System.arraycopy(args, 0, all, 0, args.length);
    return run(program, nr, X86_64, all);
  }

  /** Classic BPF as the kernel runs a seccomp filter over struct seccomp_data (little-endian). */
  private static int run(byte[] program, int nr, int arch, long[] args) {
    ByteBuffer data = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
    data.putInt(0, nr).putInt(4, arch).putLong(8, 0);
    for (int i = 0; i < 6; i++) {
      data.putLong(16 + 8 * i, args[i]);
    }
    ByteBuffer p = ByteBuffer.wrap(program).order(ByteOrder.LITTLE_ENDIAN);
    int n = program.length / 8;
    assertTrue(n <= SeccompCompiler.MAX_INSTRUCTIONS);
    int a = 0;
    int pc = 0;
    for (int steps = 0; steps < 100_000; steps++) {
      assertTrue(pc >= 0 && pc < n, "ran off the program at " + pc);
      int code = p.getShort(pc * 8) & 0xffff;
      int jt = p.get(pc * 8 + 2) & 0xff;
      int jf = p.get(pc * 8 + 3) & 0xff;
      int k = p.getInt(pc * 8 + 4);
      switch (code) {
        case 0x20 -> {
          assertTrue(k >= 0 && k % 4 == 0 && k + 4 <= 64, "load at " + k);
          a = data.getInt(k);
          pc++;
        }
        case 0x54 -> {
          a &= k;
          pc++;
        }
        case 0x05 -> pc += 1 + k;
        case 0x15 -> pc += 1 + (a == k ? jt : jf);
        case 0x25 -> pc += 1 + (Integer.compareUnsigned(a, k) > 0 ? jt : jf);
        case 0x35 -> pc += 1 + (Integer.compareUnsigned(a, k) >= 0 ? jt : jf);
        case 0x06 -> {
          return k;
        }
        default -> throw new AssertionError("unexpected opcode 0x" + Integer.toHexString(code));
      }
    }
    throw new AssertionError("the program does not end");
  }
}
