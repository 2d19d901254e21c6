package dev.peapod.provider.qemu;

import dev.peapod.provider.qemu.guest.GuestConnection;
import dev.peapod.provider.qemu.guest.GuestListener;
import dev.peapod.provider.qemu.qmp.QmpClient;
import dev.peapod.provider.qemu.runtime.HostProcess;
import dev.peapod.provider.qemu.runtime.VmFiles;
import dev.peapod.provider.qemu.runtime.VmUsers;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Makes one template VM in this process (the {@link TemplateBuilder} process runs it): a cold
 * boot to READY, {@link #SETTLE}, the device state saved ({@link MigrationStream}), the directory
 * published.
 *
 * <p>Makers of the same key exclude each other with a {@link FileLock} on {@code <key>.lock},
 * held for the whole build: the second one finds it taken and returns. It is a kernel record
 * lock (fcntl), released when its holder dies however it dies, so a builder killed half way
 * leaves no stale lock: the next one gets it at once. The file holds the holder's pid, for
 * people and tests; only the lock says whether a builder runs. A maker works in {@code
 * <key>.new/} and renames it to {@code <key>/} only once {@code state} and {@code ram} are
 * complete, so a killed builder leaves nothing a restore would use; the next maker kills the
 * template QEMU it left running and deletes the directory. A failed build leaves {@code
 * <key>.failed} (see {@link TemplateBuilds#FAILED_BACKOFF}).
 */
final class TemplateMaker {

  /**
   * How long the template guest idles after READY before it is saved: free page reporting
   * runs 2 s after pages are freed, and what it returns is not in the template's RAM file.
   */
  private static final Duration SETTLE = Duration.ofMillis(2500);

  private final TemplateCatalogue catalogue;
  private final QemuCommandLine commandLine;
  private final Duration bootTimeout;
  /** The VM users the template VM's QEMU runs as, or empty: as the user running Peapod. */
  private final Optional<VmUsers> users;

  TemplateMaker(TemplateCatalogue catalogue, QemuCommandLine commandLine, Duration bootTimeout,
      Optional<VmUsers> users) {
    this.catalogue = catalogue;
    this.commandLine = commandLine;
    this.bootTimeout = bootTimeout;
    this.users = users;
  }

  /**
   * Makes the template for {@code shape} now, in this process, unless it exists or another
   * builder holds its lock; returns whether it made it. A failure leaves {@code <key>.failed}.
   * What it does goes to {@code say}, one line each, not to a logger: the builder's output is
   * its log file whatever logging backend its classpath brings (the CLI's jar brings JBoss
   * LogManager, which would swallow it).
   */
  boolean build(VmShape shape, Consumer<String> say) throws IOException {
    String key = catalogue.key(shape);
    Path root = catalogue.root();
    Path dir = root.resolve(key);
    Files.createDirectories(root);
    try (FileChannel lockFile = FileChannel.open(catalogue.lockFile(key), StandardOpenOption.CREATE,
        StandardOpenOption.WRITE); FileLock lock = TemplateCatalogue.tryLock(lockFile)) {
      if (lock == null) {
        say.accept("template VM " + key + " is being made by another builder");
        return false;
      }
      if (TemplateCatalogue.complete(dir)) {
        say.accept("template VM " + key + " exists");
        return false;
      }
      lockFile.truncate(0).write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n")
          .getBytes(StandardCharsets.US_ASCII)));
      try {
        make(shape, key, dir, say);
        Files.deleteIfExists(catalogue.failedFile(key));
        return true;
      } catch (IOException | RuntimeException e) {
        Files.writeString(catalogue.failedFile(key), Instant.now() + " " + e + "\n", StandardCharsets.UTF_8);
        throw e;
      }
    }
  }

  private void make(VmShape shape, String key, Path dir, Consumer<String> say) throws IOException {
    Instant t0 = Instant.now();
    Path root = catalogue.root();
    Path work = root.resolve(key + ".new");
    killLeftover(work, say);
    TemplateCatalogue.deleteTree(work);
    TemplateCatalogue.deleteTree(dir); // incomplete: a discard that did not finish
    VmFiles files = new VmFiles(work);
    Files.createDirectories(files.imageShare());
    // QEMU would create the RAM file 0644; it keeps the mode of one that exists.
    TemplateRam.createPrivateFile(work.resolve("ram"));
    TemplateRam.createPrivateFile(work.resolve("state")); // written through the migration socket: kept 0600
    VmDefinition vm = TemplateCatalogue.definition(shape, "template", files, GuestRam.template(work.resolve("ram")));
    String marker = VmDefinition.commandLineMarker(vm.name());
    QemuProcess process = null;
    VmUsers.VmUser user = null;
    try {
      if (users.isPresent()) {
        // A uid of its own, as every pod VM's QEMU (see VmUsers): the template VM boots the same guest-init
        // and kernel, and a guest that took its QEMU over would otherwise be root on the host. Its RAM
        // file is the VM user's while it runs, opened for it by the root shell (QemuCommandLine), since
        // the templates directory is closed to it; the state comes through a socket in its own directory.
        user = users.get().allocate(work);
        QemuProcess.linkUserFiles(files, user);
        new ImageShare(files.imageShare(), users).openTo(user.uid());
        Files.setAttribute(work.resolve("ram"), "unix:uid", user.uid(), LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(work.resolve("ram"), "unix:gid", user.uid(), LinkOption.NOFOLLOW_LINKS);
        vm = vm.withUser(user);
      }
      process = QemuProcess.launch(commandLine.argv(vm), files, user);
      if (user != null) {
        users.get().launched(user); // from now on its claim is swept like any other's once its QEMU is gone
      }
      GuestConnection.open(files.ctlSocket(), "template", GuestListener.NONE, bootTimeout).close();
      Thread.sleep(SETTLE.toMillis());
      try (QmpClient qmp = QmpClient.connect(files.qmpSocket(), MigrationStream.TIMEOUT)) {
        MigrationStream.ignoreSharedRam(qmp);
        // A VM user's socket goes into its run directory, root's: in q/, its own, it could swap the path
        // between the bind and the chown (see MigrationStream#save).
        MigrationStream.save(qmp, (user == null ? vm.qemuFiles().dir() : user.runDir()).resolve("migrate.sock"),
            work.resolve("state"), user == null ? null : user.uid());
        qmp.quit();
      }
      if (!process.awaitExit(marker, Duration.ofSeconds(5))) {
        throw new IOException("the template VM's QEMU did not exit after quit");
      }
      if (user != null) {
        takeBack(work.resolve("ram"));
      }
      Files.writeString(work.resolve("template.txt"), describe(shape), StandardCharsets.UTF_8);
      TemplateCatalogue.move(work, dir);
      TemplateCatalogue.prune(root, TemplateCatalogue.KEEP, say); // RAM restores share of what it deletes goes at the next restore
      say.accept("made template VM " + key + " in "
          + Duration.between(t0, Instant.now()).toMillis() + " ms (" + describe(shape).replace('\n', ' ') + ")");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while making template " + key, e);
    } finally {
      if (process != null) {
        process.kill(marker, Duration.ofSeconds(5));
      }
      if (user != null) {
        users.get().free(user);
      }
      TemplateCatalogue.deleteTree(work);
    }
  }

  /**
   * Replaces the template's RAM file, once its VM user's QEMU is gone, by a fresh copy that is root's and
   * 0600: restores read it as root. Not the file itself made root's again: the VM user held it open
   * read-write, and a QEMU taken over could have passed that descriptor on (SCM_RIGHTS) to a process
   * that would write it after publication, under every later restore. The copy is an inode no VM user
   * ever held; what the template guest wrote into it while it ran is the template, whoever wrote it.
   */
  private static void takeBack(Path ram) throws IOException {
    if (!Files.isRegularFile(ram, LinkOption.NOFOLLOW_LINKS)) {
      throw new IOException(ram + " is no longer a regular file");
    }
    Path fresh = ram.resolveSibling(ram.getFileName() + ".root");
    TemplateRam.copySparse(ram, fresh);
    Files.move(fresh, ram, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  /**
   * Kills the template QEMU a builder left running when it was killed half way: a process whose
   * command line has the template VM's marker and names that work directory.
   */
  private static void killLeftover(Path work, Consumer<String> say) {
    // By command line rather than by pid file: a builder killed while QEMU was starting may
    // leave the pid file empty or missing.
    // A VM user's QEMU names no path under the work directory: its -add-fd label names the directory.
    String marker = VmDefinition.commandLineMarker("template");
    String dir = work + "/";
    String label = ",opaque=" + work + " ";
    ProcessHandle.allProcesses()
        .filter(p -> HostProcess.commandLine(p.pid()).map(cmd -> cmd.contains(marker)
            && (cmd.contains(dir) || cmd.contains(label))).orElse(false))
        .forEach(p -> {
          say.accept("killing template QEMU " + p.pid() + " left by an interrupted build");
          p.destroyForcibly();
        });
  }

  private static String describe(VmShape shape) {
    return "kernel " + shape.kernel() + "\ninitrd " + shape.initrd() + "\nvcpus " + shape.vcpus()
        + "\nmemory " + shape.memoryMiB() + " MiB\naccelerator " + shape.accelerator().id() + "\n";
  }
}
