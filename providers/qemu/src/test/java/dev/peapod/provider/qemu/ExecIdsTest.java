package dev.peapod.provider.qemu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class ExecIdsTest {

  /** What guest-init's pp_valid_process_id accepts. */
  private static final String GUEST_RULE = "[a-z0-9]([a-z0-9._-]{0,62}[a-z0-9])?";

  @Test
  void idsAreUniqueAcrossThreadsAndProvidersOfOneJvmAndValidInTheGuest() {
    // The controller opens a provider per API exec: two of them once both counted from 1 and
    // handed one VM the same process id (ApiIT's second exec got the first one's exit code).
    Set<String> seen = ConcurrentHashMap.newKeySet();
    IntStream.range(0, 10_000).parallel().forEach(i -> seen.add(ExecIds.next()));
    assertEquals(10_000, seen.size());
    for (String id : seen) {
      assertTrue(id.matches(GUEST_RULE) && id.startsWith("exec."), id);
      assertTrue(id.length() <= 64, id);
    }
  }
}
