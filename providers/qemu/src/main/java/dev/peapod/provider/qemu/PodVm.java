package dev.peapod.provider.qemu;

import dev.peapod.provider.ContainerSpec;
import dev.peapod.provider.FileSet;
import dev.peapod.provider.ImageRootfs;
import dev.peapod.provider.PodSpec;
import dev.peapod.provider.PortForward;
import dev.peapod.provider.ProviderException;
import dev.peapod.provider.VolumeSpec;
import dev.peapod.provider.qemu.guest.Fields;
import dev.peapod.provider.qemu.guest.FileRevision;
import dev.peapod.provider.qemu.guest.GuestConnection;
import dev.peapod.provider.qemu.guest.GuestErrorException;
import dev.peapod.provider.qemu.guest.GuestException;
import dev.peapod.provider.qemu.guest.GuestImage;
import dev.peapod.provider.qemu.guest.GuestMessages;
import dev.peapod.provider.qemu.guest.Wire;
import dev.peapod.provider.qemu.qmp.QmpClient;
import dev.peapod.provider.qemu.qmp.QmpException;
import dev.peapod.provider.qemu.runtime.HostInfo;
import dev.peapod.provider.qemu.runtime.HostLoad;
import dev.peapod.provider.qemu.runtime.HostProcess;
import dev.peapod.provider.qemu.runtime.PodDirectory;
import dev.peapod.provider.qemu.runtime.VmFiles;
import dev.peapod.provider.qemu.runtime.VmRecord;
import dev.peapod.provider.qemu.runtime.VmUsers;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The VM side of a pod's lifecycle: boot a VM and start the pod's containers
 * in it, put a new container set into it, shut it down, and tell whether a
 * recorded VM still runs. The caller holds the pod's lock.
 */
final class PodVm {

