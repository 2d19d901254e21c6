package dev.peapod.manifest.model;

/** An enum whose constants have a manifest spelling ({@code OnFailure}, {@code IfNotPresent}). */
public interface ManifestNamed {
  String manifestName();
}
