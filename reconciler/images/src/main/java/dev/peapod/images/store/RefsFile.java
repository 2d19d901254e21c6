package dev.peapod.images.store;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.peapod.files.AtomicFiles;
import dev.peapod.images.oci.OciJson;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * {@code refs.json}: the map from references to images. Read without locking (it is
 * only ever replaced by an atomic rename); changed under the {@code refs} lock by
 * read-modify-write.
 */
// "try": locks are held by try-with-resources blocks that never touch the lock object.
@SuppressWarnings("try")
public final class RefsFile {
  private static final TypeReference<TreeMap<String, RefRecord>> TYPE = new TypeReference<>() {};

  private final Path file;
  private final TempSpace temp;
  private final StoreLocks locks;

  public RefsFile(Path file, TempSpace temp, StoreLocks locks) {
    this.file = file;
    this.temp = temp;
    this.locks = locks;
  }

  /** A snapshot, sorted by reference. */
  public TreeMap<String, RefRecord> read() throws IOException {
    try {
      return OciJson.MAPPER.readValue(Files.readAllBytes(file), TYPE);
    } catch (NoSuchFileException e) {
      return new TreeMap<>();
    }
  }

  /** Applies a change atomically with respect to other threads and processes. */
  public void update(Consumer<Map<String, RefRecord>> change) throws IOException {
    try (StoreLocks.Held lock = locks.exclusive("refs")) {
      TreeMap<String, RefRecord> refs = read();
      change.accept(refs);
      Path tmp = temp.newPath("refs");
      try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        channel.write(java.nio.ByteBuffer.wrap(OciJson.write(refs)));
        channel.force(false);
      }
      AtomicFiles.moveIntoPlace(tmp, file); // the rename, then the directory fsynced
    }
  }
}
