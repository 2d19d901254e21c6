package dev.peapod.provider.qemu;

import java.util.regex.Pattern;

/**
 * RFC 1123 labels, the names Kubernetes allows for pods, containers and
 * volumes. Names end up in file paths, QEMU options and guest mount points,
 * so they are checked before any of those is built.
 */
public final class DnsLabel {

  public static final int MAX_LENGTH = 63;
  private static final Pattern LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");

  private DnsLabel() {}

  public static boolean isValid(String name) {
    return name != null && name.length() <= MAX_LENGTH && LABEL.matcher(name).matches();
  }

  /** Why {@code name} is not a valid label, or null if it is; {@code what} says which name, e.g. "pod name". */
  public static String problem(String what, String name) {
    if (name == null || name.isEmpty()) {
      return what + " must not be empty";
    }
    if (name.length() > MAX_LENGTH) {
      return what + " \"" + name + "\" is longer than " + MAX_LENGTH + " characters";
    }
    if (!LABEL.matcher(name).matches()) {
      return what + " \"" + name + "\" must consist of lower-case letters, digits and '-',"
          + " and start and end with a letter or digit";
    }
    return null;
  }
}
