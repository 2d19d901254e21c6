package dev.peapod.manifest.decode;

import java.util.Optional;

/**
 * The integer spellings YAML 1.1 allows (and so Kubernetes' YAML reader): {@code 1_000},
 * {@code 0x1F}, {@code 0b101}, {@code 017} (octal), {@code 1:30} (base 60); JSON integers are
 * plain decimal and parse the same way.
 */
final class YamlIntegers {
  private YamlIntegers() {}

  static Optional<Long> parse(String text) {
    String digits = text.replace("_", "");
    boolean negative = digits.startsWith("-");
    if (digits.startsWith("-") || digits.startsWith("+")) {
      digits = digits.substring(1);
    }
    try {
      long magnitude;
      if (digits.startsWith("0x")) {
        magnitude = Long.parseLong(digits.substring(2), 16);
      } else if (digits.startsWith("0b")) {
        magnitude = Long.parseLong(digits.substring(2), 2);
      } else if (digits.contains(":")) {
        magnitude = 0;
        for (String part : digits.split(":")) {
          magnitude = Math.addExact(Math.multiplyExact(magnitude, 60), Long.parseLong(part));
        }
      } else if (digits.length() > 1 && digits.startsWith("0")) {
        magnitude = Long.parseLong(digits.substring(1), 8);
      } else {
        magnitude = Long.parseLong(digits);
      }
      return Optional.of(negative ? -magnitude : magnitude);
    } catch (NumberFormatException | ArithmeticException e) {
      return Optional.empty();
    }
  }
}
