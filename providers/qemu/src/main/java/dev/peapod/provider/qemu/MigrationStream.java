package dev.peapod.provider.qemu;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.peapod.provider.qemu.qmp.QmpClient;
import dev.peapod.provider.qemu.qmp.QmpException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.FileChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A VM's device state in and out of a file over QMP migration: the snapshot half of template
 * VMs. The guest RAM is left out ({@code x-ignore-shared}): it lives in a shared file of its own
 * (see {@link GuestRam}).
 */
final class MigrationStream {

  /** How long one save or load may take. */
  static final Duration TIMEOUT = Duration.ofSeconds(30);

  private MigrationStream() {}

  /** Has QEMU leave shared RAM out of the stream, on both the saving and the loading side. */
  static void ignoreSharedRam(QmpClient qmp) {
    ObjectNode cap = JsonNodeFactory.instance.objectNode().put("capability", "x-ignore-shared").put("state", true);
    ObjectNode args = JsonNodeFactory.instance.objectNode();
    args.putArray("capabilities").add(cap);
    qmp.execute("migrate-set-capabilities", args);
  }

  /**
   * Migrates the VM's device state into {@code state} through a unix socket this process listens on.
   * Not {@code exec:cat > state}: that has QEMU spawn a shell, and QEMU runs with {@code spawn=deny}
   * (see {@link QemuCommandLine#SANDBOX}); QEMU 7.2 has no {@code file:} migration.
   */
  static void save(QmpClient qmp, Path socket, Path state) throws IOException {
    save(qmp, socket, state, null);
  }

  /**
   * {@link #save(QmpClient, Path, Path)} for a QEMU run as the VM user {@code uid} (null: as this
   * process's user): the socket is given to it, since a socket takes this process's umask (0700)
   * and QEMU connects as that user. Java can change a socket's owner only by its path, so the
   * socket must be in a directory only this process's user can write (for a VM user, its run
   * directory, {@code root:UID 0750}, never its own {@code q/}): there nobody can put a link or
   * another file at the path between the bind and the chown, which would then be given to the VM
   * user. A directory that others can write is refused before anything is made in it.
   */
  static void save(QmpClient qmp, Path socket, Path state, Integer uid) throws IOException {
    if (uid != null) {
      requireOnlyOursToWrite(socket.getParent());
    }
    Files.deleteIfExists(socket);
    try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      server.bind(UnixDomainSocketAddress.of(socket));
      if (uid != null) {
        Files.setAttribute(socket, "unix:uid", uid, java.nio.file.LinkOption.NOFOLLOW_LINKS);
      }
      CompletableFuture<Long> copied = CompletableFuture.supplyAsync(() -> {
        try (SocketChannel in = server.accept();
            FileChannel out = FileChannel.open(state, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
          long total = 0;
          for (long n; (n = out.transferFrom(in, total, 1 << 20)) > 0; ) {
            total += n;
          }
          return total;
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
      try {
        qmp.execute("migrate", JsonNodeFactory.instance.objectNode().put("uri", "unix:" + socket));
        awaitCompletion(qmp);
        copied.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      } catch (ExecutionException | TimeoutException e) {
        throw new IOException("saving the VM's state into " + state + " failed: " + e, e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while saving the VM's state", e);
      }
    } finally {
      Files.deleteIfExists(socket);
    }
  }

  /** Refuses {@code dir} unless it is a directory (not a link) of this process's user that no one else may write. */
  static void requireOnlyOursToWrite(Path dir) throws IOException {
    java.nio.file.attribute.PosixFileAttributes a = Files.readAttributes(dir,
        java.nio.file.attribute.PosixFileAttributes.class, java.nio.file.LinkOption.NOFOLLOW_LINKS);
    Object owner = Files.getAttribute(dir, "unix:uid", java.nio.file.LinkOption.NOFOLLOW_LINKS);
    Object self = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
    java.util.Set<java.nio.file.attribute.PosixFilePermission> mode = a.permissions();
    if (!a.isDirectory() || !owner.equals(self)
        || mode.contains(java.nio.file.attribute.PosixFilePermission.GROUP_WRITE)
        || mode.contains(java.nio.file.attribute.PosixFilePermission.OTHERS_WRITE)) {
      throw new IOException("refusing to give a migration socket away in " + dir + ": only a directory of uid " + self
          + " that no one else may write keeps its path from being swapped (it is uid " + owner + ", "
          + java.nio.file.attribute.PosixFilePermissions.toString(mode) + ")");
    }
  }

  /** Feeds {@code state} to a QEMU waiting with {@code -incoming defer}, through a unix socket it listens on. */
  static void load(QmpClient qmp, Path socket, Path state) throws IOException {
    Files.deleteIfExists(socket);
    try {
      qmp.execute("migrate-incoming", JsonNodeFactory.instance.objectNode().put("uri", "unix:" + socket));
      try (SocketChannel out = dev.peapod.provider.qemu.runtime.VmSockets.connect(socket);
          FileChannel in = FileChannel.open(state)) {
        long size = in.size();
        for (long done = 0; done < size; ) {
          done += in.transferTo(done, size - done, out);
        }
      }
      awaitCompletion(qmp);
    } finally {
      Files.deleteIfExists(socket);
    }
  }

  private static void awaitCompletion(QmpClient qmp) {
    Duration limit = dev.peapod.provider.qemu.runtime.HostLoad.scale(TIMEOUT);
    long deadline = System.nanoTime() + limit.toNanos();
    while (true) {
      var info = qmp.execute("query-migrate");
      String status = info.path("status").asText("");
      if (status.equals("completed")) {
        return;
      }
      if (status.equals("failed") || status.equals("cancelled")) {
        throw new QmpException("migration " + status + ": " + info.path("error-desc").asText("no reason given"));
      }
      if (System.nanoTime() > deadline) {
        throw new QmpException("migration not completed within " + limit.toSeconds() + " s: " + status);
      }
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new QmpException("interrupted while waiting for migration");
      }
    }
  }
}
