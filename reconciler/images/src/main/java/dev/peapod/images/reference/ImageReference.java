package dev.peapod.images.reference;

import dev.peapod.images.InvalidReferenceException;
import dev.peapod.images.oci.Digest;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * An image reference as Docker and Kubernetes users write it, normalised the way
 * Docker does: no registry means {@code docker.io}, a one-part Docker Hub name gets
 * {@code library/}, no tag and no digest means {@code :latest}.
 *
 * <p>When both a tag and a digest are given ({@code nginx:1.25@sha256:...}) the digest
 * decides what is pulled and the tag is only kept for display, as in Docker.
 *
 * @param registry host[:port], e.g. {@code docker.io}, {@code registry.example:5000}
 * @param repository path within the registry, e.g. {@code library/busybox}
 * @param tag the tag, or null when the reference only has a digest
 * @param digest the pinned digest, or null
 */
public record ImageReference(String registry, String repository, String tag, Digest digest) {
  public static final String DOCKER_HUB = "docker.io";

  // The grammar of github.com/distribution/reference (reference.go), split in parts.
  private static final Pattern DOMAIN = Pattern.compile(
      "(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*"
          + "|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?");
  private static final Pattern PATH_COMPONENT = Pattern.compile("[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*");
  private static final Pattern TAG = Pattern.compile("[\\w][\\w.-]{0,127}");
  private static final int MAX_NAME_LENGTH = 255;

  public ImageReference {
    Objects.requireNonNull(registry, "registry");
    Objects.requireNonNull(repository, "repository");
    if (tag == null && digest == null) {
      throw new IllegalArgumentException("a reference needs a tag or a digest");
    }
  }

  /**
   * Parses a reference as {@code docker pull} accepts it.
   *
   * @throws InvalidReferenceException saying which part is wrong
   */
  public static ImageReference parse(String text) {
    Objects.requireNonNull(text, "text");
    if (text.isEmpty()) {
      throw invalid(text, "empty image reference");
    }
    if (!text.strip().equals(text)) {
      throw invalid(text, "image reference has leading or trailing whitespace");
    }
    String rest = text;
    Digest digest = null;
    int at = rest.lastIndexOf('@');
    if (at >= 0) {
      digest = parseDigest(text, rest.substring(at + 1));
      rest = rest.substring(0, at);
    }
    String tag = null;
    int colon = rest.lastIndexOf(':');
    if (colon > rest.lastIndexOf('/')) {
      tag = rest.substring(colon + 1);
      rest = rest.substring(0, colon);
      if (!TAG.matcher(tag).matches()) {
        throw invalid(text, "invalid tag \"" + tag + "\" (letters, digits, '_', '.', '-'; at most 128; not starting with '.' or '-')");
      }
    }
    String[] domainAndPath = splitDomain(text, rest);
    String registry = domainAndPath[0];
    String repository = domainAndPath[1];
    validateRepository(text, repository);
    if (rest.length() > MAX_NAME_LENGTH) {
      throw invalid(text, "repository name is longer than " + MAX_NAME_LENGTH + " characters");
    }
    if (tag == null && digest == null) {
      tag = "latest";
    }
    return new ImageReference(registry, repository, tag, digest);
  }

  /** True when this reference pins content by digest. */
  public boolean isPinned() {
    return digest != null;
  }

  /** What to ask the registry for: the digest if pinned, else the tag. */
  public String manifestReference() {
    return digest != null ? digest.toString() : tag;
  }

  /** {@code registry/repository}, e.g. {@code docker.io/library/busybox}. */
  public String name() {
    return registry + "/" + repository;
  }

  /** This name with another tag and no digest. */
  public ImageReference withTag(String newTag) {
    return new ImageReference(registry, repository, newTag, null);
  }

  /** This name pinned to a digest, keeping the tag for display. */
  public ImageReference withDigest(Digest newDigest) {
    return new ImageReference(registry, repository, tag, newDigest);
  }

  public Optional<String> tagIfAny() {
    return Optional.ofNullable(tag);
  }

  /** The short form people type: {@code busybox:latest}, {@code quay.io/x/y:1}. */
  public String familiar() {
    String name;
    if (registry.equals(DOCKER_HUB)) {
      name = repository.startsWith("library/") ? repository.substring("library/".length()) : repository;
    } else {
      name = registry + "/" + repository;
    }
    return name + suffix();
  }

  /** The fully qualified form, e.g. {@code docker.io/library/busybox:latest}. */
  @Override
  public String toString() {
    return name() + suffix();
  }

  private String suffix() {
    return (tag != null ? ":" + tag : "") + (digest != null ? "@" + digest : "");
  }

  /** Docker's rule (normalize.go splitDockerDomain): the first part is a registry only if it looks like a host. */
  private static String[] splitDomain(String text, String name) {
    int slash = name.indexOf('/');
    String first = slash < 0 ? "" : name.substring(0, slash);
    boolean isHost = slash >= 0
        && (first.contains(".") || first.contains(":") || first.equals("localhost") || !first.equals(first.toLowerCase()));
    String registry;
    String path;
    if (isHost) {
      registry = first;
      path = name.substring(slash + 1);
      if (!DOMAIN.matcher(registry).matches()) {
        throw invalid(text, "invalid registry host \"" + registry + "\"");
      }
      if (registry.equals("index.docker.io") || registry.equals("registry-1.docker.io")) {
        registry = DOCKER_HUB;
      }
    } else {
      registry = DOCKER_HUB;
      path = name;
    }
    if (registry.equals(DOCKER_HUB) && path.indexOf('/') < 0) {
      path = "library/" + path;
    }
    return new String[] {registry, path};
  }

  private static void validateRepository(String text, String repository) {
    if (repository.isEmpty()) {
      throw invalid(text, "missing repository name");
    }
    for (String component : repository.split("/", -1)) {
      if (PATH_COMPONENT.matcher(component).matches()) {
        continue;
      }
      if (PATH_COMPONENT.matcher(component.toLowerCase()).matches()) {
        throw invalid(text, "repository name must be lowercase");
      }
      throw invalid(text, component.isEmpty()
          ? "empty path component in repository name"
          : "invalid repository name component \"" + component + "\" (lowercase letters, digits and . _ __ - separators)");
    }
  }

  private static Digest parseDigest(String text, String digest) {
    try {
      return Digest.parse(digest);
    } catch (IllegalArgumentException e) {
      throw invalid(text, "invalid digest: " + e.getMessage());
    }
  }

  private static InvalidReferenceException invalid(String text, String reason) {
    return new InvalidReferenceException("\"" + text + "\"", reason);
  }
}
