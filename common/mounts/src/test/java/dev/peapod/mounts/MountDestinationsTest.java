package dev.peapod.mounts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class MountDestinationsTest {

  @Test
  void refusesWhatGuestInitKeeps() {
    for (String path : List.of("/", "/.", "/proc", "/proc/sys/kernel", "/./sys/", "//sys/fs", "/dev",
        "/dev/", "/dev/null", "/dev/pts/0", "/dev/./fd", "/dev/stderr")) {
      assertTrue(MountDestinations.refusal(path).orElse(null) instanceof MountDestinations.Shadows,
          path);
    }
    for (String path : List.of("/x/../proc/sys/kernel", "/data/..", "/..")) {
      assertEquals(Optional.of(new MountDestinations.DotDot()), MountDestinations.refusal(path), path);
    }
    for (String path : List.of("/data", "/dev/shm", "/dev/termination-log", "/procfs", "/x/proc",
        "/var/..data", "/sysroot")) {
      assertEquals(Optional.empty(), MountDestinations.refusal(path), path);
    }
    assertEquals("would shadow /dev/tty, which guest-init makes: no volume may be mounted on /proc,"
        + " /sys or what they hold, on /dev or its devices",
        ((MountDestinations.Shadows) MountDestinations.refusal("/dev/tty").orElseThrow()).wouldShadow());
  }

  /** The set is guest-init's: a device added there and not here would pass create and fail at start. */
  @Test
  void devEntriesAreGuestInits() throws IOException {
    String masks = Files.readString(repoRoot().resolve("guest-init/src/masks.c"));
    Matcher block = Pattern.compile("dev_entries\\[\\] = \\{([^}]*)\\}").matcher(masks);
    assertTrue(block.find(), "masks.c's dev_entries");
    Set<String> guest = Pattern.compile("\"([^\"]+)\"").matcher(block.group(1)).results()
        .map(m -> m.group(1)).collect(Collectors.toSet());
    assertEquals(guest, MountDestinations.DEV_ENTRIES);
  }

  /**
   * The rule lives here only: the manifest's NameRules and the provider's PodSpecValidator each held a
   * copy of the split, the device set and the refusals (f50c340), which could drift apart.
   */
  @Test
  void noOtherJavaSourceKeepsItsOwnCopy() throws IOException {
    Path root = repoRoot();
    Path self = root.resolve("common/mounts");
    try (Stream<Path> files = Files.walk(root)) {
      List<Path> copies = files
          .filter(p -> p.toString().endsWith(".java") && p.toString().contains("/src/main/java/"))
          .filter(p -> !p.startsWith(self) && !p.toString().contains("/target/"))
          .filter(p -> {
            try {
              String s = Files.readString(p);
              return s.contains("\"urandom\"") && s.contains("\"ptmx\"");
            } catch (IOException e) {
              throw new java.io.UncheckedIOException(e);
            }
          })
          .map(root::relativize).toList();
      assertEquals(List.of(), copies);
    }
  }

  private static Path repoRoot() {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null && !Files.isRegularFile(dir.resolve("guest-init/src/masks.c"))) {
      dir = dir.getParent();
    }
    assertTrue(dir != null, "the repository's root above " + Path.of("").toAbsolutePath());
    return dir;
  }
}
