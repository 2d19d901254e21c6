package dev.peapod.provider.qemu;

import dev.peapod.provider.qemu.runtime.VmFiles;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Which template VMs exist and which one a VM of a {@link VmShape} may start from: the template
 * directory's layout, the key of a shape, pruning and discarding. Making templates is {@link
 * TemplateMaker} (in a {@link TemplateBuilder} process that {@link TemplateBuilds} starts);
 * restoring one is {@link TemplateRestore}.
 *
 * <p>Template VMs: a VM booted once per shape up to guest-init's READY with no pod, saved with
 * QEMU migration, from which pod VMs start instead of booting cold (Firecracker snapshots and
 * Kata's VM templating do the same). A template is a directory {@code <state>/templates/<key>/}
 * holding {@code ram} (the guest RAM file, sparse) and {@code state} (the device state QEMU wrote
 * with {@code x-ignore-shared}, which leaves the shared RAM out of the stream). The {@link
 * TemplateKey} hashes everything that shapes the VM until READY, so any change gives a new key and
 * a template is never used for a VM it does not fit. Making one keeps the {@link #KEEP} most
 * recently made and deletes older ones (~25 MiB each), which a rebuilt kernel or initramfs leaves
 * behind.
 *
 * <p>The template must have the pod VM's device layout exactly: every image comes through the 9p
 * image share (no per-pod virtio-blk), and a pod with hostPath volumes (extra 9p devices) boots
 * cold. guest-init mounts the image share only when a container needs it, so the template has it
 * unmounted, which is what lets QEMU migrate a 9p device at all.
 *
 * <p>Next to each template: {@code <key>.new/} (a build in progress, or left by a killed builder;
 * never used), {@code <key>.lock} (locked by the builder making it), {@code <key>.log} (the
 * builders' output), {@code <key>.failed} (the last build failed) and {@code .<key>.starting} (the
 * claim naming the builder process that is starting or making it, see {@link TemplateBuilds}).
 */
final class TemplateCatalogue {

  private static final System.Logger LOG = System.getLogger(TemplateCatalogue.class.getName());
  /** How many templates are kept (one per VM shape in use, plus a few a rebuild left behind). */
  static final int KEEP = 4;
  /** In a template's directory: the reason its last restore failed, when that may have been the moment's. */
  static final String SUSPECT = "suspect";
  /**
   * Bumped whenever what a template holds or how it is restored changes incompatibly. 2: a template's {@code ram}
   * is a fresh root copy no VM user ever held (see TemplateMaker.takeBack); templates made before kept the file
   * their template VM's user held read-write, so they are made again.
   */
  static final String FORMAT = "peapod-template-2";
  /** Characters a state directory may have: its sockets go into migration URIs and QEMU options unquoted. */
  private static final Pattern SHELL_SAFE = Pattern.compile("[A-Za-z0-9/._+=-]+");

  private final boolean enabled;
  private final String qemuBinary;
  private final QemuCommandLine commandLine;
  private final Path root;
  private final TemplateRam ram;

  /**
   * @param enabled false when templates are switched off (PEAPOD_TEMPLATES=off): every VM boots cold
   * @param commandLine the pod VMs' command line (its binary, TCG buffer and TSC shape the key)
   * @param root where templates live, {@code <state>/templates}
   * @param ram where restored VMs get the template's RAM (whether they can is part of eligibility)
   */
  TemplateCatalogue(boolean enabled, QemuCommandLine commandLine, Path root, TemplateRam ram) {
    this.enabled = enabled;
    this.qemuBinary = commandLine.qemuBinary();
    this.commandLine = commandLine;
    this.root = root;
    this.ram = ram;
  }

  Path root() {
    return root;
  }

  /**
   * The template a pod VM of this shape can start from, or empty (with the reason
   * logged) when it must boot cold.
   */
  Optional<Template> find(String pod, VmShape shape, boolean hasHostShares) {
    Optional<String> whyNot = ineligible(hasHostShares);
    if (whyNot.isPresent()) {
      LOG.log(System.Logger.Level.DEBUG, () -> "pod " + pod + ": cold boot: " + whyNot.get());
      return Optional.empty();
    }
    String key = key(shape);
    Template t = new Template(key, root.resolve(key));
    if (!complete(t.dir())) {
      LOG.log(System.Logger.Level.DEBUG, () -> "pod " + pod + ": cold boot: no template " + t.key() + " yet");
      return Optional.empty();
    }
    return Optional.of(t);
  }

  /** Why VMs of a pod cannot start from a template at all, if they cannot. */
  Optional<String> ineligible(boolean hasHostShares) {
    if (!enabled) {
      return Optional.of("templates are off (PEAPOD_TEMPLATES=off)");
    }
    if (hasHostShares) {
      return Optional.of("hostPath volumes add 9p devices a template does not have");
    }
    Optional<String> noRam = ram.unusable();
    if (noRam.isPresent()) {
      return noRam;
    }
    if (!SHELL_SAFE.matcher(root.toString()).matches()) {
      return Optional.of("the state directory " + root + " has characters QEMU's migration URIs cannot take");
    }
    return Optional.empty();
  }

  /** The template key of a shape (see {@link TemplateKey}). */
  String key(VmShape shape) {
    VmDefinition vm = definition(shape, "template", new VmFiles(Path.of("/vm")), GuestRam.template(Path.of("/vm/ram")));
    return TemplateKey.of(qemuBinary, shape.kernel(), shape.initrd(), commandLine.argvForKey(vm));
  }

  /**
   * The VM a template of {@code shape} is, and what a VM restored from it must be: no block
   * devices, the image share, no hostPath devices, a network device.
   */
  static VmDefinition definition(VmShape shape, String name, VmFiles files, GuestRam ram) {
    return new VmDefinition(name, shape.kernel(), shape.initrd(), shape.vcpus(), shape.memoryMiB(),
        shape.accelerator(), files, List.of(), List.of(), true, files.imageShare(), List.of(), ram);
  }

  static boolean complete(Path template) {
    return Files.isRegularFile(template.resolve("state")) && Files.isRegularFile(template.resolve("ram"));
  }

  Path lockFile(String key) {
    return root.resolve(key + ".lock");
  }

  Path log(String key) {
    return root.resolve(key + ".log");
  }

  Path failedFile(String key) {
    return root.resolve(key + ".failed");
  }

  /**
   * A restore of {@code template} failed for a reason that may be the moment's (a timeout at high
   * load, a QEMU that crashed) rather than the template's: the template is kept, and discarded
   * only when the next restore fails too without one in between going well ({@link #restoredWell}).
   * A template whose guests hang is so made again after two slow cold-boot fallbacks, while one
   * good template survives a load spike.
   */
  void suspect(Template template, String reason) {
    Path mark = template.dir().resolve(SUSPECT);
    if (Files.exists(mark)) {
      discard(template, reason + " (and the restore before failed too)");
      return;
    }
    LOG.log(System.Logger.Level.WARNING, "keeping template VM " + template.key() + " (discarded if the next restore"
        + " fails too): " + reason);
    try {
      Files.writeString(mark, reason + "\n", java.nio.charset.StandardCharsets.UTF_8);
    } catch (IOException e) {
      LOG.log(System.Logger.Level.WARNING, "cannot mark template " + template.dir() + ": " + e);
    }
  }

  /** A restore of {@code template} went well: an earlier failure was the moment's. */
  void restoredWell(Template template) {
    try {
      Files.deleteIfExists(template.dir().resolve(SUSPECT));
    } catch (IOException e) {
      // the next failure discards it: a template is made again at the next cold boot
    }
  }

  /** Deletes a template that failed to restore, so that the next cold boot makes it again. */
  void discard(Template template, String reason) {
    LOG.log(System.Logger.Level.WARNING, "discarding template VM " + template.key() + ": " + reason);
    try {
      deleteTree(template.dir());
    } catch (IOException e) {
      LOG.log(System.Logger.Level.WARNING, "cannot delete template " + template.dir() + ": " + e);
    }
    ram.sweep();
  }

  /**
   * Deletes all but the {@code keep} most recently made templates in {@code root}, with their
   * lock, log and failure files; work directories of builds in progress are left alone.
   */
  static void prune(Path root, int keep, Consumer<String> say) throws IOException {
    List<Path> made;
    try (Stream<Path> dirs = Files.list(root)) {
      made = dirs.filter(p -> Files.isRegularFile(p.resolve("state")) && !p.getFileName().toString().contains("."))
          .sorted(Comparator.comparing(TemplateCatalogue::madeAt).reversed())
          .toList();
    }
    for (Path old : made.subList(Math.min(keep, made.size()), made.size())) {
      say.accept("deleting old template VM " + old.getFileName());
      deleteTree(old);
      for (String suffix : List.of(".lock", ".log", ".failed")) {
        Files.deleteIfExists(root.resolve(old.getFileName() + suffix));
      }
      Files.deleteIfExists(root.resolve("." + old.getFileName() + ".starting")); // its builder's claim
    }
  }

  private static FileTime madeAt(Path template) {
    try {
      return Files.getLastModifiedTime(template.resolve("state"));
    } catch (IOException e) {
      return FileTime.fromMillis(0);
    }
  }

  /** A file lock if nobody holds it, else null (also when this JVM holds it). */
  static FileLock tryLock(FileChannel channel) throws IOException {
    try {
      return channel.tryLock();
    } catch (OverlappingFileLockException e) {
      return null; // this JVM holds it
    }
  }

  static void move(Path from, Path to) throws IOException {
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(from, to);
    }
  }

  static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
