package dev.peapod.plan;

import java.util.Objects;

/**
 * A pod this plan's source declares but another owner has: the plan leaves it alone and says so,
 * as Terraform refuses to manage a resource another state holds. {@code apply --take-over} makes
 * the declaring source its owner instead.
 *
 * @param pod the pod
 * @param owner who has it ({@code git:...}, {@code dir:...}, {@code k8s:...})
 * @param source where this plan's source declares it
 */
public record Conflict(String pod, String owner, String source) {

  public Conflict {
    Objects.requireNonNull(pod, "pod");
    Objects.requireNonNull(owner, "owner");
    source = source == null ? "" : source;
  }

  /** {@code pod "web" is owned by git:...; declared here in pods/web.yaml}. */
  public String text() {
    return "pod \"" + pod + "\" is owned by " + owner + (source.isEmpty() ? "" : "; declared here in " + source)
        + "; it is left alone (take it over with --take-over)";
  }
}
