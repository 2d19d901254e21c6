package dev.peapod.engine.source;

/**
 * Where desired state comes from: a directory, a git repository, the Kubernetes API. The engine
 * plans over what a source reads with the same planner whichever it is, and records the source's
 * {@link #owner()} on every pod it creates, so that each source prunes only its own pods.
 *
 * <p>Reads are level-based: every call returns the whole desired state as it is now. A source
 * that cannot be read, or whose content is invalid, throws, and the caller keeps acting on the
 * last snapshot it read successfully: a broken revision changes nothing.
 */
public interface DesiredStateSource {

  /** The owner written into the records of pods this source creates ({@link dev.peapod.plan.Owners}). */
  String owner();

  /**
   * The desired state now.
   *
   * @throws dev.peapod.engine.ManifestRejectedException with every diagnostic of every file when
   *     the content is invalid (parse errors, a pod declared twice, something the provider cannot run)
   * @throws SourceUnavailableException when the source cannot be read at all
   */
  DesiredSnapshot read();
}
