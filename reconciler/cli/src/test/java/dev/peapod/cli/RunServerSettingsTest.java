package dev.peapod.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peapod.engine.handoff.HandedRuns;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** What the run server compares with a command's settings, and what it starts with. */
class RunServerSettingsTest {

  private static final Map<String, String> PROCESS = Map.of("umask", "0022", "groups", "0");

  @Test
  void theJvmsOptionsTheLoaderAndTheUmaskAreSettingsTheLogLevelIsNot() {
    Map<String, String> server = RunServer.settings(Map.of("PATH", "/bin", "PEAPOD_KERNEL", "/k"), PROCESS);
    assertEquals(Set.of(), RunServer.differences(server, RunServer.settings(Map.of("PATH", "/bin",
        "PEAPOD_KERNEL", "/k", "PEAPOD_LOG_LEVEL", "DEBUG", "PEAPOD_JAVA_OPTS", "-Xlog:class+load", "TERM", "xterm",
        "PEAPOD_HOME", "/elsewhere", "JAVA_TOOL_OPTIONS", ""), PROCESS)));
    assertEquals(Set.of("JAVA_TOOL_OPTIONS"), RunServer.differences(server, RunServer.settings(Map.of("PATH", "/bin",
        "PEAPOD_KERNEL", "/k", "JAVA_TOOL_OPTIONS", "-Dpeapod.kernel=/other"), PROCESS)));
    assertEquals(Set.of("PEAPOD_JAVA_OPTS"), RunServer.differences(server, RunServer.settings(Map.of("PATH", "/bin",
        "PEAPOD_KERNEL", "/k", "PEAPOD_JAVA_OPTS", "-Xmx1g -Duser.home=/tmp"), PROCESS)));
    // JVM tuning is no setting; options from a file the text does not show, agents, boot classes and commands
    // the JVM runs are (an @argfile with -Dpeapod.kernel in it was handed to the server and run without it)
    assertEquals(Set.of(), RunServer.differences(server, RunServer.settings(Map.of("PATH", "/bin", "PEAPOD_KERNEL",
        "/k", "PEAPOD_JAVA_OPTS", " -Xlog:gc*:file=/tmp/gc.log -Xmx1g -Xss1m -XX:+UseSerialGC -XX:TieredStopAtLevel=1"
            + " -Xshare:auto -verbose:gc "), PROCESS)));
    for (String word : List.of("@/home/u/peapod.args", "-XX:VMOptionsFile=/home/u/o", "-XX:Flags=/home/u/f",
        "-javaagent:/a.jar", "-agentpath:/a.so", "-Xbootclasspath/a:/x.jar", "--patch-module", "-XX:OnError=sh",
        "-XX:OnOutOfMemoryError=sh", "-Dpeapod.kernel=/k2", "-jar")) {
      assertEquals(Set.of("PEAPOD_JAVA_OPTS"), RunServer.differences(server, RunServer.settings(Map.of("PATH", "/bin",
          "PEAPOD_KERNEL", "/k", "PEAPOD_JAVA_OPTS", "-Xmx1g " + word), PROCESS)), word);
    }
    assertEquals(Set.of("(umask)", "LD_PRELOAD", "LC_ALL", "TMPDIR"), RunServer.differences(server,
        RunServer.settings(Map.of("PATH", "/bin", "PEAPOD_KERNEL", "/k", "LD_PRELOAD", "x.so", "LC_ALL", "C",
            "TMPDIR", "/t"), Map.of("umask", "0077", "groups", "0"))));
    assertEquals(Set.of("(groups)", "(umask)"), RunServer.differences(server,
        RunServer.settings(Map.of("PATH", "/bin", "PEAPOD_KERNEL", "/k"), Map.of())));
  }

  @Test
  void aServerStartsWithTheStartersSettingsButItsJvmOptionsAndNothingElse() {
    Map<String, String> env = RunServer.serverEnvironment(Map.of("PATH", "/bin", "PEAPOD_KERNEL", "/k",
        "JAVA_TOOL_OPTIONS", "-Dpeapod.kernel=/other", "PEAPOD_JAVA_OPTS", "-Dx=y", "SSH_AUTH_SOCK", "/s",
        "PEAPOD_HANDOFF_CLIENT", "1", "PEAPOD_LOG_LEVEL", "DEBUG"), Path.of("/h"));
    assertEquals(Map.of("PATH", "/bin", "PEAPOD_KERNEL", "/k", "PEAPOD_LOG_LEVEL", "DEBUG", "PEAPOD_HOME", "/h"), env);
  }

