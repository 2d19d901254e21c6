package dev.peapod.provider.qemu.runtime;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Optional;

/**
 * One pod's directory under the state directory: its records (pod.json,
 * vm.json) and the files its VM uses (sockets, console and container logs).
 * The name must already be a validated DNS label.
 */
public final class PodDirectory {

  private static final String POD_FILE = "pod.json";
  private static final String VM_FILE = "vm.json";
  private static final JsonFactory JSON_TOKENS = new JsonFactory();

  private final String name;
  private final Path dir;

  PodDirectory(String name, Path dir) {
    this.name = name;
    this.dir = dir;
  }

  public String name() {
    return name;
  }

  public Path path() {
    return dir;
  }

  public VmFiles vmFiles() {
    return new VmFiles(dir);
  }

  /** Whether the pod exists: its directory has a pod record. */
  public boolean exists() {
    return Files.isRegularFile(dir.resolve(POD_FILE));
  }

  /** Creates the directory and writes the first pod record. */
  public void create(PodRecord record) throws IOException {
    PrivateFiles.privateDirectory(dir.getParent()); // pods/
    PrivateFiles.createDirectories(dir);
    writePod(record);
  }

  public void writePod(PodRecord record) throws IOException {
    JsonFiles.write(dir.resolve(POD_FILE), record);
  }

  public Optional<PodRecord> readPod() throws IOException {
    return JsonFiles.read(dir.resolve(POD_FILE), PodRecord.class);
  }

  /**
   * The pod record's {@code startFailure} ("" if none) without its spec parsed, or empty if the pod
   * has no record (what a plan reads of each pod).
   */
  public Optional<String> readPodStartFailure() throws IOException {
    Path file = dir.resolve(POD_FILE);
    try {
      return readTopLevelText(file, "startFailure");
    } catch (IOException e) {
      if (!Files.isRegularFile(file)) {
        return Optional.empty(); // not a pod, as exists() tells it
      }
      throw e;
    }
  }

  /**
   * One top-level text field of the JSON object in {@code file} ("" when it is absent or not text),
   * or empty if there is no such file. The rest is only tokenized, not bound to objects (by a bare
   * JsonFactory: an ObjectMapper's first use alone costs a short command ~15 ms): a thousand pod
   * records are read so for a plan in a fraction of what binding their specs costs.
   */
  static Optional<String> readTopLevelText(Path file, String field) throws IOException {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
    String value = "";
    try (JsonParser parser = JSON_TOKENS.createParser(bytes)) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        throw new IOException(file + " does not hold a JSON object");
      }
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String name = parser.currentName();
        JsonToken token = parser.nextToken();
        if (name.equals(field)) {
          value = token == JsonToken.VALUE_STRING ? parser.getText() : "";
        }
        parser.skipChildren();
      }
      if (parser.currentToken() != JsonToken.END_OBJECT) {
        throw new IOException(file + " does not hold a whole JSON object");
      }
    }
    return Optional.of(value);
  }

  public void writeVm(VmRecord record) throws IOException {
    JsonFiles.write(dir.resolve(VM_FILE), record);
  }

  public Optional<VmRecord> readVm() throws IOException {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(dir.resolve(VM_FILE));
    } catch (NoSuchFileException e) {
      return Optional.empty(); // a Created pod: nothing to bind, so a plan of such pods never starts a mapper
    }
    return Optional.of(JsonFiles.MAPPER.readValue(bytes, VmRecord.class));
  }

  /** Forgets the VM: the pod is no longer meant to be running. */
  public void deleteVm() throws IOException {
    Files.deleteIfExists(dir.resolve(VM_FILE));
    JsonFiles.syncDirectory(dir);
  }

  /** Deletes the directory and everything in it; the pod record goes first so a crash leaves no half pod. */
  public void delete() throws IOException {
    Files.deleteIfExists(dir.resolve(POD_FILE));
    if (!Files.exists(dir)) {
      return;
    }
    Files.walkFileTree(dir, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        Files.deleteIfExists(file);
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
        try {
          Files.deleteIfExists(d);
        } catch (DirectoryNotEmptyException | NoSuchFileException ignored) {
          // a file appeared meanwhile (a VM still writing); leave it rather than fail the removal
        }
        return FileVisitResult.CONTINUE;
      }
    });
  }
}
