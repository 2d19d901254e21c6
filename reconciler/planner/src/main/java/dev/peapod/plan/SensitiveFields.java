package dev.peapod.plan;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a plan shows of a Secret: that it changed, never what it is. The canonical tree keeps a
 * Secret as the hash of its content ({@code spec.configInputs.secret/NAMESPACE/NAME}); a plan
 * shows {@code (sensitive value)} in its place, as Terraform does, in text, JSON and saved plans
 * alike ({@code spec.fileInputs.secret/...} for a Secret only volumes show). The reason still names
 * the Secret ({@code because secret "db" changed}).
 */
final class SensitiveFields {
  private SensitiveFields() {}

  /** How a sensitive value is shown. */
  static final String SHOWN_AS = "(sensitive value)";

  /** Where the canonical tree keeps a Secret's hash: env's inputs and volumes' (CanonicalForm). */
  private static final java.util.List<String> SECRET_INPUTS =
      java.util.List.of("spec.configInputs.secret/", "spec.fileInputs.secret/");

  /** {@code value} of the field at {@code path}, with every Secret's hash in it replaced. */
  static Object mask(String path, Object value) {
    if (value == null) {
      return null;
    }
    if (SECRET_INPUTS.stream().anyMatch(path::startsWith)) {
      return SHOWN_AS;
    }
    // Only the fields on the way to a Secret's hash can hold one: "", spec, spec.configInputs/fileInputs.
    String prefix = path.isEmpty() ? "" : path + ".";
    if (value instanceof Map<?, ?> map && SECRET_INPUTS.stream().anyMatch(p -> p.startsWith(prefix))) {
      Map<Object, Object> out = new LinkedHashMap<>();
      map.forEach((k, v) -> out.put(k, mask(path.isEmpty() ? k.toString() : path + "." + k, v)));
      return out;
    }
    return value;
  }
}
