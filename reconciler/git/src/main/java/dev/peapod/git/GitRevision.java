package dev.peapod.git;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * One materialised revision of a git source.
 *
 * @param refName the branch or tag name followed ({@code main}, {@code v1}); null when the source
 *     follows a commit id
 * @param commitId the full 40-digit SHA-1 of the commit
 * @param root the directory of {@link GitSourceSpec#path()} inside the revision's snapshot. It stays
 *     unchanged while it is read, and exists until two newer revisions of the same mirror have been
 *     materialised. It contains only directories and regular files: no symbolic link, so a reader
 *     never leaves it whatever the repository holds
 * @param skipped entries of the whole tree that were not materialised and why, one line each
 *     ({@code pods/x.yaml: symbolic link (to /etc/shadow) not materialised}); for the source's status
 */
public record GitRevision(String refName, String commitId, Path root, List<String> skipped) {
  public GitRevision {
    Objects.requireNonNull(commitId, "commitId");
    Objects.requireNonNull(root, "root");
    skipped = skipped == null ? List.of() : List.copyOf(skipped);
  }

  public GitRevision(String refName, String commitId, Path root) {
    this(refName, commitId, root, List.of());
  }

  /** The revision as Flux shows it: {@code main@sha1:<id>}, {@code v1@sha1:<id>}, or {@code sha1:<id>} for a commit. */
  public String display() {
    return refName == null ? "sha1:" + commitId : refName + "@sha1:" + commitId;
  }
}
