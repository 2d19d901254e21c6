package dev.peapod.provider.qemu.runtime;

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

  public void writeVm(VmRecord record) throws IOException {
    JsonFiles.write(dir.resolve(VM_FILE), record);
  }

  public Optional<VmRecord> readVm() throws IOException {
    return JsonFiles.read(dir.resolve(VM_FILE), VmRecord.class);
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
