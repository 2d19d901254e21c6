package dev.peapod.provider.qemu.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The numbers of the system calls Peapod's perl helpers make, and no guess on another architecture. */
class SystemCallsTest {

  @Test
  void x8664AndTheGenericTableOfArm64AndRiscv64() {
    assertEquals(157, SystemCalls.number("amd64", "prctl"));
    assertEquals(112, SystemCalls.number("amd64", "setsid"));
    assertEquals(319, SystemCalls.number("amd64", "memfd_create"));
    for (String arch : new String[] {"aarch64", "riscv64"}) {
      assertEquals(167, SystemCalls.number(arch, "prctl"));
      assertEquals(157, SystemCalls.number(arch, "setsid"));
      assertEquals(279, SystemCalls.number(arch, "memfd_create"));
    }
  }

  @Test
  void anotherArchitectureIsRefusedNotGivenX8664sNumbers() {
    UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
        () -> SystemCalls.number("s390x", "setsid"));
    assertTrue(e.getMessage().contains("not of s390x") && e.getMessage().contains("setsid"), e.getMessage());
    assertTrue(SystemCalls.find("ppc64le", "prctl").isEmpty());
  }
}
