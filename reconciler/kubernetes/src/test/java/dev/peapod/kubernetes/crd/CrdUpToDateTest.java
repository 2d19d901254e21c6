package dev.peapod.kubernetes.crd;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;

/**
 * The CRD in the chart is the one the Java model generates. After a change of the model, run this
 * test with {@code -Dpeapod.crd.update=true} to write the new CRD, and commit it.
 */
class CrdUpToDateTest {

  @Test
  void committedCrdIsTheGeneratedOne() throws Exception {
    String generated = GeneratedCrd.generate();
    if (Boolean.getBoolean("peapod.crd.update")) {
      Files.writeString(GeneratedCrd.COMMITTED, generated, StandardCharsets.UTF_8);
    }
    String committed = Files.exists(GeneratedCrd.COMMITTED)
        ? Files.readString(GeneratedCrd.COMMITTED, StandardCharsets.UTF_8) : "(missing)";
    assertEquals(generated, committed, GeneratedCrd.COMMITTED + " differs from what the model in "
        + "dev.peapod.kubernetes.crd generates; run this test with -Dpeapod.crd.update=true and commit the file");
  }
}
