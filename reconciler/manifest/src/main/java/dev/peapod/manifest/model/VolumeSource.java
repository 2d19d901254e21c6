package dev.peapod.manifest.model;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/** Where a pod volume's files come from: the Kubernetes volume types Peapod supports. */
public sealed interface VolumeSource {

  /**
   * A fresh empty directory that lives as long as the pod.
   *
   * @param medium {@code ""} (the default) or {@code Memory}; both are in guest memory (a tmpfs of
   *     the VM, whose memory is the pod's), but the choice is kept so the provider can back the
   *     default with disk later
   * @param sizeLimit upper bound on its size, if any
   * @param mode the directory's permission bits ({@code 0}-{@code 01777}, Kubernetes 1.37's {@code
   *     emptyDir.mode}); empty for Kubernetes' default, 0777
   */
  record EmptyDir(String medium, Optional<Quantity> sizeLimit, OptionalInt mode) implements VolumeSource {
    /** Kubernetes' mode of an emptyDir that names none. */
    public static final int DEFAULT_MODE = 0777;

    public EmptyDir {
      medium = medium == null ? "" : medium;
      sizeLimit = sizeLimit == null ? Optional.empty() : sizeLimit;
      mode = mode == null ? OptionalInt.empty() : mode;
    }

    public EmptyDir(String medium, Optional<Quantity> sizeLimit) {
      this(medium, sizeLimit, OptionalInt.empty());
    }
  }

  /**
   * An OCI image mounted read-only as a volume (Kubernetes' {@code volumes[].image}): pulled and
   * cached as a container image is, its layers merged the same way.
   *
   * @param reference as written, e.g. {@code registry.example/data:v1}
   * @param pullPolicy as written, else Kubernetes' default for the reference
   */
  record Image(String reference, PullPolicy pullPolicy) implements VolumeSource {
    public Image {
      Objects.requireNonNull(reference, "reference");
      pullPolicy = pullPolicy == null ? PullPolicy.defaultFor(reference) : pullPolicy;
    }
  }

  /**
   * A file or directory of the host, shared into the VM.
   *
   * @param path host path; a relative one is relative to the manifest file's directory
   * @param type Kubernetes' check before mounting: {@code ""} (none), {@code DirectoryOrCreate},
   *     {@code Directory}, {@code FileOrCreate}, {@code File}, {@code Socket}, {@code CharDevice},
   *     {@code BlockDevice}
   */
  record HostPath(String path, String type) implements VolumeSource {
    public HostPath {
      Objects.requireNonNull(path, "path");
      type = type == null ? "" : type;
    }
  }

  /**
   * A persistent volume claim: in file and git mode, a directory of this host that outlives the
   * pod ({@code $PEAPOD_HOME/volumes/NAMESPACE/CLAIM}), made on first use.
   *
   * @param claimName the claim's name (a DNS-1123 subdomain)
   * @param readOnly every mount of it is read-only
   * @param declared the claim's own document, when the same source has one
   */
  record PersistentVolumeClaim(String claimName, boolean readOnly, Optional<ClaimDecl> declared)
      implements VolumeSource {
    public PersistentVolumeClaim {
      Objects.requireNonNull(claimName, "claimName");
      declared = declared == null ? Optional.empty() : declared;
    }
  }

  /**
   * A volume of files the host gives and guest-init keeps in guest memory: Kubernetes' {@code
   * configMap}, {@code secret}, {@code downwardAPI} and {@code projected} volumes, and
   * HyperContainer's {@code files}. Containers mount it read-only; a subPath mount of it takes the
   * file as it is when the container starts and sees no later update, as in Kubernetes.
   *
   * @param type the manifest's word for it ({@code configMap}, {@code secret}, {@code downwardAPI},
   *     {@code projected}, {@code files}), for messages and the canonical form
   * @param sources where the files come from, in order (a later file at the same path is an error)
   * @param defaultMode the mode of files without their own, {@code 0644} when not written
   */
  record Files(String type, List<FileProjection> sources, int defaultMode) implements VolumeSource {
    /** Kubernetes' default mode for the files of these volumes. */
    public static final int DEFAULT_MODE = 0644;

    public Files {
      Objects.requireNonNull(type, "type");
      sources = List.copyOf(sources);
    }
  }
}