  @Test
  void itsOwnUmaskAndGroupsAreReadAsTheClientSendsThem() {
    assertTrue(RunServer.ProcStatus.umask().matches("[0-7]{4}"), RunServer.ProcStatus.umask());
    assertTrue(RunServer.ProcStatus.groups().matches("([0-9]+( [0-9]+)*)?"), RunServer.ProcStatus.groups());
  }

  @Test
  void aRequestWithAFieldThisVersionDoesNotKnowIsGivenBack() {
    assertFalse(HandedRuns.unknownFields(Map.of("file", "a", "content", "", "command", "c", "text", true,
        "seccompDir", "/s", "hostPathsFromEnvironment", false)).isPresent());
    assertEquals("fields later, newer", HandedRuns.unknownFields(Map.of("file", "a", "newer", 1, "later", "x")).get());
    Map<String, Object> answer = HandedRuns.run(Path.of("/nonexistent"), command -> {
      throw new AssertionError("nothing is run");
    }, Map.of("file", "a", "content", "", "command", "c", "newer", true));
    assertTrue(String.valueOf(answer.get("declined")).contains("newer"), answer::toString);
  }

  @Test
  void aRelativePathInASettingIsNamedForItNamesAnotherFileInTheServer() {
    assertEquals(Set.of("PATH", "PEAPOD_KERNEL", "TMPDIR", "XDG_CONFIG_HOME"), RunServer.relativePaths(Map.of(
        "PATH", "/bin::/usr/bin", "PEAPOD_KERNEL", "vmlinux", "TMPDIR", "tmp", "XDG_CONFIG_HOME", "./c",
        "PEAPOD_QEMU", "qemu-system-x86_64", "PEAPOD_INITRD", "/i", "LD_LIBRARY_PATH", "/lib:/usr/lib",
        "PEAPOD_WARM_POOL", "0", "(umask)", "0022", "PEAPOD_JAVA_OPTS", "-Dpeapod.kernel=k")));
    assertEquals(Set.of("LD_LIBRARY_PATH", "PEAPOD_QEMU"), RunServer.relativePaths(Map.of("LD_LIBRARY_PATH", "/lib:",
        "PEAPOD_QEMU", "build/qemu")));
  }

  @Test
  void itsOwnProcessIsDescribedAsTheClientDescribesIts() {
    Map<String, String> own = RunServer.ProcStatus.all("/j 1 2.000000003");
    assertEquals(Set.of("umask", "groups", "namespaces", "cgroup", "limits", "NoNewPrivs", "CapBnd",
        "Cpus_allowed_list", "Mems_allowed_list", "build"), own.keySet());
    assertTrue(own.get("namespaces").matches("cgroup:\\[[0-9]+\\] ipc:\\[[0-9]+\\] mnt:\\[[0-9]+\\] net:\\[[0-9]+\\]"
        + " pid:\\[[0-9]+\\] user:\\[[0-9]+\\] uts:\\[[0-9]+\\]"), own.get("namespaces"));
    assertTrue(own.get("limits").contains("Max processes") && !own.get("limits").contains("Max open files"),
        own.get("limits"));
    assertTrue(own.get("CapBnd").matches("[0-9a-f]{16}"), own.get("CapBnd"));
    assertTrue(RunServer.jarIdentityText().matches("(/\\S+ [0-9]+ [0-9]+\\.[0-9]{9})|\\(unknown\\)"),
        RunServer.jarIdentityText());
  }

