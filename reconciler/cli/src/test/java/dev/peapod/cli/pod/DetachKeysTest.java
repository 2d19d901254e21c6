package dev.peapod.cli.pod;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peapod.cli.CliException;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class DetachKeysTest {

  private static String pass(DetachKeys keys, String input, boolean[] detached) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] bytes = input.getBytes(StandardCharsets.ISO_8859_1);
    detached[0] = keys.filter(bytes, bytes.length, out);
    return out.toString(StandardCharsets.ISO_8859_1);
  }

  @Test
  void theDefaultIsCtrlPCtrlQAndEverythingElsePasses() {
    DetachKeys keys = DetachKeys.parse(DetachKeys.DEFAULT);
    boolean[] detached = new boolean[1];

    assertEquals("ls -l\r", pass(keys, "ls -l\r", detached));
    assertFalse(detached[0]);
    assertEquals("ab", pass(keys, "ab\u0010\u0011cd", detached));
    assertTrue(detached[0], "what follows the sequence is dropped");
  }

  @Test
  void aPrefixIsHeldUntilTheNextByteSaysAndGoesOnIfItIsNotTheSequence() {
    DetachKeys keys = DetachKeys.parse(DetachKeys.DEFAULT);
    boolean[] detached = new boolean[1];

    assertEquals("x", pass(keys, "x\u0010", detached), "Ctrl-P alone waits");
    assertEquals("\u0010y", pass(keys, "y", detached), "then goes on with the byte that broke it");
    assertEquals("", pass(keys, "\u0010", detached));
    assertEquals("\u0010", pass(keys, "\u0010", detached), "Ctrl-P Ctrl-P: the first goes, the second waits");
    assertEquals("", pass(keys, "\u0011", detached));
    assertTrue(detached[0], "across reads");
  }

  @Test
  void dockersFormat() {
    boolean[] detached = new boolean[1];
    assertEquals("", pass(DetachKeys.parse("ctrl-a,x"), "\u0001x", detached));
    assertTrue(detached[0]);
    pass(DetachKeys.parse("ctrl-@,ctrl-[,ctrl-\\,ctrl-],ctrl-^,ctrl-_"), "\u0000\u001b\u001c\u001d\u001e\u001f", detached);
    assertTrue(detached[0]);
    pass(DetachKeys.parse("CTRL-Z"), "\u001a", detached);
    assertTrue(detached[0], "one key, any case");
    CliException bad = assertThrows(CliException.class, () -> DetachKeys.parse("ctrl-p,"));
    assertEquals("--detach-keys \"ctrl-p,\": invalid key \"\" (a single character, or ctrl- and one of"
        + " a-z @ [ \\ ] ^ _)", bad.getMessage());
    assertThrows(CliException.class, () -> DetachKeys.parse("ctrl-1"));
    assertThrows(CliException.class, () -> DetachKeys.parse("alt-x"));
  }
}
