package dev.peapod.cli.output;

import java.math.BigDecimal;
import java.math.MathContext;
import java.time.Duration;
import java.time.Instant;

/** Sizes and ages as {@code docker images} shows them: {@code 4.26MB}, {@code 3 weeks ago}. */
public final class HumanUnits {
  private static final String[] SIZE_UNITS = {"B", "kB", "MB", "GB", "TB", "PB"};

  private HumanUnits() {}

  /** Decimal units and three significant digits, trailing zeros dropped: 1500000 is {@code 1.5MB}. */
  public static String size(long bytes) {
    double value = bytes;
    int unit = 0;
    while (value >= 1000 && unit < SIZE_UNITS.length - 1) {
      value /= 1000;
      unit++;
    }
    BigDecimal rounded = new BigDecimal(value).round(new MathContext(3)).stripTrailingZeros();
    return rounded.toPlainString() + SIZE_UNITS[unit];
  }

  /** How long before {@code now} an instant was, in the largest unit that reads naturally. */
  public static String ago(Instant then, Instant now) {
    Duration age = Duration.between(then, now);
    if (age.isNegative()) {
      return "just now"; // clock skew between the image's builder and us
    }
    long seconds = age.getSeconds();
    if (seconds < 1) {
      return "less than a second ago";
    }
    if (seconds < 60) {
      return plural(seconds, "second");
    }
    long minutes = age.toMinutes();
    if (minutes < 60) {
      return plural(minutes, "minute");
    }
    long hours = age.toHours();
    if (hours < 48) {
      return plural(hours, "hour");
    }
    long days = age.toDays();
    if (days < 14) {
      return plural(days, "day");
    }
    if (days < 60) {
      return plural(days / 7, "week");
    }
    if (days < 730) {
      return plural(days / 30, "month");
    }
    return plural(days / 365, "year");
  }

  /** A short age as kubectl's AGE column: {@code 45s}, {@code 12m}, {@code 5h}, {@code 3d}, {@code 2y}. */
  public static String age(Instant then, Instant now) {
    long seconds = Math.max(0, Duration.between(then, now).getSeconds());
    if (seconds < 120) {
      return seconds + "s";
    }
    if (seconds < 2 * 3600) {
      return seconds / 60 + "m";
    }
    if (seconds < 2 * 86400) {
      return seconds / 3600 + "h";
    }
    if (seconds < 2 * 365 * 86400L) {
      return seconds / 86400 + "d";
    }
    return seconds / (365 * 86400L) + "y";
  }

  /** A short duration such as a boot time: {@code 471ms}, {@code 1.2s}. */
  public static String duration(Duration duration) {
    return dev.peapod.engine.RunText.duration(duration); // worded once for the CLI and the controller
  }

  private static String plural(long count, String unit) {
    return count + " " + unit + (count == 1 ? "" : "s") + " ago";
  }
}
