package dev.peapod.provider.qemu.runtime;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The provider's state directory: {@code pods/<name>/} per pod, plus host-wide
 * caches such as the accelerator probe result.
 */
public final class StateDirectory {

  private final Path root;

  public StateDirectory(Path root) {
    this.root = root.toAbsolutePath().normalize();
  }

  public Path root() {
    return root;
  }

  /**
   * Creates the state directory 0700 if it does not exist, and makes {@code pods/} (every pod's
   * sockets, logs and records) 0700 whatever the umask. An existing state directory keeps its mode:
   * it may be a directory the user chose and shares (PEAPOD_HOME=$HOME).
   */
  public void makePrivate() {
    try {
      if (!Files.exists(root)) {
        PrivateFiles.createDirectories(root);
      }
      PrivateFiles.privateDirectory(root.resolve("pods"));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("cannot make " + root + " private: " + e.getMessage(), e);
    }
  }

  /** The directory of the pod with that (validated) name, whether it exists or not. */
  public PodDirectory pod(String name) {
    return new PodDirectory(name, root.resolve("pods").resolve(name));
  }

  /** Every pod with a pod record, in name order. */
  public List<PodDirectory> pods() throws IOException {
    Path pods = root.resolve("pods");
    List<PodDirectory> out = new ArrayList<>();
    if (!Files.isDirectory(pods)) {
      return out;
    }
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(pods)) {
      for (Path entry : entries) {
        PodDirectory pod = new PodDirectory(entry.getFileName().toString(), entry);
        if (pod.exists()) {
          out.add(pod);
        }
      }
    }
    out.sort((a, b) -> a.name().compareTo(b.name()));
    return out;
  }

  /** The hand-overs under way (normally none: each lives for the length of one replace -o/-n). */
  public List<HandOverRecord> handOvers() throws IOException {
    Path dir = handOverDir();
    List<HandOverRecord> out = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return out;
    }
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, "*.json")) {
      for (Path entry : entries) {
        JsonFiles.read(entry, HandOverRecord.class).ifPresent(out::add);
      }
    }
    return out;
  }

  /** Records a hand-over before its first step. */
  public void beginHandOver(HandOverRecord record) throws IOException {
    Files.createDirectories(handOverDir());
    JsonFiles.write(handOverDir().resolve(record.from() + ".json"), record);
  }

  /** Forgets a finished hand-over. */
  public void endHandOver(HandOverRecord record) throws IOException {
    Files.deleteIfExists(handOverDir().resolve(record.from() + ".json"));
    JsonFiles.syncDirectory(handOverDir());
  }

  private Path handOverDir() {
    return root.resolve("handovers");
  }

  /** Where the accelerator probe caches its verdict. */
  public Path acceleratorCache() {
    return root.resolve("accelerator.json");
  }
}