  private static final System.Logger LOG = System.getLogger(PodVm.class.getName());
  /** Requests that do not wait for processes to end (START_POD, ADD_CONTAINER, STATUS ...). */
  static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);
  /** How long a VM may take to exit beyond the grace period before QEMU is told to quit. */
  private static final Duration EXIT_MARGIN = Duration.ofSeconds(5);
  /** The id of the user-mode network device (see QemuCommandLine). */
  static final String NETDEV = "net0";

  private final QemuConfig config;
  private final QemuCommandLine commandLine;
  private final AcceleratorProbe accelerators;
  private final GuestChannels channels;
  private final TemplateCatalogue templates;
  private final TemplateBuilds templateBuilds;
  private final TemplateRestore restore;
  private final WarmPool pool;
  private final WarmPoolKeepers keepers;
  private final PasstNetwork network;
  private final LogWriters logWriters;
  /** The VM users QEMU runs as, or empty: as the user running Peapod (see {@link VmUsers}). */
  private final Optional<VmUsers> users;
  private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();
  /**
   * How long a restored guest may take to answer HELLO: it is running already (~0.1 s under
   * TCG), so one that does not answer soon is broken (a damaged RAM file), and booting cold
   * beats waiting out the whole boot timeout.
   */
  private static final Duration RESTORE_TIMEOUT = Duration.ofSeconds(15);

  PodVm(QemuConfig config, QemuCommandLine commandLine, AcceleratorProbe accelerators, GuestChannels channels,
      TemplateCatalogue templates, TemplateBuilds templateBuilds, TemplateRestore restore, WarmPool pool,
      WarmPoolKeepers keepers, Optional<VmUsers> users) {
    this.users = users;
    // PEAPOD_PASST (or peapod.passt): passt elsewhere than in PATH
    // peapod.passtPerl (tests): what runs passt's launcher script instead of perl
    this.network = new PasstNetwork(System.getenv().getOrDefault("PEAPOD_PASST", System.getProperty("peapod.passt", "passt")),
        dev.peapod.provider.qemu.runtime.SamePageMerging.fromEnvironment(), System.getProperty("peapod.passtPerl", "perl"));
    this.logWriters = new LogWriters("rotatelogs", dev.peapod.provider.qemu.logs.LogLimits.fromEnvironment());
    this.config = config;
    this.commandLine = commandLine;
    this.accelerators = accelerators;
    this.channels = channels;
    this.templates = templates;
    this.templateBuilds = templateBuilds;
    this.restore = restore;
    this.pool = pool;
    this.keepers = keepers;
  }

  /**
   * A VM booted with the pod's containers started: its record (vm.json's) and the guest's answer to the STATUS
   * asked as the last container had started, which the start's status is made of (see {@link #startIn}).
   */
  record Booted(VmRecord record, GuestConnection guest, CompletableFuture<dev.peapod.provider.qemu.guest.Frame> status) {}

  /**
   * Boots a VM for {@code spec}, runs its init containers and starts its app containers. On any failure the
   * VM is killed again, vm.json removed, and the error names the pod (and the
   * container whose start failed).
   */
  Booted boot(PodDirectory dir, PodSpec spec, Path kernel) {
    String pod = spec.name();
    VmFiles files = dir.vmFiles();
    files.socketPathProblem().ifPresent(problem -> {
      throw new ProviderException(pod, problem);
    });
    // Before anything is prepared for the new VM: a VM user's start links the pod directory's pid
    // file into its new run directory, after which the orphan's pid file can no longer be found.
    killOrphan(dir);
    Accelerator accelerator = accelerators.choose();
    List<HostShare> hostShares = HostShares.prepare(spec, files.hostFiles(), users.isPresent());
    VmShape shape = new VmShape(kernel, config.initrd(), spec.vm().vcpus(),
        spec.vm().memoryMiB(), accelerator);
    if (hostShares.isEmpty()) {
      Optional<Started> warm = takeWarm(dir, spec, shape, kernel);
      if (warm.isPresent()) {
        try {
          Booted booted = startIn(dir, spec, warm.get());
          keepers.ensure(shape); // its keeper restores the next one meanwhile
          return booted;
        } catch (RuntimeException e) {
          // The log files are emptied beside START_POD (949b841): one that cannot be emptied fails the taken VM
          // before any container ran (they wait for the writers), and the start restores instead, as it did when
          // they were emptied before the take. What the pool VM brought is dropped: the restore makes its own.
          Optional<LogsNotPrepared> logs = logsNotPrepared(warm.get());
          if (logs.isEmpty()) {
            throw e;
          }
          LOG.log(System.Logger.Level.WARNING, "pod " + pod + ": the warm pool VM's " + logs.get().what
              + "; restoring instead");
          logWriters.discard(files);
        }
      }
    }
    // A VM with hostPath volumes too: its QEMU reaches their trees through idmapped mounts of its own
    // (see HostShares).
    VmUsers.VmUser user = allocateUser(dir);
    try {
      return bootNew(dir, spec, kernel, accelerator, shape, hostShares, user);
    } catch (RuntimeException e) {
      if (user != null) {
        users.get().free(user);
      }
      throw e;
    }
  }

  /** A uid of its own for the VM's QEMU, or null when QEMU runs as the user running Peapod. */
  private VmUsers.VmUser allocateUser(PodDirectory dir) {
    if (users.isEmpty()) {
      return null;
    }
    try {
      return users.get().allocate(dir.path());
    } catch (IOException e) {
      throw new ProviderException(dir.name(), null, "cannot give the VM a user of its own: " + e.getMessage(), e);
    }
  }

  /**
   * Checks that {@code peapod-vm-mounts} is there and makes the empty directories, root's, that it
   * mounts each hostPath tree on in the VM's QEMU's mount namespace (see {@link HostShares}).
   */
  private void prepareShareMounts(String pod, VmUsers.VmUser user, List<HostShare> hostShares) throws IOException {
    if (hostShares.isEmpty()) {
      return;
    }
    String problem = VmMounts.problem(commandLine.vmMounts());
    if (problem != null) {
      throw new ProviderException(pod, null, "cannot give the VM its hostPath volumes: " + problem, null);
    }
    Path points = user.shareMountPoint(0).getParent();
    Files.createDirectories(points);
    Files.setPosixFilePermissions(points, java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x"));
    for (int n = 0; n < hostShares.size(); n++) {
      Path point = user.shareMountPoint(n);
      if (!Files.isDirectory(point, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
        Files.createDirectory(point);
      }
    }
  }

  private Booted bootNew(PodDirectory dir, PodSpec spec, Path kernel, Accelerator accelerator, VmShape shape,
      List<HostShare> hostShares, VmUsers.VmUser user) {
    String pod = spec.name();
    VmFiles files = dir.vmFiles();
    ImageShare share = new ImageShare(files.imageShare(), users);
    try {
      if (user != null) {
        QemuProcess.linkUserFiles(files, user);
        prepareShareMounts(pod, user, hostShares);
      }
      share.reset();
      if (user != null) {
        share.openTo(user.uid());
      }
    } catch (IOException e) {
      throw new ProviderException(pod, null, "cannot prepare the image share " + share.dir() + ": " + e, e);
    }
    Optional<Template> template = templates.find(pod, shape, !hostShares.isEmpty());
    if (template.isPresent()) {
      // Every image through the share: the template has no block devices.
      VmDefinition definition = new VmDefinition(pod, kernel, config.initrd(), spec.vm().vcpus(),
          spec.vm().memoryMiB(), accelerator, files, List.of(), spec.ports(), true, share.dir(), List.of())
          .withUser(user);
      Optional<Started> restored = restore(dir, spec, definition, template.get());
      if (restored.isPresent()) {
        Booted booted = startIn(dir, spec, restored.get());
        keepers.ensure(shape);
        return booted;
      }
      if (user != null && !users.get().stillClaimed(user)) {
        user = allocateUser(dir); // the failed restore's kill freed it (and another start may have claimed it since)
        try {
          QemuProcess.linkUserFiles(files, user);
          share.openTo(user.uid());
        } catch (IOException e) {
          users.get().free(user);
          throw new ProviderException(pod, null, "cannot prepare the image share " + share.dir() + ": " + e, e);
        }
      }
    }
    List<ImageDevice> images = ImageDevices.assign(spec, PodSpecValidator.blockDeviceSlots(hostShares.size()));
    if (user != null) {
      for (ImageDevice image : images) {
        try {
          share.add(new ImageRootfs(image.imageId(), image.path())); // QEMU opens it through the share
        } catch (IOException e) {
          throw new ProviderException(pod, null, "cannot put image " + image.imageId() + " into the VM's image share "
              + share.dir() + ": " + e, e);
        }
      }
    }
    VmDefinition definition = new VmDefinition(pod, kernel, config.initrd(), spec.vm().vcpus(),
        spec.vm().memoryMiB(), accelerator, files, images, spec.ports(), true, share.dir(), hostShares)
        .withUser(user);
    Booted booted = startIn(dir, spec, bootCold(dir, spec, definition));
    if (hostShares.isEmpty()) {
      templateBuilds.prepareLater(shape);
      keepers.ensure(shape); // the keeper fills the pool once the template is made
    }
    return booted;
  }

  /**
   * A VM whose guest answered, before any container runs in it; {@code logs} and {@code network} are
   * its log writers' and its passt's start where those go on beside the pod's start (a warm pool
   * VM's), else already done.
   */
  private record Started(VmRecord record, GuestConnection guest, QemuProcess process,
      CompletableFuture<Void> logs, CompletableFuture<Void> network, CompletableFuture<Void> networkReachesGuest) {
    Started(VmRecord record, GuestConnection guest, QemuProcess process) {
      this(record, guest, process, CompletableFuture.completedFuture(null), CompletableFuture.completedFuture(null),
          CompletableFuture.completedFuture(null));
    }
  }

  /**
   * Runs the launches of a warm start's helpers side by side: each waits for its processes to
   * connect (tens of ms), and the common pool has one thread on a two-core host.
   */
  private static final ExecutorService HELPER_LAUNCHES = Executors.newCachedThreadPool(task -> {
    Thread t = new Thread(task, "peapod-helper-launch");
    t.setDaemon(true);
    return t;
  });

  private Started bootCold(PodDirectory dir, PodSpec spec, VmDefinition definition) {
    String pod = definition.name();
    killOrphan(dir);
    prepareLogs(definition);
    QemuProcess process;
    try {
      process = QemuProcess.launch(commandLine.argv(definition), definition.files(), definition.user());
    } catch (VmLaunchException e) {
      throw new ProviderException(pod, null, "QEMU failed to start: " + e.getMessage(), e);
    }
    users.ifPresent(u -> u.launched(definition.user()));
    CrashPoint.reach("after-launch");
    VmRecord record = newRecord(process, definition, spec);
    try {
      // Recorded before the guest answers, so that even a crash of this JVM leaves a VM we can find and stop.
      dir.writeVm(record);
      CrashPoint.reach("after-vm-record");
      startLogs(definition);
      startNetwork(definition);
      GuestConnection guest = connect(pod, definition.files(), config.bootTimeout());
      Duration bootTime = Duration.between(process.launchedAt(), Instant.now());
      record = record.booted(guest.info().bootId(), bootTime);
      dir.writeVm(record);
      return new Started(record, guest, process);
    } catch (RuntimeException | IOException e) {
      kill(dir, record);
      throw failure(pod, e);
    }
  }

  /**
   * Starts the VM from {@code template}: QEMU restores the template's state, and RESTORED gives
   * the guest its own boot id, RNG seed and clock. Empty, with the VM gone and the reason logged,
   * when that fails; the caller boots cold then. A template that QEMU could not load, or whose
   * restored guest did not answer, is discarded (the next cold boot makes it again).
   */
  private Optional<Started> restore(PodDirectory dir, PodSpec spec, VmDefinition definition,
      Template template) {
    String pod = definition.name();
    killOrphan(dir);
    prepareLogs(definition);
    Instant t0 = Instant.now();
    TemplateRestore.Restored restored;
    try {
      restored = restore.launch(template, definition);
    } catch (TemplateRestore.RestoreException | VmLaunchException e) {
      LOG.log(System.Logger.Level.WARNING, "pod " + pod + ": booting cold: template " + template.key()
          + " could not be restored: " + e.getMessage());
      if (e instanceof TemplateRestore.RestoreException r && r.templateBroken()) {
        templates.discard(template, e.getMessage());
      } else {
        templates.suspect(template, e.getMessage());
      }
      return Optional.empty();
    }
    users.ifPresent(u -> u.launched(definition.user()));
    CrashPoint.reach("after-launch");
    QemuProcess process = restored.process();
    VmRecord record = newRecord(process, definition, spec).withBoot(dev.peapod.provider.VmInfo.RESTORED + " " + template.key());
    try {
      dir.writeVm(record);
      CrashPoint.reach("after-vm-record");
      startLogs(definition); // fails too when QEMU died at once (its sockets went with it)
      startNetwork(definition);
      GuestConnection guest = channels.get(pod, definition.files(),
          min(config.bootTimeout(), HostLoad.scale(RESTORE_TIMEOUT)));
      Instant ready = Instant.now();
      Fields renewed = guest.call(Wire.MSG_RESTORED, GuestMessages.restored(entropy(), Instant.now(),
          !restored.ram().privateMapping()),
          REQUEST_TIMEOUT);
      String bootId = renewed.str(Wire.F_BOOT_ID).orElseThrow(() ->
          new GuestException("the guest answered RESTORED without a BOOT_ID"));
      record = record.booted(bootId, Duration.between(t0, Instant.now()));
      dir.writeVm(record);
      LOG.log(System.Logger.Level.DEBUG, "pod " + pod + ": READY " + Duration.between(t0, ready).toMillis()
          + " ms, RESTORED answered " + record.bootTime().toMillis() + " ms after the template restore began");
      templates.restoredWell(template);
      return Optional.of(new Started(record, guest, process));
    } catch (RuntimeException | IOException e) {
      // Its guest crashing takes QEMU down (-no-reboot), though maybe a moment after the connection reset.
      Optional<String> end = process.end(Duration.ofSeconds(2));
      String why = e.getMessage() + end.map(how -> " (QEMU " + how + ")").orElse("");
      LOG.log(System.Logger.Level.WARNING, "pod " + pod + ": booting cold: the VM restored from template "
          + template.key() + " did not take its identity: " + why);
      kill(dir, record);
      if (restoredGuestBroken(e, end)) {
        templates.discard(template, "a VM restored from it did not answer: " + why);
      } else {
        templates.suspect(template, "a VM restored from it did not answer: " + why);
      }
      return Optional.empty();
    }
  }

  /**
   * Whether a restored VM that failed before it took its identity shows its template is bad: its
   * guest refused RESTORED, or QEMU exited by itself (the guest crashed: under {@code -no-reboot} its
   * reboot ends QEMU). A guest that did not answer in time while QEMU ran (a loaded host), a QEMU
   * killed by a signal, or a log writer or passt that failed, say nothing about the template.
   */
  static boolean restoredGuestBroken(Throwable e, Optional<String> qemuEnd) {
    return e instanceof dev.peapod.provider.qemu.guest.GuestErrorException
        || qemuEnd.map(how -> how.startsWith("exited")).orElse(false);
  }

  /**
   * Takes a VM of {@code shape} from the warm pool (see {@link WarmPool}) and makes it the pod's:
   * vm.json first (the pod owns it from then on), its files moved into the pod directory, log
   * writers and passt started for it. Empty when none waits, or when the one taken failed (it is
   * killed then, and the caller restores or boots as without a pool). The guest has answered
   * RESTORED with its own boot id and entropy when it entered the pool and has never had a pod.
   */
  private Optional<Started> takeWarm(PodDirectory dir, PodSpec spec, VmShape shape, Path kernel) {
    if (!pool.config().enabled() || templates.ineligible(false).isPresent()) {
      return Optional.empty();
    }
    String pod = spec.name();
    String key = templates.key(shape);
    Optional<WarmPool.Taken> taken = pool.take(key, WarmPool.restoreSettings(users));
    if (taken.isEmpty()) {
      LOG.log(System.Logger.Level.DEBUG, () -> "pod " + pod + ": no warm pool VM of " + key + " waits");
      return Optional.empty();
    }
    long t0 = System.nanoTime();
    long tMoved;
    killOrphan(dir);
    VmFiles files = dir.vmFiles();
    // The helpers' launcher (see below) starts now, in the pod directory, and waits for its launches: perl's own
    // start (10-90 ms under load) then overlaps the take instead of delaying the first container.
    PeerCheckedConnect.Batch batch = new PeerCheckedConnect.Batch(files.dir(), this.network.perl());
    dev.peapod.provider.qemu.runtime.PoolVmRecord warm = taken.get().record();
    VmRecord record = new VmRecord(warm.pid(), warm.processStartTime(), warm.hostBootId(), warm.guestBootId(),
        shape.accelerator().id(), kernel, spec.vm(), List.of(), spec.ports(), warm.startedAt(), warm.bootTime(),
        false, files.imageShare(), List.of(), dev.peapod.provider.VmInfo.WARM + " " + key, warm.name(), warm.vmUser(),
        warm.vmClaim());
    try {
      dir.writeVm(record);
      Files.delete(taken.get().files().dir().resolve(dev.peapod.provider.qemu.runtime.PoolVmRecord.FILE));
      CrashPoint.reach("after-vm-record");
      WarmPool.moveInto(taken.get().files(), files);
      tMoved = System.nanoTime();
    } catch (IOException | RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "pod " + pod + ": the warm pool VM " + warm.name()
          + " could not be taken over: " + e);
      batch.cancel();
      kill(dir, record);
      WarmPool.discard(taken.get().files().dir(), Optional.empty());
      return Optional.empty();
    }
    VmDefinition definition = new VmDefinition(pod, kernel, config.initrd(), shape.vcpus(), shape.memoryMiB(),
        shape.accelerator(), files, List.of(), spec.ports(), true, files.imageShare(), List.of());
    // passt and the log writers are separate processes that each take tens of ms to come up: side by
    // side, beside the guest's HELLO and START_POD. The first container waits for the log writers
    // (guest-init keeps a container's output until its writer connects, but not the console's) and for
    // passt's launcher to have the guest's answer to its probe (startContainers): until the launcher is
    // connected QEMU drops what the guest sends, so a container that looks up a name or connects out as it
    // starts would lose its first packets (a DNS query then waits out the resolver's 5 s timeout); from
    // then on QEMU keeps them in the socket for passt. The probe also tells passt where to send the first
    // forwarded connection (see PeerCheckedConnect.Launch.wakingGuest). passt's forwards are waited for only
    // before the start ends (startIn).
    // One launcher process forks all three (PeerCheckedConnect.Batch, started above): a perl's start is most of a
    // launch.
    PeerCheckedConnect.Batch.Slot networkSlot = batch.slot();
    PeerCheckedConnect.Batch.Slot logsSlot = batch.slot();
    CompletableFuture<Void> reachesGuest = new CompletableFuture<>();
    CompletableFuture<Void> network = CompletableFuture.runAsync(() -> {
      try {
        startNetwork(definition, true, () -> reachesGuest.complete(null), networkSlot);
      } finally {
        networkSlot.done(); // the writers launch without passt if its start failed first
      }
    }, HELPER_LAUNCHES);
    network.whenComplete((done, failed) -> {
      if (failed != null) {
        reachesGuest.completeExceptionally(failed instanceof java.util.concurrent.CompletionException c
            && c.getCause() != null ? c.getCause() : failed);
      } else {
        reachesGuest.complete(null);
      }
    });
    CompletableFuture<Void> logs = CompletableFuture.runAsync(() -> {
      try {
        // the log files are emptied here, off START_POD's path: only the writers need them
        try {
          logWriters.prepare(definition.files());
        } catch (IOException e) {
          throw new LogsNotPrepared(pod, "log files in " + definition.files().dir() + " could not be emptied: " + e, e);
        }
        startLogs(definition, logsSlot);
      } finally {
        logsSlot.done();
      }
    }, HELPER_LAUNCHES);
    try {
      GuestConnection guest = channels.get(pod, files, REQUEST_TIMEOUT);
      // Written once its containers run (startIn): vm.json already names this VM, and a write costs an fsync.
      VmRecord taken2 = record.booted(warm.guestBootId(), Duration.ofNanos(System.nanoTime() - t0));
      long moved = tMoved - t0;
      LOG.log(System.Logger.Level.DEBUG, () -> "pod " + pod + ": took warm pool VM " + warm.name() + " in "
          + taken2.bootTime().toMillis() + " ms (files " + moved / 1_000_000 + " ms; log writers and passt go on"
          + " beside the pod's start)");
      return Optional.of(new Started(taken2, guest, WarmPool.process(warm), logs, network, reachesGuest));
    } catch (RuntimeException e) {
      awaitQuietly(logs);
      awaitQuietly(network);
      LOG.log(System.Logger.Level.WARNING, "pod " + pod + ": the warm pool VM " + warm.name() + " did not answer ("
          + e.getMessage() + "); restoring instead");
      kill(dir, record);
      return Optional.empty();
    }
  }

  /** A warm start's log files could not be emptied (see {@link #boot}: the start restores instead). */
  private static final class LogsNotPrepared extends ProviderException {
    final String what;

    LogsNotPrepared(String pod, String what, IOException cause) {
      super(pod, null, what, cause);
      this.what = what;
    }
  }

  /** Why the taken VM's logs failed, if they failed emptying the log files. */
  private static Optional<LogsNotPrepared> logsNotPrepared(Started vm) {
    try {
      vm.logs().getNow(null);
      return Optional.empty();
    } catch (java.util.concurrent.CompletionException | java.util.concurrent.CancellationException e) {
      return e.getCause() instanceof LogsNotPrepared l ? Optional.of(l) : Optional.empty();
    }
  }

  /** Waits for a VM's helper launches; a failed one fails with its own exception (a ProviderException). */
  private static void awaitHelpers(CompletableFuture<Void> helpers) {
    try {
      helpers.join();
    } catch (java.util.concurrent.CompletionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : e;
    }
  }

  /** Waits for {@code task} to end, however it ends (its outcome is the caller's to look at). */
  private static void awaitQuietly(java.util.concurrent.CompletableFuture<?> task) {
    try {
      task.get();
    } catch (java.util.concurrent.ExecutionException e) {
      // looked at by the caller
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The template key of the VM {@code spec} would get: what its warm pool VMs are filed under. */
  String templateKey(PodSpec spec, Path kernel) {
    return templates.key(new VmShape(kernel, config.initrd(), spec.vm().vcpus(), spec.vm().memoryMiB(),
        accelerators.choose()));
  }

  /**
   * Makes the guest's NIC send a frame (QMP announce-self: a gratuitous ARP from the guest, or a RARP
   * from QEMU): a new passt knows the guest's MAC address only from a frame the guest sent, and until
   * then cannot deliver a forwarded connection.
   */
  private static void announce(PodDirectory dir) {
    try (QmpClient qmp = QmpClient.connect(dir.vmFiles().qmpSocket(), REQUEST_TIMEOUT)) {
      com.fasterxml.jackson.databind.node.ObjectNode args =
          com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode()
              .put("initial", 0).put("max", 100).put("rounds", 3).put("step", 50);
      qmp.execute("announce-self", args);
    } catch (QmpException e) {
      LOG.log(System.Logger.Level.WARNING, "pod " + dir.name() + ": announce-self failed (" + e.getMessage()
          + "); forwarded connections reach the guest once it sends a frame");
    }
  }

  /** Empties the VM's log files before its QEMU launches (see {@link LogWriters#prepare}). */
  private void prepareLogs(VmDefinition definition) {
    try {
      logWriters.prepare(definition.files());
    } catch (IOException e) {
      throw new ProviderException(definition.name(), null, "cannot prepare the VM's log files in "
          + definition.files().dir() + ": " + e, e);
    }
  }

  /** Starts the VM's log writers (see {@link LogWriters}). */
  private void startLogs(VmDefinition definition) {
    // both writers from one launcher, as a warm start's: one after the other, a cold start or a restore waited for
    // two perl starts (a perl's start is most of a launch)
    startLogs(definition, new PeerCheckedConnect.Batch(definition.files().dir(), network.perl()).slot());
  }

  /** {@link #startLogs(VmDefinition)} through {@code launcher} (see {@link LogWriters#start(VmFiles, PeerCheckedConnect.Launcher)}). */
  private void startLogs(VmDefinition definition, PeerCheckedConnect.Launcher launcher) {
    try {
      logWriters.start(definition.files(), launcher);
    } catch (LogWriters.LogWriterException e) {
      throw new ProviderException(definition.name(), null, e.getMessage(), e);
    }
  }

  /**
   * Starts a writer for each log of the running VM whose writer ended (see {@link LogWriters#repair});
   * returns the logs repaired. A failure is logged and left to the next look.
   */
  List<String> repairLogs(PodDirectory dir) {
    try {
      List<String> repaired = logWriters.repair(dir.vmFiles());
      if (!repaired.isEmpty()) {
        LOG.log(System.Logger.Level.WARNING, "pod " + dir.name() + ": the writer of its " + String.join(" and ",
            repaired) + " had ended (output was dropped meanwhile); started a new one");
      }
      return repaired;
    } catch (LogWriters.LogWriterException e) {
      LOG.log(System.Logger.Level.WARNING, "pod " + dir.name() + ": " + e.getMessage());
      return List.of();
    }
  }

  /** Whether every log writer of the VM runs. */
  boolean logWritersRunning(PodDirectory dir) {
    return logWriters.allRunning(dir.vmFiles());
  }

  /**
   * After a hand-over moved the VM's files into {@code dir}: the writers still have the old
   * directory as their working directory, where rotatelogs would open its next files, so new
   * ones take over in {@code dir}.
   */
  void restartLogs(PodDirectory dir) {
    logWriters.stop(dir.vmFiles());
    repairLogs(dir);
  }

  /** Starts the VM's passt with its port forwards (see {@link PasstNetwork}). */
  private void startNetwork(VmDefinition definition) {
    startNetwork(definition, false);
  }

  /** {@link #startNetwork(VmDefinition)}; {@code guestRuns} for a guest that already runs (see {@link PasstNetwork}). */
  private void startNetwork(VmDefinition definition, boolean guestRuns) {
    startNetwork(definition, guestRuns, () -> { });
  }

  /** {@link #startNetwork(VmDefinition, boolean)}, running {@code reachesGuest} as {@link PasstNetwork#start} says. */
  private void startNetwork(VmDefinition definition, boolean guestRuns, Runnable reachesGuest) {
    startNetwork(definition, guestRuns, reachesGuest, PeerCheckedConnect.alone(definition.files().dir(),
        network.perl()));
  }

  /** {@link #startNetwork(VmDefinition, boolean, Runnable)} through {@code launcher}. */
  private void startNetwork(VmDefinition definition, boolean guestRuns, Runnable reachesGuest,
      PeerCheckedConnect.Launcher launcher) {
    if (!definition.network()) {
      launcher.done();
      reachesGuest.run();
      return;
    }
    try {
      network.start(definition.files(), definition.ports(), guestRuns, reachesGuest, launcher);
    } catch (PasstNetwork.NetworkException e) {
      throw new ProviderException(definition.name(), null, "cannot start the VM's network: " + e.getMessage()
          + " (is a forwarded host port in use?)", e);
    }
  }

  /**
   * Runs the pod's containers in a VM that just came up; on failure the VM is killed. The guest is asked its
   * STATUS (for the status the start answers with) right behind the last ADD_CONTAINER, so it answers once that
   * container started, before the new process takes the vCPU, and while this waits for passt's forwards and
   * writes vm.json with its fsync: side by side, not one after the other.
   */
  private Booted startIn(PodDirectory dir, PodSpec spec, Started vm) {
    VmRecord record = vm.record();
    // passt may fail once the containers have begun (they start when its launcher reached the guest, before its
    // ports are bound: one taken meanwhile, passt ending): the VM ends at once then, or an init container waiting
    // for the network (its wait has no bound) would hold the start for good, neither started nor failed
    String marker = VmDefinition.commandLineMarker(record.launchedFor(dir.name()));
    vm.network().whenComplete((bound, failed) -> {
      if (failed != null) {
        vm.process().kill(marker, Duration.ofSeconds(5));
      }
    });
    try {
      CrashPoint.reach("before-containers");
      CompletableFuture<dev.peapod.provider.qemu.guest.Frame> asked;
      long tContainers = 0;
      try {
        asked = startContainers(vm.guest(), dir, spec, record,
            CompletableFuture.allOf(vm.logs(), vm.networkReachesGuest()), true);
        tContainers = System.nanoTime();
      } finally {
        awaitQuietly(vm.logs());
        awaitQuietly(vm.network()); // the VM is killed below on a failure, and passt must not start after
      }
      long tHelpers = System.nanoTime();
      CompletableFuture<dev.peapod.provider.qemu.guest.Frame> status = asked != null ? asked
          : vm.guest().send(Wire.MSG_STATUS, Fields.empty()); // no app container: nothing asked it yet
      try {
        vm.network().join();
      } catch (java.util.concurrent.CompletionException e) {
        // a host port in use: the pod is not started, whatever ran
        throw e.getCause() instanceof RuntimeException r ? r : failure(spec.name(), e);
      }
      record = record.withContainersStarted(true);
      dir.writeVm(record);
      long tWritten = System.nanoTime();
      // what the start waited for after its last container had started: the log writers and passt's bound forwards
      // (the waits in the finally above; the join above finds passt's future complete), then vm.json's write
      long waitedAfter = tHelpers - tContainers;
      LOG.log(System.Logger.Level.DEBUG, () -> "pod " + spec.name() + ": containers started; then waited "
          + waitedAfter / 1_000_000 + " ms for the log writers and passt's forwards, vm.json " + (tWritten - tHelpers)
          / 1_000_000 + " ms");
      VmRecord done = record;
      QemuProcess process = vm.process();
      LOG.log(System.Logger.Level.DEBUG, () -> String.format(
          "pod %s: %s, QEMU set up after %d ms, guest READY after %d ms, %d containers started after %d ms (%s)",
          spec.name(), done.boot(), Duration.between(process.launchedAt(), process.daemonizedAt()).toMillis(),
          done.bootTime().toMillis(), spec.containers().size() + spec.initContainers().size(),
          Duration.between(process.launchedAt(), Instant.now()).toMillis(), done.accelerator()));
      return new Booted(record, vm.guest(), status);
    } catch (RuntimeException | IOException e) {
      kill(dir, record);
      throw failure(spec.name(), networkFailure(vm).orElse(e)); // the VM's end said as its cause, not as the guest gone
    }
  }

  /** What failed the VM's network, if it failed. */
  private static Optional<Exception> networkFailure(Started vm) {
    if (!vm.network().isCompletedExceptionally()) {
      return Optional.empty();
    }
    try {
      vm.network().join();
      return Optional.empty();
    } catch (java.util.concurrent.CompletionException | java.util.concurrent.CancellationException e) {
      return Optional.of(e.getCause() instanceof Exception cause ? cause : e);
    }
  }

  private static VmRecord newRecord(QemuProcess process, VmDefinition vm, PodSpec spec) {
    return new VmRecord(process.pid(), process.startTime(), HostInfo.bootId(), "", vm.accelerator().id(),
        vm.kernel(), spec.vm(), vm.images(), vm.ports(),
        process.launchedAt(), Duration.ZERO, false, vm.imageShare(), vm.hostShares())
        .withVmUser(vm.user() == null ? null : vm.user().uid(), vm.user() == null ? null : vm.user().claim());
  }

  /**
   * Frees the uid of a VM whose QEMU is gone (see {@link VmUsers#free}) and drops the pod directory's
   * links into its run directory, which a later VM may get.
   */
  private void freeUser(PodDirectory dir, VmRecord vm) {
    if (vm.vmUser() != null && users.isPresent() && users.get().owns(vm.vmUser())) {
      users.get().free(users.get().user(vm.vmUser(), vm.vmClaim()), vm.pid());
      QemuProcess.dropUserLinks(dir.vmFiles());
    }
  }

  /** Bytes from the host's CSPRNG for a restored guest's kernel RNG. */
  private static byte[] entropy() {
    byte[] bytes = new byte[Wire.RESTORED_ENTROPY_BYTES];
    RANDOM.nextBytes(bytes);
    return bytes;
  }

  /** Records a replace's new spec (pod.json). */
  @FunctionalInterface
  interface RecordSpec {
    void run() throws IOException;
  }

  /**
   * Replaces the containers of the running VM by those of {@code spec}: the
   * old ones are destroyed, then the new spec's init containers run again
   * before its app containers, as they would in a new VM. If a new container
   * fails to start, the VM is stopped (as a failed start would leave it) and
   * the error names the container.
   */
  /**
   * Replaces the running VM's containers by {@code spec}'s. Returns the reply to a STATUS sent right behind
   * the last ADD_CONTAINER, which guest-init answers as soon as that one is done, before the new process
   * takes the vCPU (a STATUS asked after the ADD_CONTAINER's answer waited 4-24 ms behind the new process's
   * exec under TCG): what {@link QemuProvider}'s status of the pod takes instead of asking again. Null when
   * the spec has no app container.
   */
  CompletableFuture<dev.peapod.provider.qemu.guest.Frame> replaceContainers(PodDirectory dir, VmRecord vm,
      PodSpec spec, RecordSpec recordSpec) {
    try {
      long t0 = System.nanoTime();
      GuestConnection guest = channels.get(spec.name(), dir.vmFiles(), REQUEST_TIMEOUT);
      CompletableFuture<dev.peapod.provider.qemu.guest.Frame> destroyed = guest.send(Wire.MSG_DESTROY_POD,
          GuestMessages.grace(spec.terminationGracePeriod()));
      // The new spec is recorded while the guest ends the old containers (its write costs an fsync); if it
      // cannot be, the VM is stopped as after any failed replace.
      try {
        recordSpec.run();
      } catch (IOException e) {
        throw new ProviderException(spec.name(), null, "cannot update the pod's state in " + dir.path() + ": " + e, e);
      }
      long t1 = System.nanoTime();
      guest.await(Wire.MSG_DESTROY_POD, destroyed, spec.terminationGracePeriod().plus(REQUEST_TIMEOUT));
      long t2 = System.nanoTime();
      CompletableFuture<dev.peapod.provider.qemu.guest.Frame> status = startContainers(guest, dir, spec, vm,
          CompletableFuture.completedFuture(null), true);
      long t3 = System.nanoTime();
      if (vm.imageShare() != null) {
        // The old containers are gone; links of images nobody uses any more go too.
        new ImageShare(vm.imageShare(), users).retain(ImageDevices.imageIds(spec));
      }
      LOG.log(System.Logger.Level.DEBUG, () -> String.format(java.util.Locale.ROOT, "pod %s: replace: pod.json"
          + " written after %.1f ms, DESTROY_POD answered after %.1f, containers started after %.1f, image share"
          + " tidied after %.1f", spec.name(), (t1 - t0) / 1e6, (t2 - t0) / 1e6, (t3 - t0) / 1e6,
          (System.nanoTime() - t0) / 1e6));
      return status;
    } catch (RuntimeException | IOException e) {
      kill(dir, vm);
      throw failure(spec.name(), e);
    }
  }

  /**
   * Makes the VM forward {@code ports} instead of what {@code vm} forwards (a new passt, see
   * {@link PasstNetwork}), and records them. If a new forward cannot be set up (the host port is
   * taken), the old forwards are put back and the error names the port.
   */
  VmRecord changePorts(PodDirectory dir, VmRecord vm, List<PortForward> ports) {
    String pod = dir.name();
    try {
      network.change(dir.vmFiles(), vm.ports(), ports);
    } catch (PasstNetwork.NetworkException e) {
      announce(dir);
      throw new ProviderException(pod, null, e.getMessage(), e);
    }
    announce(dir);
    VmRecord changed = vm.withPorts(ports);
    try {
      dir.writeVm(changed);
    } catch (IOException e) {
      throw new ProviderException(pod, null, "port forwards changed, but vm.json could not be updated: " + e, e);
    }
    return changed;
  }

  /**
   * Starts a new passt for the running VM if its own has ended (see {@link PasstNetwork#repair}),
   * and has the guest announce itself to it. Returns whether it had to; a failure is logged and
   * left to the next look.
   */
  boolean repairNetwork(PodDirectory dir, VmRecord vm) {
    try {
      if (!network.repair(dir.vmFiles(), vm.ports())) {
        return false;
      }
    } catch (PasstNetwork.NetworkException e) {
      LOG.log(System.Logger.Level.WARNING, "pod " + dir.name() + ": its passt ended and a new one did not start: "
          + e.getMessage());
      return false;
    }
    announce(dir);
    LOG.log(System.Logger.Level.WARNING, "pod " + dir.name() + ": its passt had ended (the VM had no network);"
        + " started a new one");
    return true;
  }

  /** Whether the VM's passt runs (false also for a VM with no net socket). */
  boolean networkRunning(PodDirectory dir) {
    return network.isRunning(dir.vmFiles());
  }

  /**
   * START_POD, then the init containers in order (see {@link InitSequence}), then the app
   * containers; returns once every app container's process runs, with the reply to a STATUS sent
   * right behind the last ADD_CONTAINER if {@code askStatus} (else, or without app containers, null).
   */
  private CompletableFuture<dev.peapod.provider.qemu.guest.Frame> startContainers(GuestConnection guest,
      PodDirectory dir, PodSpec spec, VmRecord vm, CompletableFuture<Void> helpers, boolean askStatus) {
    Map<String, GuestMessages.HostVolume> hostVolumes = new HashMap<>();
    for (HostShare s : vm.hostShares()) {
      hostVolumes.put(s.volume(), new GuestMessages.HostVolume(s.tag(), s.file()));
    }
    long started = System.nanoTime();
    Map<String, GuestImage> volumeImages = new HashMap<>();
    for (VolumeSpec v : spec.volumes()) {
      if (v.image() != null) {
        volumeImages.put(v.name(), guestImage(spec.name(), "volume " + v.name(), v.image(), vm));
      }
    }
    guest.call(Wire.MSG_START_POD, GuestMessages.startPod(spec, Instant.now(), hostVolumes::get, volumeImages::get),
        HostLoad.scale(REQUEST_TIMEOUT));
    LOG.log(System.Logger.Level.DEBUG, () -> "pod " + spec.name() + ": START_POD took "
        + (System.nanoTime() - started) / 1_000_000 + " ms");
    // Before any container runs: its output is kept by guest-init until the writer connects, but what the
    // console says meanwhile is not; what it sends before passt's launcher is connected is lost (what it sends
    // after waits in the socket for passt); and a writer or passt that cannot start (a host port in use)
    // fails the start here.
    awaitHelpers(helpers);
    for (VolumeSpec v : spec.volumes()) {
      v.files().ifPresent(files -> writeFiles(guest, spec.name(), v.name(), files));
    }
    new InitSequence(guest, channels, spec, dir.vmFiles().containersLog(), c -> addContainer(guest, spec, vm, c))
        .run();
    CompletableFuture<dev.peapod.provider.qemu.guest.Frame> status = null;
    List<ContainerSpec> apps = spec.containers();
    for (int i = 0; i < apps.size(); i++) {
      status = addContainer(guest, spec, vm, apps.get(i), askStatus && i == apps.size() - 1);
    }
    return status;
  }

  /** {@link #writeFiles(GuestConnection, String, String, FileSet)} in the running VM of {@code dir}'s pod. */
  void writeFiles(PodDirectory dir, String pod, String volume, FileSet files) {
    writeFiles(channels.get(pod, dir.vmFiles(), REQUEST_TIMEOUT), pod, volume, files);
  }

  /**
   * Makes {@code files} the content of volume of files {@code volume} in the running guest, atomically
   * (one revision: containers see the old files or the new ones, see {@link FileRevision}).
   */
  static void writeFiles(GuestConnection guest, String pod, String volume, FileSet files) {
    FileRevision revision = FileRevision.of(volume, files);
    try {
      guest.call(Wire.MSG_FILES_BEGIN, revision.begin(), REQUEST_TIMEOUT);
      for (Fields write : revision.writes()) {
        guest.call(Wire.MSG_FILES_WRITE, write, REQUEST_TIMEOUT);
      }
      guest.call(Wire.MSG_FILES_COMMIT, revision.commit(), REQUEST_TIMEOUT);
    } catch (GuestErrorException e) {
      throw new ProviderException(pod, null, "cannot write the files of volume \"" + volume + "\": " + e.detail(),
          e);
    }
  }

  private void addContainer(GuestConnection guest, PodSpec spec, VmRecord vm, ContainerSpec c) {
    addContainer(guest, spec, vm, c, false);
  }

  /** ADD_CONTAINER; with {@code askStatus}, a STATUS sent right behind it, whose reply is returned (else null). */
  private CompletableFuture<dev.peapod.provider.qemu.guest.Frame> addContainer(GuestConnection guest, PodSpec spec,
      VmRecord vm, ContainerSpec c, boolean askStatus) {
    GuestImage image = guestImage(spec.name(), c.name(), c.image(), vm);
    try {
      long started = System.nanoTime();
      CompletableFuture<dev.peapod.provider.qemu.guest.Frame> added = guest.send(Wire.MSG_ADD_CONTAINER,
          GuestMessages.addContainer(c, image, spec.terminationGracePeriod()));
      // guest-init handles requests in order: the STATUS is answered once this ADD_CONTAINER is.
      CompletableFuture<dev.peapod.provider.qemu.guest.Frame> status = askStatus
          ? guest.send(Wire.MSG_STATUS, Fields.empty()) : null;
      // Scaled: mounting an image (over 9p in a restored VM) is many round trips through a QEMU the
      // host's load slows down (a restored VM's first ADD_CONTAINER ran out of 30 s at load 13+).
      guest.await(Wire.MSG_ADD_CONTAINER, added, HostLoad.scale(REQUEST_TIMEOUT));
      LOG.log(System.Logger.Level.DEBUG, () -> "pod " + spec.name() + ": ADD_CONTAINER " + c.name() + " took "
          + (System.nanoTime() - started) / 1_000_000 + " ms");
      return status;
    } catch (GuestErrorException e) {
      throw new ProviderException(spec.name(), c.name(), "cannot start: " + e.detail(), e);
    }
  }

  /**
   * The VM's block device for the image if it booted with one, else the image linked into its share;
   * {@code user} (a container's name, or "volume NAME") is who needs it, for the error.
   */
  private GuestImage guestImage(String pod, String user, ImageRootfs image, VmRecord vm) {
    Optional<String> serial = vm.serialOf(image.id());
    if (serial.isPresent()) {
      return GuestImage.device(serial.get());
    }
    if (vm.imageShare() == null) {
      throw new ProviderException(pod, user, "image " + image.id() + " has no device in the VM"
          + " and the VM has no image share", null);
    }
    try {
      return GuestImage.sharedFile(new ImageShare(vm.imageShare(), users).add(image));
    } catch (IOException e) {
      throw new ProviderException(pod, user, "cannot put image " + image.id() + " into the VM's"
          + " image share " + vm.imageShare() + ": " + e, e);
    }
  }

  /**
   * Stops the VM: SHUTDOWN lets guest-init give processes {@code grace} and
   * power off; if the VM is still there after grace plus a margin, QEMU is
   * told to quit over QMP, and as a last resort killed.
   */
  void shutdown(PodDirectory dir, VmRecord vm, Duration grace) {
    String pod = dir.name();
    String marker = VmDefinition.commandLineMarker(vm.launchedFor(pod));
    QemuProcess process = process(vm);
    Instant deadline = Instant.now().plus(grace).plus(EXIT_MARGIN);
    boolean acknowledged = false;
    try {
      GuestConnection guest = channels.get(pod, dir.vmFiles(), EXIT_MARGIN);
      guest.call(Wire.MSG_SHUTDOWN, GuestMessages.grace(grace), grace.plus(EXIT_MARGIN));
      acknowledged = true;
    } catch (GuestException e) {
      LOG.log(System.Logger.Level.INFO, "pod " + pod + ": SHUTDOWN not acknowledged (" + e.getMessage()
          + "); waiting for the VM to end anyway");
    }
    channels.drop(pod);
    if (!vm.launchedFor(pod).equals(pod)) {
      // A handed-over QEMU must never exit on its own: on exit it unlinks the socket and pid file paths it was
      // launched with, which are the first pod's again. Its guest powering off only pauses it (see handOver);
      // once guest-init has ended every process, or the grace is over, it is killed.
      if (!acknowledged) {
        process.awaitExit(marker, remaining(deadline));
      }
      process.kill(marker, Duration.ofSeconds(5));
      freeUser(dir, vm);
      return;
    }
    if (!process.awaitExit(marker, remaining(deadline))) {
      LOG.log(System.Logger.Level.WARNING, "pod " + pod + ": VM still running " + grace.plus(EXIT_MARGIN).toSeconds()
          + " s after SHUTDOWN; asking QEMU to quit");
      quit(dir.vmFiles());
      if (!process.awaitExit(marker, Duration.ofSeconds(2))) {
        process.kill(marker, Duration.ofSeconds(5));
      }
    }
    freeUser(dir, vm);
  }

  /** Kills the VM at once (a failed start needs no grace) and forgets it. */
  void kill(PodDirectory dir, VmRecord vm) {
    channels.drop(dir.name());
    process(vm).kill(VmDefinition.commandLineMarker(vm.launchedFor(dir.name())), Duration.ofSeconds(5));
    freeUser(dir, vm);
    try {
      dir.deleteVm();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Kills a QEMU of this pod that no vm.json records: one launched by a start that was killed
   * before it could record it. Found by the pid file QEMU writes into the pod's directory (a VM
   * user's QEMU: by its uid, see {@link #orphan}), and only if that process is still a QEMU of
   * this very pod directory. A pid file that names another process is said, never acted on.
   */
  void killOrphan(PodDirectory dir) {
    untrustedPidFile(dir).ifPresent(why -> LOG.log(System.Logger.Level.WARNING, "pod " + dir.name() + ": " + why));
    orphan(dir).ifPresent(process -> {
      LOG.log(System.Logger.Level.INFO, "pod " + dir.name() + ": killing QEMU " + process.pid()
          + ", left running by an interrupted start");
      process.kill(VmDefinition.commandLineMarker(dir.name()), Duration.ofSeconds(5));
    });
  }

  /**
   * The running QEMU of this pod's directory, if there is one. A VM user's QEMU (the pod directory's
   * pid file is root's link into that user's run directory) is the process that runs as that uid with
   * this pod's name and directory on its command line: its pid file is the VM user's to write, and a
   * QEMU a guest took over could name any process there (a root daemon whose command line it cannot
   * choose, but one it can: {@code sh -c '...' -name peapod-POD DIR}), so it is never read to find the
   * process to signal. One uid per VM makes the uid the identity; the command line only tells an
   * orphan of this pod from a QEMU of a claim made since. A QEMU that runs as the user running
   * Peapod writes its pid file into the pod directory, which no one else can write.
   */
  Optional<QemuProcess> orphan(PodDirectory dir) {
    Path pidFile = dir.vmFiles().pidFile();
    String marker = VmDefinition.commandLineMarker(dir.name());
    OptionalInt vmUid = vmUidOf(pidFile);
    if (vmUid.isPresent()) {
      Path own = ownPidFile(pidFile);
      String launchedIn = VmUsers.launchedIn(own).map(Path::toString).orElse(dir.path().toString());
      for (long pid : HostProcess.withRealUid(vmUid.getAsInt())) {
        boolean ours = HostProcess.commandLine(pid).map(cmd -> cmd.contains(marker) && cmd.contains(launchedIn))
            .orElse(false);
        OptionalLong startTime = HostProcess.startTime(pid);
        if (ours && startTime.isPresent()) {
          Instant now = Instant.now();
          return Optional.of(new QemuProcess(pid, startTime.getAsLong(), now, now, vmUid.getAsInt()));
        }
      }
      return Optional.empty();
    }
    long pid;
    try {
      pid = Long.parseLong(Files.readString(pidFile).trim());
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
    boolean ours = HostProcess.commandLine(pid)
        .map(cmd -> cmd.contains(marker) && cmd.contains(dir.path().toString())).orElse(false);
    OptionalLong startTime = HostProcess.startTime(pid);
    if (!ours || startTime.isEmpty()) {
      return Optional.empty();
    }
    Instant now = Instant.now();
    return Optional.of(new QemuProcess(pid, startTime.getAsLong(), now, now));
  }

  /**
   * Why the VM user's pid file of this pod directory names a process that is not its QEMU (another
   * uid's), if it does: what Peapod refused to signal, for the log. Read only if it is a regular file
   * (a FIFO there would hang the read), and only to say so.
   */
  Optional<String> untrustedPidFile(PodDirectory dir) {
    Path pidFile = dir.vmFiles().pidFile();
    OptionalInt vmUid = vmUidOf(pidFile);
    if (vmUid.isEmpty()) {
      return Optional.empty();
    }
    Path own = ownPidFile(pidFile);
    long pid;
    try {
      if (!Files.readAttributes(own, java.nio.file.attribute.BasicFileAttributes.class,
          java.nio.file.LinkOption.NOFOLLOW_LINKS).isRegularFile() || Files.size(own) > 32) {
        return Optional.of("QEMU's pid file " + own + " is not a small regular file; ignored");
      }
      pid = Long.parseLong(Files.readString(own).trim());
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
    java.util.OptionalInt uid = HostProcess.realUid(pid);
    if (uid.isEmpty() || uid.getAsInt() == vmUid.getAsInt()) {
      return Optional.empty();
    }
    return Optional.of("QEMU's pid file " + own + " names process " + pid + ", which runs as uid "
        + Integer.toUnsignedString(uid.getAsInt()) + ", not as the VM's user " + Integer.toUnsignedString(vmUid.getAsInt())
        + ": it is not the VM's QEMU and was not signalled (a QEMU a guest took over can write its pid file)");
  }

  /**
   * The VM uid whose run directory the pod directory's pid file links into ({@link
   * QemuProcess#linkUserFiles}), or empty for a QEMU that runs as the user running Peapod. The link is
   * root's, in root's pod directory; what it points to is the VM user's.
   */
  private OptionalInt vmUidOf(Path pidFile) {
    if (users.isEmpty() || !Files.isSymbolicLink(pidFile)) {
      return OptionalInt.empty();
    }
    Path own = ownPidFile(pidFile);
    Path q = own.getParent();
    if (q == null || q.getParent() == null || !q.getFileName().toString().equals("q")
        || !q.getParent().getParent().equals(users.get().runRoot())) {
      return OptionalInt.empty();
    }
    try {
      int uid = Integer.parseUnsignedInt(q.getParent().getFileName().toString());
      return users.get().owns(uid) ? OptionalInt.of(uid) : OptionalInt.empty();
    } catch (NumberFormatException e) {
      return OptionalInt.empty();
    }
  }

  /** Where root's link {@code pidFile} points (the VM user's own pid file), without following the VM user's links. */
  private static Path ownPidFile(Path pidFile) {
    try {
      return pidFile.resolveSibling(Files.readSymbolicLink(pidFile)).normalize();
    } catch (IOException e) {
      return pidFile;
    }
  }

  /**
   * Why a recorded VM no longer runs, or empty if it does: the host rebooted,
   * the process is gone, or its pid now belongs to another process.
   */
  Optional<String> goneReason(String pod, VmRecord vm) {
    if (!vm.hostBootId().equals(HostInfo.bootId())) {
      return Optional.of("the host rebooted since the VM was started");
    }
    if (process(vm).isAlive(VmDefinition.commandLineMarker(vm.launchedFor(pod)))) {
      return Optional.empty();
    }
    return Optional.of("the VM's QEMU process " + vm.pid() + " ended without a stop (killed, crashed or"
        + " powered off from inside)");
  }

  private GuestConnection connect(String pod, VmFiles files, Duration timeout) {
    try {
      return channels.get(pod, files, timeout);
    } catch (GuestException e) {
      throw new ProviderException(pod, null, "the guest did not become ready: " + e.getMessage()
          + consoleTail(files), e);
    }
  }

  private static void quit(VmFiles files) {
    try (QmpClient qmp = QmpClient.connect(files.qmpSocket(), Duration.ofSeconds(2))) {
      qmp.quit();
    } catch (QmpException e) {
      LOG.log(System.Logger.Level.INFO, "QMP quit failed: " + e.getMessage());
    }
  }

  private static QemuProcess process(VmRecord vm) {
    return new QemuProcess(vm.pid(), vm.processStartTime(), vm.startedAt(), vm.startedAt(), vm.vmUser());
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  private static Duration remaining(Instant deadline) {
    Duration d = Duration.between(Instant.now(), deadline);
    return d.isNegative() ? Duration.ZERO : d;
  }

  private static ProviderException failure(String pod, Exception e) {
    if (e instanceof ProviderException p) {
      return p;
    }
    if (e instanceof GuestErrorException g) {
      return new ProviderException(pod, g.container().orElse(null), g.getMessage(), g);
    }
    return new ProviderException(pod, null, e.getMessage(), e);
  }

  /** The last lines of the serial console: what the kernel and guest-init said before failing. */
  private static String consoleTail(VmFiles files) {
    try {
      // Lenient decoding: a console may hold any bytes.
      java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
      for (Path file : new dev.peapod.provider.qemu.logs.RotatedLog(files.console()).oldestFirst()) {
        all.write(Files.readAllBytes(file));
      }
      List<String> lines = all.toString(java.nio.charset.StandardCharsets.UTF_8).lines().toList();
      List<String> tail = lines.subList(Math.max(0, lines.size() - 15), lines.size());
      return tail.isEmpty() ? "" : "; console " + files.console() + " ends with:\n  " + String.join("\n  ", tail);
    } catch (IOException e) {
      return "";
    }
  }
}
