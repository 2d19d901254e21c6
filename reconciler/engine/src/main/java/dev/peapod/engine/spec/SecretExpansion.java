package dev.peapod.engine.spec;

import dev.peapod.manifest.model.ContainerDecl;
import dev.peapod.manifest.model.EnvVar;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Kubernetes expands {@code $(VAR)} in command, args and env values with the container's
 * variables, Secret-backed ones included. Peapod expands on the host and records the result, so
 * expanding a Secret's variable would write its value into the recorded command line: such a
 * reference is refused with a way to get the same effect (let the shell in the container expand
 * {@code $VAR}), never left unexpanded in silence.
 */
final class SecretExpansion {
  private SecretExpansion() {}

  /** One message per command, argument or variable of {@code container} that names a Secret's variable. */
  static List<String> problems(ContainerDecl container, Collection<String> secretVariables) {
    List<String> out = new ArrayList<>();
    if (secretVariables.isEmpty()) {
      return out;
    }
    for (String variable : secretVariables) {
      String reference = "$(" + variable + ")";
      List<String> where = new ArrayList<>();
      if (container.command().stream().anyMatch(a -> names(a, reference))) {
        where.add("command");
      }
      if (container.args().stream().anyMatch(a -> names(a, reference))) {
        where.add("args");
      }
      for (EnvVar env : container.env()) {
        if (env.valueFrom() == null && names(env.value(), reference)) {
          where.add("variable " + env.name());
        }
      }
      if (!where.isEmpty()) {
        out.add("container \"" + container.name() + "\": " + String.join(", ", where) + " expand " + reference
            + ", whose value comes from a Secret: Peapod expands $(VAR) on the host and records the result, and"
            + " a Secret's value stays inside the VM; let a shell in the container expand it (sh -c '... $"
            + variable + "')");
      }
    }
    return out;
  }

  /** Whether {@code text} has {@code reference} not escaped as {@code $$(...)}. */
  private static boolean names(String text, String reference) {
    for (int at = text.indexOf(reference); at >= 0; at = text.indexOf(reference, at + 1)) {
      int dollars = 0;
      for (int i = at - 1; i >= 0 && text.charAt(i) == '$'; i--) {
        dollars++;
      }
      if (dollars % 2 == 0) {
        return true;
      }
    }
    return false;
  }
}
