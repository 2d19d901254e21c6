package dev.peapod.plan;

import dev.peapod.manifest.model.DesiredState;
import dev.peapod.manifest.model.PodManifest;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * One pod as a manifest declares it, normalised once for comparing.
 *
 * <p>Planning an unchanged pod needs only its name, desired state, file and hash; the parsed
 * manifest and the normalised tree are needed only for a pod that changes. So a pod can also be
 * {@linkplain #deferred deferred}: known by those four from an earlier read of the same file (the
 * CLI's manifest cache), parsed only when {@link #manifest()} or {@link #normalized()} is first
 * asked for, and then held to what was promised.
 */
public final class DesiredPod {

  private final String name;
  private final DesiredState state;
  private final String source;
  private final String hash;
  private Supplier<PodManifest> parse;
  private PodManifest manifest;
  private NormalizedPod normalized;

  /**
   * @param manifest the parsed pod, with where it was declared
   * @param normalized its spec in comparable form
   */
  public DesiredPod(PodManifest manifest, NormalizedPod normalized) {
    this.manifest = Objects.requireNonNull(manifest, "manifest");
    this.normalized = Objects.requireNonNull(normalized, "normalized");
    this.name = manifest.name();
    this.state = manifest.spec().state();
    this.source = manifest.origin().file();
    this.hash = normalized.hash();
  }

  private DesiredPod(String name, DesiredState state, String source, String hash, Supplier<PodManifest> parse) {
    this.name = Objects.requireNonNull(name, "name");
    this.state = Objects.requireNonNull(state, "state");
    this.source = Objects.requireNonNull(source, "source");
    this.hash = Objects.requireNonNull(hash, "hash");
    this.parse = Objects.requireNonNull(parse, "parse");
  }

  public static DesiredPod of(PodManifest manifest) {
    return new DesiredPod(manifest, NormalizedPod.of(manifest));
  }

  /**
   * A pod whose name, state, file and hash are known without parsing it; {@code parse} gives its
   * manifest when that is needed.
   *
   * @throws IllegalStateException from {@link #manifest()} when what {@code parse} gives is not
   *     the pod promised (another name, state or hash: its file changed meanwhile)
   */
  public static DesiredPod deferred(String name, DesiredState state, String source, String hash,
      Supplier<PodManifest> parse) {
    return new DesiredPod(name, state, source, hash, parse);
  }

  /** The parsed pod, with where it was declared. */
  public synchronized PodManifest manifest() {
    if (manifest == null) {
      PodManifest parsed = parse.get();
      NormalizedPod tree = NormalizedPod.of(parsed);
      if (!parsed.name().equals(name) || parsed.spec().state() != state || !tree.hash().equals(hash)) {
        throw new IllegalStateException(source + " changed while pod \"" + name + "\" was planned: plan again");
      }
      manifest = parsed;
      normalized = tree;
      parse = null;
    }
    return manifest;
  }

  /** Its spec in comparable form. */
  public synchronized NormalizedPod normalized() {
    manifest();
    return normalized;
  }

  /** {@link NormalizedPod#hash()} of its spec, known without parsing a deferred pod. */
  public String hash() {
    return hash;
  }

  public String name() {
    return name;
  }

  public DesiredState state() {
    return state;
  }

  /** The file it was declared in. */
  public String source() {
    return source;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DesiredPod other && manifest().equals(other.manifest())
        && normalized().equals(other.normalized());
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, hash);
  }

  @Override
  public String toString() {
    return "DesiredPod[" + name + ", " + state + ", " + source + ", " + hash + "]";
  }
}
