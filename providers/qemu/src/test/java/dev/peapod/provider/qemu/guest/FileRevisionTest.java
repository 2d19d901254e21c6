package dev.peapod.provider.qemu.guest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peapod.provider.FileSet;
import dev.peapod.provider.PodSpec;
import dev.peapod.provider.VolumeFile;
import dev.peapod.provider.VolumeSpec;
import java.io.ByteArrayOutputStream;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A volume of files as FILES_BEGIN, FILES_WRITE chunks and FILES_COMMIT, and its VOLUME group in START_POD. */
class FileRevisionTest {

  @Test
  void largeFilesAreSentInChunksThatReassembleExactly() throws Exception {
    byte[] big = new byte[3 * 1024 * 1024 + 7];
    for (int i = 0; i < big.length; i++) {
      big[i] = (byte) (i * 31);
    }
    FileSet set = new FileSet(List.of(new VolumeFile("a/big", 0640, 1000, 2000, big),
        new VolumeFile("empty", 0444, new byte[0])), false);
    FileRevision revision = FileRevision.of("cfg", set);

    assertEquals("cfg", revision.begin().str(Wire.F_NAME).orElseThrow());
    assertEquals(2, revision.begin().u32(Wire.F_FILE_COUNT).getAsInt());
    assertEquals(big.length, revision.begin().u64(Wire.F_FILE_BYTES).getAsLong());
    assertEquals("cfg", revision.commit().str(Wire.F_NAME).orElseThrow());
    assertTrue(revision.writes().size() >= 4, "1 MiB frames cannot carry 3 MiB: " + revision.writes().size());

    ByteArrayOutputStream reassembled = new ByteArrayOutputStream();
    int emptyChunks = 0;
    for (Fields write : revision.writes()) {
      assertTrue(write.encode().length <= Wire.MAX_PAYLOAD, "a frame's payload fits");
      assertEquals("cfg", write.str(Wire.F_NAME).orElseThrow());
      for (Fields file : write.groups(Wire.F_FILE)) {
        byte[] data = file.bytes(Wire.F_DATA).orElseThrow();
        assertTrue(data.length <= Wire.MAX_DATA_CHUNK);
        if (file.str(Wire.F_FILE_PATH).orElseThrow().equals("a/big")) {
          assertEquals(reassembled.size(), file.u64(Wire.F_FILE_OFFSET).getAsLong(), "chunks come in order");
          assertEquals(0640, file.u32(Wire.F_FILE_MODE).getAsInt());
          // the owner goes with the first chunk, which creates the file
          assertEquals(reassembled.size() == 0, file.u32(Wire.F_FILE_UID).isPresent());
          reassembled.write(data);
        } else {
          emptyChunks++;
          assertEquals(0, data.length);
          assertEquals(0, file.u64(Wire.F_FILE_OFFSET).getAsLong());
        }
      }
    }
    assertArrayEquals(big, reassembled.toByteArray());
    assertEquals(1, emptyChunks, "an empty file is one empty chunk, which creates it");
  }

  @Test
  void startPodMarksAVolumeOfFiles() throws Exception {
    PodSpec spec = PodSpec.of("p", List.of()).withVolumes(List.of(VolumeSpec.emptyDir("tmp"),
        VolumeSpec.files("cfg", FileSet.EMPTY)));
    List<Fields> volumes = GuestMessages.startPod(spec, Instant.EPOCH).groups(Wire.F_VOLUME);
    assertTrue(volumes.get(0).u32(Wire.F_FILES).isEmpty());
    assertEquals(1, volumes.get(1).u32(Wire.F_FILES).getAsInt());
  }
}
