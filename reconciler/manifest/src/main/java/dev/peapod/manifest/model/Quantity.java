package dev.peapod.manifest.model;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.util.Map;

/**
 * A Kubernetes resource quantity ({@code 500m}, {@code 1}, {@code 128Mi}, {@code 1G}, {@code
 * 1e3}) with Kubernetes' rules exactly: the grammar of {@code resource.ParseQuantity}, values
 * rounded up (away from zero) to nano precision, binary-SI values capped at 2^63-1, and the
 * canonical text of {@code Quantity.String()} ({@code 1.5} prints as {@code 1500m}, {@code 1.5Gi}
 * as {@code 1536Mi}).
 *
 * <p>Equality and order are by value, as Kubernetes' semantic equality: {@code 1} equals {@code
 * 1000m}, and {@code 1Ki} equals {@code 1024}.
 */
public final class Quantity implements Comparable<Quantity> {

  /** How the quantity was written, which decides how it prints. */
  public enum Format {
    /** {@code m}, {@code k}, {@code M}, ... or no suffix. */
    DECIMAL_SI,
    /** {@code Ki}, {@code Mi}, {@code Gi}, ... */
    BINARY_SI,
    /** {@code 1e3}, {@code 5E-3}. */
    DECIMAL_EXPONENT
  }

  public static final Quantity ZERO = new Quantity(BigDecimal.ZERO, Format.DECIMAL_SI);

