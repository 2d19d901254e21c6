package dev.peapod.manifest.decode;

import dev.peapod.mounts.MountDestinations;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Kubernetes' name and value formats (apimachinery's {@code validation.IsDNS1123Label} and
 * friends). Each check returns the problem in words, or empty when the value is fine.
 */
final class NameRules {
  private NameRules() {}

  private static final Pattern DNS1123_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
  private static final Pattern DNS1123_SUBDOMAIN = Pattern.compile(
      "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
  private static final Pattern PORT_NAME = Pattern.compile("[a-z0-9]([a-z0-9-]*[a-z0-9])?");
  private static final Pattern QUALIFIED_NAME =
      Pattern.compile("([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]");
  private static final Pattern IPV4 =
      Pattern.compile("(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\\.(25[0-5]|2[0-4][0-9]|"
          + "1[0-9][0-9]|[1-9]?[0-9])){3}");
  private static final Pattern IPV6_CHARS = Pattern.compile("[0-9A-Fa-f:.]+");

  static Optional<String> dns1123Label(String value) {
    if (value.length() <= 63 && DNS1123_LABEL.matcher(value).matches()) {
      return Optional.empty();
    }
    return Optional.of("invalid name \"" + value + "\": must be a DNS-1123 label (at most 63"
        + " lowercase letters, digits and '-', starting and ending with a letter or digit)");
  }

  static Optional<String> dns1123Subdomain(String value) {
    if (value.length() <= 253 && DNS1123_SUBDOMAIN.matcher(value).matches()) {
      return Optional.empty();
    }
    return Optional.of("invalid domain \"" + value + "\": must be a DNS-1123 subdomain (at most"
        + " 253 characters of dot-separated DNS-1123 labels)");
  }

  /** IANA service names, as Kubernetes requires for port names. */
  static Optional<String> portName(String value) {
    boolean ok = value.length() <= 15
        && PORT_NAME.matcher(value).matches()
        && !value.contains("--")
        && value.chars().anyMatch(Character::isLetter);
    return ok ? Optional.empty() : Optional.of("invalid port name \"" + value + "\": must be at"
        + " most 15 lowercase letters, digits and '-', with at least one letter, no '--', and"
        + " starting and ending with a letter or digit");
  }

  /** Label and annotation keys: {@code [prefix/]name}, prefix a DNS subdomain. */
  static Optional<String> qualifiedKey(String key) {
    int slash = key.indexOf('/');
    String prefix = slash < 0 ? "" : key.substring(0, slash);
    String name = slash < 0 ? key : key.substring(slash + 1);
    if (slash >= 0 && dns1123Subdomain(prefix).isPresent()) {
      return Optional.of("invalid key \"" + key + "\": the prefix must be a DNS-1123 subdomain");
    }
    if (name.length() > 63 || !QUALIFIED_NAME.matcher(name).matches()) {
      return Optional.of("invalid key \"" + key + "\": the name part must be at most 63"
          + " characters of letters, digits, '-', '_' and '.', starting and ending with a letter"
          + " or digit");
    }
    return Optional.empty();
  }

  static Optional<String> labelValue(String value) {
    if (value.isEmpty() || (value.length() <= 63 && QUALIFIED_NAME.matcher(value).matches())) {
      return Optional.empty();
    }
    return Optional.of("invalid label value \"" + value + "\": must be empty or at most 63"
        + " characters of letters, digits, '-', '_' and '.', starting and ending with a letter"
        + " or digit");
  }

  /** Printable ASCII without '=', the relaxed rule of Kubernetes 1.32+. */
  static Optional<String> envName(String value) {
    boolean ok = !value.isEmpty() && value.chars().allMatch(c -> c >= 32 && c <= 126 && c != '=');
    return ok ? Optional.empty() : Optional.of("invalid environment variable name \"" + value
        + "\": must be printable ASCII characters other than '='");
  }

  /** An IPv4 or IPv6 address literal; never a host name (and never a DNS lookup). */
  static Optional<String> ipAddress(String value) {
    if (IPV4.matcher(value).matches()) {
      return Optional.empty();
    }
    if (value.contains(":") && IPV6_CHARS.matcher(value).matches()) {
      try {
        InetAddress.getByName(value); // a literal with ':' is parsed, not resolved
        return Optional.empty();
      } catch (UnknownHostException e) {
        // falls through
      }
    }
    return Optional.of("invalid IP address \"" + value + "\"");
  }

  static Optional<String> absolutePath(String value) {
    return value.startsWith("/") ? Optional.empty()
        : Optional.of("must be an absolute path, got \"" + value + "\"");
  }

  /** Where a volume may not be mounted: common/mounts' rule, which the QEMU provider applies too. */
  static Optional<String> mountDestination(String value) {
    return MountDestinations.refusal(value).map(r -> r instanceof MountDestinations.Shadows sh
        ? "\"" + value + "\" " + sh.wouldShadow()
        : "must not contain '..', got \"" + value + "\"");
  }

  /** A relative path that stays inside its volume. */
  static Optional<String> subPath(String value) {
    if (value.startsWith("/")) {
      return Optional.of("must be a relative path, got \"" + value + "\"");
    }
    for (String part : value.split("/")) {
      if (part.equals("..")) {
        return Optional.of("must not contain '..', got \"" + value + "\"");
      }
    }
    return Optional.empty();
  }
}
