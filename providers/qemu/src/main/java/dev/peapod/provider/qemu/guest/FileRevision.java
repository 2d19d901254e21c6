package dev.peapod.provider.qemu.guest;

import dev.peapod.provider.FileSet;
import dev.peapod.provider.VolumeFile;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One revision of a volume of files as guest requests (proto.h, "Volumes of files"): FILES_BEGIN
 * with the totals, FILES_WRITE frames of FILE chunks (each chunk at most {@link Wire#MAX_DATA_CHUNK},
 * each frame well under {@link Wire#MAX_PAYLOAD}), then FILES_COMMIT, which publishes the files
 * at once.
 *
 * @param begin FILES_BEGIN's payload
 * @param writes FILES_WRITE payloads, in order
 * @param commit FILES_COMMIT's payload
 */
public record FileRevision(Fields begin, List<Fields> writes, Fields commit) {

  /** Payload bytes of FILE groups one FILES_WRITE carries at most: room for the name and headers. */
  static final int WRITE_BUDGET = Wire.MAX_PAYLOAD - 64 * 1024;

  public FileRevision {
    writes = List.copyOf(writes);
  }

  /** The requests that make {@code files} the content of volume {@code volume}. */
  public static FileRevision of(String volume, FileSet files) {
    Fields begin = Fields.builder().str(Wire.F_NAME, volume)
        .u32(Wire.F_FILE_COUNT, files.files().size())
        .u64(Wire.F_FILE_BYTES, files.bytes())
        .build();
    List<Fields> writes = new ArrayList<>();
    Fields.Builder write = null;
    int used = 0;
    for (VolumeFile file : files.files()) {
      byte[] content = file.content();
      int offset = 0;
      do {
        int n = Math.min(Wire.MAX_DATA_CHUNK, content.length - offset);
        Fields.Builder chunk = Fields.builder()
            .str(Wire.F_FILE_PATH, file.path())
            .u32(Wire.F_FILE_MODE, file.mode())
            .u64(Wire.F_FILE_OFFSET, offset)
            .bytes(Wire.F_DATA, Arrays.copyOfRange(content, offset, offset + n));
        if (offset == 0 && file.uid() >= 0) {
          chunk.u32(Wire.F_FILE_UID, (int) file.uid());
        }
        if (offset == 0 && file.gid() >= 0) {
          chunk.u32(Wire.F_FILE_GID, (int) file.gid());
        }
        Fields group = chunk.build();
        int size = group.encode().length + Wire.FIELD_HEADER_SIZE;
        if (write == null || used + size > WRITE_BUDGET) {
          if (write != null) {
            writes.add(write.build());
          }
          write = Fields.builder().str(Wire.F_NAME, volume);
          used = 0;
        }
        write.group(Wire.F_FILE, group);
        used += size;
        offset += n;
      } while (offset < content.length);
    }
    if (write != null) {
      writes.add(write.build());
    }
    return new FileRevision(begin, writes, Fields.builder().str(Wire.F_NAME, volume).build());
  }
}
