package dev.peapod.manifest.decode;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A container's {@code resizePolicy}, checked as Kubernetes checks it and otherwise without effect:
 * Kubernetes resizes a running pod in place and restarts a container only where the policy says
 * {@code RestartContainer}; Peapod's VMs cannot grow or shrink CPUs or memory while they run, so
 * every CPU or memory change is planned as a new VM, and the plan's reason says so ({@code needs
 * a new VM: CPUs and memory are not resized in place}). Never a silent restart, whichever policy.
 */
final class ResizePolicyDecoder {
  private ResizePolicyDecoder() {}

  private static final Map<String, String> RESOURCES = choices("cpu", "memory");
  private static final Map<String, String> RESTART = choices("NotRequired", "RestartContainer");

  static void check(MapReader container) {
    Map<String, Boolean> seen = new LinkedHashMap<>();
    for (MapReader policy : container.objects("resizePolicy", Shapes.RESIZE_POLICY)) {
      var resource = policy.choice("resourceName", RESOURCES);
      if (policy.peek("resourceName").isEmpty()) {
        policy.problems().error(policy.position(), policy.path("resourceName"), "required field is missing");
      }
      policy.choice("restartPolicy", RESTART);
      if (policy.peek("restartPolicy").isEmpty()) {
        policy.problems().error(policy.position(), policy.path("restartPolicy"), "required field is missing");
      }
      policy.finish();
      if (resource.isPresent() && seen.put(resource.get(), true) != null) {
        policy.problems().error(policy.peek("resourceName").orElseThrow(), policy.path("resourceName"),
            "resource \"" + resource.get() + "\" has a resize policy already");
      }
    }
  }

  private static Map<String, String> choices(String... values) {
    Map<String, String> map = new LinkedHashMap<>();
    for (String v : values) {
      map.put(v, v);
    }
    return map;
  }
}
