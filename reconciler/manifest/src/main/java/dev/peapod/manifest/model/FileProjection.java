package dev.peapod.manifest.model;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One source of the files of a {@link VolumeSource.Files} volume. A {@code configMap}, {@code
 * secret} or {@code downwardAPI} volume has one; a {@code projected} volume has one per entry of
 * its {@code sources}. Where the bytes come from is decided when the pod is converted for the
 * provider (the engine's {@code VolumeFiles}), so a new kind of source is one more record here.
 */
public sealed interface FileProjection {

  /**
   * The keys of a ConfigMap or Secret as files: every key as a file of its name, or only the
   * {@code items} listed, each at its {@code path}.
   *
   * @param optional a missing object (or listed key) is no error: the volume has no such file
   */
  record ObjectKeys(ConfigObject.Kind kind, String name, List<KeyToPath> items, boolean optional)
      implements FileProjection {
    public ObjectKeys {
      Objects.requireNonNull(kind, "kind");
      Objects.requireNonNull(name, "name");
      items = List.copyOf(items == null ? List.of() : items);
    }
  }

  /** Fields of the pod as files ({@code downwardAPI}). */
  record DownwardItems(List<DownwardFile> items) implements FileProjection {
    public DownwardItems {
      items = List.copyOf(items == null ? List.of() : items);
    }
  }

  /** Files whose bytes the manifest carries (HyperContainer's pod {@code files}). */
  record Inline(List<InlineFile> files) implements FileProjection {
    public Inline {
      files = List.copyOf(files == null ? List.of() : files);
    }
  }

  /**
   * {@code items[]} of a configMap or secret source.
   *
   * @param mode the file's mode, else the volume's {@code defaultMode}
   */
  record KeyToPath(String key, String path, Optional<Integer> mode) {
    public KeyToPath {
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(path, "path");
      mode = mode == null ? Optional.empty() : mode;
    }
  }

  /**
   * {@code items[]} of a downwardAPI source: a {@link EnvSource.FieldRef} or {@link
   * EnvSource.ResourceFieldRef} written to {@code path}.
   */
  record DownwardFile(String path, EnvSource source, Optional<Integer> mode) {
    public DownwardFile {
      Objects.requireNonNull(path, "path");
      Objects.requireNonNull(source, "source");
      mode = mode == null ? Optional.empty() : mode;
    }
  }

  /**
   * A file with its bytes, or the host file {@code uri} names ({@code file://} only), read when the
   * pod is converted, under the same rules as a hostPath.
   *
   * @param uri empty when the bytes are {@code content}
   * @param uid owner, -1 for root
   * @param gid group, -1 for root
   * @param hostHash with a {@code uri}: the SHA-256 of the host file as the pod's source read it
   *     ({@link HostFiles}), so that editing the file changes the pod; empty when not read (no
   *     uri, a parse alone, a file the pod may not name)
   */
  record InlineFile(String path, byte[] content, String uri, Optional<Integer> mode, long uid, long gid,
      String hostHash) {
    public InlineFile {
      Objects.requireNonNull(path, "path");
      content = content.clone();
      uri = uri == null ? "" : uri;
      mode = mode == null ? Optional.empty() : mode;
      hostHash = hostHash == null ? "" : hostHash;
    }

    /** A file as a manifest declares it, its host file (if any) not read yet. */
    public InlineFile(String path, byte[] content, String uri, Optional<Integer> mode, long uid, long gid) {
      this(path, content, uri, mode, uid, gid, "");
    }

    /** The same file with the hash of the host file its {@code uri} names. */
    public InlineFile withHostHash(String hash) {
      return new InlineFile(path, content, uri, mode, uid, gid, hash);
    }

    @Override
    public byte[] content() {
      return content.clone();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof InlineFile f && path.equals(f.path) && java.util.Arrays.equals(content, f.content)
          && uri.equals(f.uri) && mode.equals(f.mode) && uid == f.uid && gid == f.gid && hostHash.equals(f.hostHash);
    }

    @Override
    public int hashCode() {
      return Objects.hash(path, java.util.Arrays.hashCode(content), uri, mode, uid, gid, hostHash);
    }

    @Override
    public String toString() {
      return "InlineFile[" + path + ", " + (uri.isEmpty() ? content.length + " bytes" : uri) + "]";
    }
  }
}