  /** The launcher's client sends the variables its setting() names: the same list as the server compares. */
  @Test
  void theClientSendsTheSettingsTheServerCompares() throws Exception {
    String c = Files.readString(Path.of("src/main/c/peapod-handoff.c"));
    Matcher list = Pattern.compile("static int setting\\(.*?names\\[\\] = \\{(.*?)\\};", Pattern.DOTALL).matcher(c);
    assertTrue(list.find(), "peapod-handoff.c's setting() has a names[] list");
    Set<String> names = new TreeSet<>();
    Matcher name = Pattern.compile("\"([A-Za-z0-9_]+)\"").matcher(list.group(1));
    while (name.find()) {
      names.add(name.group(1));
    }
    assertEquals(new TreeSet<>(RunServer.SETTINGS), names);
    assertTrue(RunServer.relevant("JAVA_HOME") && RunServer.relevant("NODE_NAME"));
  }

  /** An empty TZ is UTC and an empty PATH finds nothing: neither is the same as unset. */
  @Test
  void anEmptySettingIsNotAnUnsetOneButForTheJvmsOptions() {
    Map<String, String> server = RunServer.settings(Map.of("PATH", "/bin"), PROCESS);
    assertEquals(Set.of("TZ"), RunServer.differences(server, RunServer.settings(Map.of("PATH", "/bin", "TZ", ""),
        PROCESS)));
    assertEquals(Set.of("PATH"), RunServer.differences(server, RunServer.settings(Map.of("PATH", ""), PROCESS)));
    assertEquals(Set.of(), RunServer.differences(server, RunServer.settings(Map.of("PATH", "/bin",
        "JDK_JAVA_OPTIONS", ""), PROCESS)));
  }

  /** A value that is no UTF-8 is not decoded into one that could equal a command's. */
  @Test
  void anEnvironmentIsReadExactly() {
    byte[] raw = "TZ=UTC\0PATH=/b\u00ffin\0EMPTY=\0NOEQUALS\0".getBytes(StandardCharsets.ISO_8859_1);
    assertEquals(Map.of("TZ", "UTC", "PATH", RunServer.NOT_UTF8, "EMPTY", ""), RunServer.environ(raw));
    assertEquals(Map.of("LANG", "de_DE.UTF-8", "X", "\u00e9"), RunServer.environ(
        "LANG=de_DE.UTF-8\0X=\u00e9\0".getBytes(StandardCharsets.UTF_8)));
  }

  /** A keeper process is described as the server describes itself; its other settings are named. */
  @Test
  void aKeeperOfOtherSettingsIsToldApart() throws Exception {
    ProcessBuilder builder = new ProcessBuilder("sleep", "60");
    builder.environment().put("TZ", "Pacific/Auckland");
    builder.environment().put("PEAPOD_RUN_SERVER", "0");
    Process child = builder.start();
    try {
      Thread.sleep(200); // its exec done: /proc shows sleep's environment
      Map<String, String> keeper = RunServer.keeperSettings(Path.of("/proc", Long.toString(child.pid())));
      Map<String, String> own = RunServer.settings(RunServer.environ(Path.of("/proc/self/environ")),
          RunServer.ProcStatus.all(keeper.get("(build)")));
      Set<String> differ = RunServer.keeperDifferences(keeper, own);
      assertTrue(differ.contains("TZ"), differ::toString);
      differ.remove("TZ");
      if (System.getenv("TZ") == null || !System.getenv("TZ").equals("Pacific/Auckland")) {
        assertEquals(Set.of(), differ, "only TZ: " + keeper + " / " + own);
      }
    } finally {
      child.destroyForcibly();
    }
  }

  /** A client that closed its end (killed) is told from one waiting for its answer. */
  @Test
  void aClientGoneIsToldFromOneWaiting() throws Exception {
    Path dir = Files.createTempDirectory("peapod-gone");
    Path path = dir.resolve("s");
    try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      server.bind(UnixDomainSocketAddress.of(path));
      try (SocketChannel waiting = SocketChannel.open(UnixDomainSocketAddress.of(path));
          SocketChannel accepted = server.accept()) {
        waiting.write(ByteBuffer.wrap("request".getBytes(StandardCharsets.US_ASCII)));
        accepted.read(ByteBuffer.allocate(7));
        accepted.configureBlocking(false);
        assertFalse(RunServer.gone(accepted));
        waiting.close();
        assertTrue(RunServer.gone(accepted));
      }
    } finally {
      Files.deleteIfExists(path);
      Files.delete(dir);
    }
  }
}
