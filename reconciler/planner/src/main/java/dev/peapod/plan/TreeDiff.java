package dev.peapod.plan;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The field-level difference of two {@link NormalizedPod} trees, deepest fields first reported
 * in tree order. A field that exists on one side only is one change carrying the whole value; a
 * keyed list whose items are equal but in another order (where order counts) is one change of the
 * list's key order.
 */
final class TreeDiff {
  private TreeDiff() {}

  static List<FieldChange> between(Map<String, Object> before, Map<String, Object> after) {
    List<FieldChange> out = new ArrayList<>();
    compareMaps("", before, after, out);
    return out;
  }

  @SuppressWarnings("unchecked")
  private static void compare(String path, Object before, Object after, List<FieldChange> out) {
    if (Objects.equals(before, after)) {
      return;
    }
    if (before instanceof Map<?, ?> b && after instanceof Map<?, ?> a && sameKind(b, a)) {
      compareMaps(path, (Map<String, Object>) b, (Map<String, Object>) a, out);
      return;
    }
    out.add(new FieldChange(path, SensitiveFields.mask(path, before), SensitiveFields.mask(path, after),
        FieldRules.impactOf(path, before, after)));
  }

  private static boolean sameKind(Map<?, ?> a, Map<?, ?> b) {
    return a.getClass() == b.getClass();
  }

  private static void compareMaps(String path, Map<String, Object> before, Map<String, Object> after,
      List<FieldChange> out) {
    boolean keyed = before instanceof NormalizedPod.Ordered || before instanceof NormalizedPod.Unordered;
    Set<String> keys = new LinkedHashSet<>(before.keySet());
    keys.addAll(after.keySet());
    for (String key : keys) {
      String child = keyed ? path + "[" + key + "]" : path.isEmpty() ? key : path + "." + key;
      compare(child, before.get(key), after.get(key), out);
    }
    if (before instanceof NormalizedPod.Ordered) {
      List<String> beforeOrder = new ArrayList<>(before.keySet());
      List<String> afterOrder = new ArrayList<>(after.keySet());
      beforeOrder.retainAll(after.keySet());
      afterOrder.retainAll(before.keySet());
      if (!beforeOrder.equals(afterOrder)) {
        out.add(new FieldChange(path + " (order)", beforeOrder, afterOrder,
            FieldRules.impactOf(path, beforeOrder, afterOrder)));
      }
    }
  }
}
