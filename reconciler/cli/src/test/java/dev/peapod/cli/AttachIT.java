package dev.peapod.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.peapod.cli.testing.Peapod;
import dev.peapod.cli.testing.Peapod.Interactive;
import dev.peapod.cli.testing.Peapod.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A container's main process with stdin and a terminal, through the real {@code ./peapod} with
 * real VMs: {@code run -i} with a pipe, {@code run -it} and {@code attach} under a pseudo-terminal
 * (script(1)), sizes and a resize passed on, the detach keys, stdin kept open across attachments,
 * and the exit code of a process that ends while attached.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class AttachIT {
  private static final String IMAGE = "it/busybox:1";

  @TempDir
  Path home;

  private Peapod peapod;

  @BeforeEach
  void loadImage() throws Exception {
    peapod = new Peapod(home);
    Path layout = home.resolve("oci");
    Result build = peapod.exec("", List.of(Peapod.REPO.resolve("scripts/busybox-oci.sh").toString(),
        layout.toString(), "1", "from-the-image"), Map.of());
    assertEquals(0, build.exitCode(), build::toString);
    Result load = peapod.run("image", "load", layout.toString(), "--tag", IMAGE);
    assertEquals(0, load.exitCode(), load::toString);
  }

  @AfterEach
  void killVms() {
    peapod.killAllVms();
  }

  /** {@code script -qec COMMAND /dev/null}: COMMAND on a pseudo-terminal whose output is our stdout. */
  private Interactive underATerminal(String shellCommand) throws Exception {
    return peapod.interactive(List.of("script", "-qec", shellCommand, "/dev/null"));
  }

  private String peapodLine(String... args) {
    return String.join(" ", peapod.peapodCommand(args));
  }

  @Test
  void runDashIPassesAPipeAndItsEnd() throws Exception {
    Result cat = peapod.runWithInput("hi\n", "run", "-i", "--rm", IMAGE, "--", "cat");

    assertEquals(0, cat.exitCode(), cat::toString);
    assertEquals("hi\n", cat.out(), "stdinOnce: our end of input is cat's");
    assertEquals(List.of(), names(peapod.ps()), "--rm");
  }

  @Test
  void runDashItGivesATerminalOfOurSizeAndPassesAResizeOn() throws Exception {
    Path resize = home.resolve("resize-now");
    // A background job of the same session changes the terminal's size when told (its stdin is
    // /dev/null, as a non-interactive shell gives background jobs): the kernel sends SIGWINCH to
    // peapod, which passes the new size on.
    Interactive tty = underATerminal("stty rows 33 cols 101; (while [ ! -e " + resize + " ]; do sleep 0.1; done;"
        + " stty rows 40 cols 120 < /dev/tty) & exec " + peapodLine("run", "-it", "--rm", "--name", "tty", IMAGE, "--",
        "sh", "-c", "'tty; read w; stty size; read x; stty size; echo got:$x; exit 5'"));
    // The size is asked once our input has arrived, i.e. once we are attached: until the attach
    // sets it, the terminal is guest-init's 24x80 (the container starts before the client attaches).
    tty.awaitOutput("/dev/pts/0");
    tty.send("a\r");
    tty.awaitOutput("33 101\r\n");
    Files.createFile(resize);
    Thread.sleep(3000); // the resize's round trip: stty in the background job, SIGWINCH, WINSIZE
    tty.send("go\r");
    Result done = tty.finish();

    assertEquals(5, done.exitCode(), done::toString);
    assertTrue(done.out().contains("go\r\n"), "the terminal echoes what we type:\n" + done);
    assertTrue(done.out().contains("40 120\r\ngot:go\r\n"), done::toString);
    assertEquals(List.of(), names(peapod.ps()), "--rm");
  }

  @Test
  void attachToATerminalAndDetachWithCtrlPCtrlQ() throws Exception {
    Result started = peapod.run("run", "-d", "-it", "--name", "shell", IMAGE, "--", "sh");
    assertEquals(0, started.exitCode(), started::toString);

    Interactive attached = underATerminal(peapodLine("attach", "shell"));
    attached.awaitOutput("detach with ctrl-p,ctrl-q");
    attached.send("kept=yes; echo marker-$((6*7))\r");
    attached.awaitOutput("marker-42");
    attached.send("\u0010\u0011");
    Result detached = attached.finish();

    assertEquals(0, detached.exitCode(), detached::toString);
    assertTrue(detached.out().contains("detached from shell/busybox, which keeps running"), detached::toString);
    assertEquals("RUNNING", peapod.inspect("shell").get("state").asText());

    // Attached again, the same shell (its variable kept); its exit ends the attachment with its code.
    Interactive again = underATerminal(peapodLine("attach", "shell"));
    again.awaitOutput("detach with");
    again.send("echo again-$kept-$((6*7)); exit 9\r");
    Result exited = again.finish();
    assertEquals(9, exited.exitCode(), exited::toString);
    assertTrue(exited.out().contains("again-yes-42"), exited::toString);
  }

  @Test
  void stdinStaysOpenAcrossAttachmentsAndTheExitCodeIsTheProcesses() throws Exception {
    Result started = peapod.run("run", "-d", "-i", "--name", "reader", IMAGE, "--", "sh", "-c",
        "while read l; do [ \"$l\" = stop ] && exit 7; echo got:$l; done; echo eof; sleep 1000");
    assertEquals(0, started.exitCode(), started::toString);

    Interactive first = peapod.interactive(peapod.peapodCommand("attach", "reader"));
    first.send("one\n");
    first.awaitOutput("got:one\n");
    first.terminate(); // as Ctrl-C: the client goes, the process stays
    first.finish();
    assertEquals("RUNNING", peapod.inspect("reader").get("state").asText());

    Result second = peapod.runWithInput("two\nstop\n", "attach", "reader");
    assertEquals(7, second.exitCode(), second::toString);
    assertEquals("got:two\n", second.out(), "the second client's input reached the same process");

    Result bad = peapod.run("attach", "reader", "--detach-keys", "ctrl-1");
    assertEquals(ExitCodes.USAGE, bad.exitCode(), bad::toString);
  }

  private static List<String> names(JsonNode ps) {
    return java.util.stream.StreamSupport.stream(ps.spliterator(), false).map(p -> p.get("name").asText()).toList();
  }
}