  private static final Map<String, Integer> DECIMAL_SUFFIXES = Map.of(
      "n", -9, "u", -6, "m", -3, "", 0, "k", 3, "M", 6, "G", 9, "T", 12, "P", 15, "E", 18);
  private static final Map<String, Integer> BINARY_SUFFIXES = Map.of(
      "Ki", 10, "Mi", 20, "Gi", 30, "Ti", 40, "Pi", 50, "Ei", 60);
  private static final String[] BINARY_NAMES = {"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};
  private static final String[] DECIMAL_NAMES = {"n", "u", "m", "", "k", "M", "G", "T", "P", "E"};
  private static final BigDecimal MAX_BINARY = BigDecimal.valueOf(Long.MAX_VALUE);
  private static final BigDecimal KI = BigDecimal.valueOf(1024);
  private static final BigInteger KI_INT = BigInteger.valueOf(1024);
  private static final BigDecimal MI = BigDecimal.valueOf(1024L * 1024);
  /** Kubernetes stores quantities with at most nine fractional digits ({@code 1n}). */
  private static final int NANO_SCALE = 9;

  private final BigDecimal value;
  private final Format format;

  private Quantity(BigDecimal value, Format format) {
    this.value = value;
    this.format = format;
  }

  /**
   * Parses Kubernetes quantity text.
   *
   * @throws IllegalArgumentException with a message saying what is wrong
   */
  public static Quantity parse(String text) {
    if (text.isEmpty()) {
      throw new IllegalArgumentException("quantity is empty");
    }
    int pos = 0;
    boolean negative = false;
    if (text.charAt(0) == '+' || text.charAt(0) == '-') {
      negative = text.charAt(0) == '-';
      pos++;
    }
    int numberStart = pos;
    int digits = 0;
    while (pos < text.length() && isDigit(text.charAt(pos))) {
      pos++;
      digits++;
    }
    if (pos < text.length() && text.charAt(pos) == '.') {
      pos++;
      while (pos < text.length() && isDigit(text.charAt(pos))) {
        pos++;
        digits++;
      }
    }
    if (digits == 0) {
      throw formatError(text);
    }
    String number = text.substring(numberStart, pos);
    if (number.endsWith(".")) {
      number = number.substring(0, number.length() - 1);
    }
    BigDecimal magnitude = new BigDecimal(number.startsWith(".") ? "0" + number : number);
    String suffix = text.substring(pos);
    return of(negative ? magnitude.negate() : magnitude, suffix, text);
  }

  private static Quantity of(BigDecimal number, String suffix, String text) {
    Format format;
    BigDecimal amount;
    if (DECIMAL_SUFFIXES.containsKey(suffix)) {
      format = Format.DECIMAL_SI;
      amount = number.scaleByPowerOfTen(DECIMAL_SUFFIXES.get(suffix));
    } else if (BINARY_SUFFIXES.containsKey(suffix)) {
      format = Format.BINARY_SI;
      amount = number.multiply(new BigDecimal(BigInteger.ONE.shiftLeft(BINARY_SUFFIXES.get(suffix))));
    } else if (suffix.matches("[eE][+-]?[0-9]+") && suffix.length() <= 12) {
      format = Format.DECIMAL_EXPONENT;
      amount = number.scaleByPowerOfTen(Integer.parseInt(suffix.substring(1).replace("+", "")));
    } else {
      throw formatError(text);
    }
    return normalize(amount, format);
  }

  /**
   * Kubernetes' post-parse rules: round a non-zero value up (away from zero) to nano precision,
   * so that asking for a tiny amount still gets some; cap binary values; and treat binary values
   * below one as decimal, since {@code Ki} suffixes cannot print them.
   */
  private static Quantity normalize(BigDecimal amount, Format format) {
    BigDecimal magnitude = amount.abs();
    if (magnitude.signum() != 0 && magnitude.scale() > NANO_SCALE) {
      magnitude = magnitude.setScale(NANO_SCALE, RoundingMode.UP);
    }
    if (format == Format.BINARY_SI && magnitude.compareTo(MAX_BINARY) > 0) {
      magnitude = MAX_BINARY;
    }
    if (format == Format.BINARY_SI && magnitude.signum() > 0
        && magnitude.compareTo(BigDecimal.ONE) < 0) {
      format = Format.DECIMAL_SI;
    }
    return new Quantity(amount.signum() < 0 ? magnitude.negate() : magnitude, format);
  }

  private static IllegalArgumentException formatError(String text) {
    return new IllegalArgumentException("invalid quantity \"" + text
        + "\": expected a number with an optional suffix (n u m k M G T P E, Ki Mi Gi Ti Pi Ei,"
        + " or an exponent like e3)");
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  /** A whole number of mebibytes, printed with a binary suffix ({@code 192Mi}). */
  public static Quantity ofMebibytes(long mebibytes) {
    return new Quantity(BigDecimal.valueOf(mebibytes).multiply(MI), Format.BINARY_SI);
  }

  /** A number of CPUs, printed with a decimal suffix ({@code 2}, {@code 500m}). */
  public static Quantity ofCores(long cores) {
    return new Quantity(BigDecimal.valueOf(cores), Format.DECIMAL_SI);
  }

  public BigDecimal value() {
    return value;
  }

  public Format format() {
    return format;
  }

  public int signum() {
    return value.signum();
  }

  /** The sum, keeping this quantity's format (as {@code Quantity.Add}). */
  public Quantity plus(Quantity other) {
    return normalize(value.add(other.value), format);
  }

  /** This value rounded up to a whole number of mebibytes, e.g. for guest RAM. */
  public long toMebibytesCeil() {
    return value.divide(MI, 0, RoundingMode.CEILING).longValueExact();
  }

  /** This value rounded up to a whole number, e.g. CPUs for a VM. */
  public long toWholeCeil() {
    return value.setScale(0, RoundingMode.CEILING).longValueExact();
  }

  @Override
  public int compareTo(Quantity other) {
    return value.compareTo(other.value);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Quantity q && value.compareTo(q.value) == 0;
  }

  @Override
  public int hashCode() {
    return value.stripTrailingZeros().hashCode();
  }

  /** The canonical text, exactly as Kubernetes prints it. */
  @Override
  public String toString() {
    return canonical(format);
  }

  /**
   * Canonical text that depends on the value only, so that equal quantities print the same: binary
   * suffixes for whole multiples of 1024, decimal ones otherwise. Used by the canonical form.
   */
  public String toNormalizedString() {
    boolean wholeKibibytes = value.abs().compareTo(KI) >= 0
        && value.stripTrailingZeros().scale() <= 0
        && value.toBigIntegerExact().mod(KI_INT).signum() == 0;
    return canonical(wholeKibibytes ? Format.BINARY_SI : Format.DECIMAL_SI);
  }

  private String canonical(Format requested) {
    Format effective = requested;
    if (effective == Format.BINARY_SI
        && (value.abs().compareTo(KI) < 0 || value.stripTrailingZeros().scale() > 0)) {
      effective = Format.DECIMAL_SI; // as Kubernetes: small or fractional binary values
    }
    if (value.signum() == 0) {
      return "0";
    }
    return effective == Format.BINARY_SI ? binaryText() : decimalText(effective);
  }

  private String binaryText() {
    BigInteger mantissa = value.toBigIntegerExact();
    int power = 0;
    while (power < BINARY_NAMES.length - 1 && mantissa.mod(KI_INT).signum() == 0) {
      mantissa = mantissa.divide(KI_INT);
      power++;
    }
    return mantissa + BINARY_NAMES[power];
  }

  /** The largest exponent that is a multiple of three and leaves a whole mantissa. */
  private String decimalText(Format effective) {
    BigDecimal stripped = value.stripTrailingZeros();
    int exponent = -stripped.scale();
    int exponent3 = Math.floorDiv(exponent, 3) * 3;
    if (effective == Format.DECIMAL_SI && exponent3 > 18) {
      exponent3 = 18; // there is no suffix above E
    }
    BigInteger mantissa = stripped.unscaledValue().multiply(BigInteger.TEN.pow(exponent - exponent3));
    if (effective == Format.DECIMAL_EXPONENT) {
      return exponent3 == 0 ? mantissa.toString() : mantissa + "e" + exponent3;
    }
    return mantissa + DECIMAL_NAMES[exponent3 / 3 + 3];
  }
}
