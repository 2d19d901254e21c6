package dev.peapod.controller.loop;

import dev.peapod.controller.source.SourceRunner;
import java.util.List;
import java.util.Optional;

/**
 * Which source a pod name belongs to right now, from the sources' last good snapshots and the
 * pod's recorded owner: the one source that declares it, or, when none does, the source that owns
 * it (which then prunes it). Two sources declaring one pod is a conflict: neither acts on it.
 */
public sealed interface PodSync {

  /** {@code source} decides what becomes of the pod. */
  record Of(SourceRunner source) implements PodSync {}

  /** Several sources declare the pod: each is told, none acts. */
  record Conflict(List<SourceRunner> sources) implements PodSync {}

  /** No source declares or owns it: the controller leaves it alone (a pod made by hand). */
  record Nobody() implements PodSync {}

  static PodSync of(String pod, List<SourceRunner> sources, Optional<String> recordedOwner) {
    List<SourceRunner> declaring = sources.stream()
        .filter(s -> s.lastGood().map(snap -> snap.pods().stream().anyMatch(p -> p.name().equals(pod))).orElse(false))
        .toList();
    if (declaring.size() > 1) {
      return new Conflict(declaring);
    }
    if (declaring.size() == 1) {
      return new Of(declaring.get(0));
    }
    return recordedOwner
        .flatMap(owner -> sources.stream().filter(s -> s.owner().equals(owner) && s.lastGood().isPresent()).findFirst())
        .<PodSync>map(Of::new)
        .orElse(new Nobody());
  }
}
