package dev.peapod.cli.pod;

import dev.peapod.cli.CliException;
import dev.peapod.cli.ExitCodes;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.Locale;

/**
 * The key sequence that detaches {@code peapod attach} and {@code run -it} from a container and
 * leaves it running, in Docker's {@code --detach-keys} format: comma-separated keys, each a
 * single character or {@code ctrl-X} for X one of {@code a-z @ [ \ ] ^ _}. The default is
 * Docker's, {@code ctrl-p,ctrl-q}.
 *
 * <p>{@link #filter} passes input through unchanged, except that bytes which could be the start
 * of the sequence are held back until the next byte says whether they are: a held prefix that
 * turns out not to be the sequence goes on with the byte that broke it, as Docker does.
 */
final class DetachKeys {
  static final String DEFAULT = "ctrl-p,ctrl-q";

  private final byte[] sequence;
  private int matched;

  private DetachKeys(byte[] sequence) {
    this.sequence = sequence;
  }

  /** Parses Docker's format; a bad one is a usage error naming the key. */
  static DetachKeys parse(String spec) {
    String[] keys = spec.split(",", -1);
    byte[] out = new byte[keys.length];
    for (int i = 0; i < keys.length; i++) {
      String key = keys[i];
      String lower = key.toLowerCase(Locale.ROOT);
      if (lower.startsWith("ctrl-") && key.length() == 6) {
        char c = lower.charAt(5);
        if (c >= 'a' && c <= 'z') {
          out[i] = (byte) (c - 'a' + 1);
        } else if ("@[\\]^_".indexOf(c) >= 0) {
          out[i] = (byte) ("@[\\]^_".indexOf(c) == 0 ? 0 : 27 + "[\\]^_".indexOf(c));
        } else {
          throw bad(spec, key);
        }
      } else if (key.length() == 1 && key.charAt(0) < 128) {
        out[i] = (byte) key.charAt(0);
      } else {
        throw bad(spec, key);
      }
    }
    return new DetachKeys(out);
  }

  private static CliException bad(String spec, String key) {
    return new CliException(ExitCodes.USAGE, "--detach-keys \"" + spec + "\": invalid key \"" + key
        + "\" (a single character, or ctrl- and one of a-z @ [ \\ ] ^ _)");
  }

  /**
   * Copies {@code n} bytes of input to {@code out} but for the detach sequence; returns whether
   * the whole sequence was typed (whatever followed it in {@code in} is dropped).
   */
  boolean filter(byte[] in, int n, ByteArrayOutputStream out) {
    for (int i = 0; i < n; i++) {
      byte b = in[i];
      if (b == sequence[matched]) {
        matched++;
        if (matched == sequence.length) {
          matched = 0;
          return true;
        }
        continue;
      }
      // Not the sequence after all: what was held goes on, then this byte is looked at afresh.
      out.write(sequence, 0, matched);
      matched = 0;
      if (b == sequence[0]) {
        matched = 1; // a sequence of one byte matched in the first branch already
      } else {
        out.write(b);
      }
    }
    return false;
  }

  @Override
  public String toString() {
    return Arrays.toString(sequence);
  }
}
