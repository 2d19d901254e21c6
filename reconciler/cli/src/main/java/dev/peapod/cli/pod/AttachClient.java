package dev.peapod.cli.pod;

import dev.peapod.provider.AttachSession;
import java.io.ByteArrayOutputStream;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.CompletableFuture;

/**
 * This terminal's side of an attachment ({@code peapod attach}, {@code run -i/-t}): our stdin into
 * the container's, watching for the detach keys, and its output to ours.
 */
final class AttachClient {
  private AttachClient() {}

  /**
   * Copies our stdin to the session's until our input ends (then closes it: the client's end of
   * input) or, with {@code keys}, until they are typed. The future completes with true when the
   * detach keys were typed, false when our input ended.
   */
  static CompletableFuture<Boolean> pumpStdin(AttachSession session, DetachKeys keys) {
    CompletableFuture<Boolean> done = new CompletableFuture<>();
    Thread thread = new Thread(() -> {
      InputStream in = new FileInputStream(FileDescriptor.in);
      OutputStream to = session.stdin();
      byte[] buffer = new byte[8192];
      ByteArrayOutputStream passed = new ByteArrayOutputStream();
      try {
        int n;
        while ((n = in.read(buffer)) > 0) {
          passed.reset();
          boolean detach = keys != null && keys.filter(buffer, n, passed);
          if (keys == null) {
            to.write(buffer, 0, n);
          } else {
            passed.writeTo(to);
          }
          to.flush();
          if (detach) {
            done.complete(true);
            return;
          }
        }
        to.close();
      } catch (IOException e) {
        // the process's stdin is closed, or the session ended: nothing more to send
      }
      done.complete(false);
    }, "attach-stdin");
    thread.setDaemon(true);
    thread.start();
    return done;
  }

  /** Copies {@code from} to {@code to} until it ends; flushes every piece (a terminal shows it at once). */
  static Thread pumpOutput(String name, InputStream from, OutputStream to) {
    Thread thread = new Thread(() -> {
      byte[] buffer = new byte[8192];
      try {
        int n;
        while ((n = from.read(buffer)) > 0) {
          to.write(buffer, 0, n);
          to.flush();
        }
      } catch (IOException e) {
        // the session ended, or our output is gone
      }
    }, name);
    thread.setDaemon(true);
    thread.start();
    return thread;
  }
}
