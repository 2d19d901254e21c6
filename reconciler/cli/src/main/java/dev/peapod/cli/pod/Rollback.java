package dev.peapod.cli.pod;

import dev.peapod.cli.CliException;
import dev.peapod.cli.ErrorReporter;
import dev.peapod.manifest.model.PodManifest;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * Undoes a multi-pod {@code create}/{@code run} that failed at one pod: removes the pods the
 * command created, and describes in one error what failed and what was rolled back. Its exit code
 * is the failure's own (1, 3 not found, 4 in use), so scripts see why it failed.
 */
final class Rollback {
  private Rollback() {}

  /**
   * Removes every pod in {@code createdHere} with {@code remove}; a removal that fails is reported,
   * not thrown, so the others are still removed.
   *
   * @return the error to end the command with
   */
  static CliException of(List<PodManifest> manifests, String failedPod, RuntimeException failure,
      List<String> createdHere, Consumer<String> remove) {
    List<String> removed = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    for (String pod : createdHere) {
      try {
        remove.accept(pod);
        removed.add(pod);
      } catch (RuntimeException e) {
        problems.add("could not remove pod \"" + pod + "\": " + ErrorReporter.message(e));
      }
    }
    List<String> notTried = manifests.stream().map(PodManifest::name)
        .dropWhile(name -> !name.equals(failedPod)).skip(1).toList();
    StringBuilder message = new StringBuilder("pod \"" + failedPod + "\" of " + manifests.size()
        + " in the file failed: " + ErrorReporter.message(failure) + "\n");
    message.append("rolled back: ").append(removed.isEmpty() ? "this command had created no pod"
        : "removed " + quoted(removed) + ", created by this command");
    if (!notTried.isEmpty()) {
      message.append("; not created: ").append(quoted(notTried));
    }
    message.append("; pods that existed before were not touched");
    problems.forEach(p -> message.append("\n").append(p));
    return new CliException(ErrorReporter.exitCode(failure), message.toString(), failure);
  }

  private static String quoted(List<String> pods) {
    return pods.stream().map(p -> "\"" + p + "\"").collect(Collectors.joining(", "));
  }
}
