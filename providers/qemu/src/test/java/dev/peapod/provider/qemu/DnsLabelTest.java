package dev.peapod.provider.qemu;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DnsLabelTest {

  @ParameterizedTest
  @ValueSource(strings = {"a", "web", "web-1", "0", "a0-b1",
      "abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij123"})
  void accepts(String name) {
    assertTrue(DnsLabel.isValid(name));
    assertNull(DnsLabel.problem("pod name", name));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "-a", "a-", "Web", "a_b", "a.b", "a b", "../x", "a,b", "ä",
      "abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij1234"})
  void rejects(String name) {
    assertFalse(DnsLabel.isValid(name));
    assertTrue(DnsLabel.problem("pod name", name).startsWith("pod name"));
  }
}
