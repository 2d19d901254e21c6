package dev.peapod.plan;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Who owns a pod: exactly one source of desired state, written into its applied record.
 *
 * <ul>
 *   <li>{@code cli} — made by hand ({@code peapod run/create}); any source that declares the pod
 *       takes it over, as apply always has;
 *   <li>{@code dir:<absolute paths>} — {@code peapod apply -f} or a directory source of the
 *       controller (several {@code -f} paths joined by commas, sorted);
 *   <li>{@code git:<url>#<ref>//<path>} — a git source of the controller;
 *   <li>{@code k8s:<namespace>/<name>} — a PeaPod custom resource;
 *   <li>{@code apply} — records written before owners named their source; adopted by whichever
 *       source declares the pod, and pruned by none (nobody can say which directory made them).
 * </ul>
 *
 * A source prunes only pods it owns, and leaves pods that another source owns alone unless told
 * to take them over: two projects applied side by side never remove each other's pods.
 */
public final class Owners {
  private Owners() {}

  public static final String CLI = AppliedRecord.MANAGED_BY_CLI;
  public static final String LEGACY_APPLY = AppliedRecord.MANAGED_BY_APPLY;

  /** The owner of {@code peapod apply -f PATH...}: {@code dir:} and the absolute paths, sorted. */
  public static String ofPaths(List<Path> paths) {
    return "dir:" + paths.stream().map(p -> p.toAbsolutePath().normalize().toString()).sorted().distinct()
        .collect(Collectors.joining(","));
  }

  /** Whether a source may take a pod with this owner without being told to: hand-made and legacy pods. */
  public static boolean adoptable(String owner) {
    return CLI.equals(owner) || LEGACY_APPLY.equals(owner);
  }

  static void check(String owner) {
    if (owner == null || owner.isBlank()) {
      throw new IllegalArgumentException("a plan needs the owner it plans for");
    }
  }
}
