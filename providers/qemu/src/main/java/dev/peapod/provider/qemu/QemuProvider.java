package dev.peapod.provider.qemu;

import dev.peapod.provider.AttachSession;
import dev.peapod.provider.AttachSpec;
import dev.peapod.provider.ContainerSpec;
import dev.peapod.provider.ContainerStatus;
import dev.peapod.provider.ExecSession;
import dev.peapod.provider.ExecSpec;
import dev.peapod.provider.InvalidStateException;
import dev.peapod.provider.LogQuery;
import dev.peapod.provider.LogRecord;
import dev.peapod.provider.PodNotFoundException;
import dev.peapod.provider.PodSpec;
import dev.peapod.provider.VolumeSpec;
import dev.peapod.provider.PodState;
import dev.peapod.provider.PodStatus;
import dev.peapod.provider.PodSummary;
import dev.peapod.provider.Provider;
import dev.peapod.provider.ProviderEvent;
import dev.peapod.provider.ProviderException;
import dev.peapod.provider.RecreateRequiredException;
import dev.peapod.provider.SecretValues;
import dev.peapod.provider.qemu.guest.Fields;
import dev.peapod.provider.qemu.guest.Frame;
import dev.peapod.provider.qemu.guest.GuestAttachSession;
import dev.peapod.provider.qemu.guest.GuestConnection;
import dev.peapod.provider.qemu.guest.GuestErrorException;
import dev.peapod.provider.qemu.guest.GuestException;
import dev.peapod.provider.qemu.guest.GuestExecSession;
import dev.peapod.provider.qemu.guest.GuestMessages;
import dev.peapod.provider.qemu.guest.Wire;
import dev.peapod.provider.qemu.logs.LogFileReader;
import dev.peapod.provider.qemu.runtime.HandOverRecord;
import dev.peapod.provider.qemu.runtime.HostInfo;
import dev.peapod.provider.qemu.runtime.PodDirectory;
import dev.peapod.provider.qemu.runtime.PodRecord;
import dev.peapod.provider.qemu.runtime.PrivateFiles;
import dev.peapod.provider.qemu.runtime.StateDirectory;
import dev.peapod.provider.qemu.runtime.VmRecord;
import dev.peapod.provider.qemu.runtime.VmUsers;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Runs each pod in a QEMU {@code microvm} guest that boots the Peapod kernel
 * with guest-init as PID 1.
 *
 * <p>All state lives in the state directory ({@code pods/<name>/pod.json} for
 * the spec, {@code vm.json} while a VM is meant to run, plus the VM's sockets
 * and logs), so a new instance on the same directory re-adopts running VMs.
 * Operations on one pod are serialised within this instance; see
 * {@link Provider} for what callers must serialise across processes.
 */
public final class QemuProvider implements Provider {

  private static final System.Logger LOG = System.getLogger(QemuProvider.class.getName());
  /**
   * How long inspect and list wait for a guest's STATUS. A VM's control port serves one client at a
   * time, so while another process holds it (an exec session) HELLO goes unanswered; ps must then
   * report that within seconds rather than hang for the full request timeout.
   */
  static final Duration STATUS_TIMEOUT = Duration.ofSeconds(5);
  /**
   * Where the template RAM that restored VMs share lives: a ramfs, mounted on first use (as
   * root; otherwise every restored VM gets a copy). One per host, whatever the state directory.
   */
  public static final Path TEMPLATE_RAMFS = Path.of("/run/peapod/template-ram");

  private final QemuConfig config;
  private final StateDirectory state;
  private final GuestChannels channels = new GuestChannels();
  private final PodVm vms;
  private final VmHandOver handOvers;
  private final TemplateBuilds templateBuilds;
  private final WarmPool pool;
  private final WarmPoolKeepers keepers;
  private final Map<String, Object> locks = new ConcurrentHashMap<>();
  /** Whether QEMU runs as a VM user of its own (see {@link VmUsers}): a VM whose QEMU runs as root is one to recreate. */
  private final boolean vmUsers;

  public QemuProvider(QemuConfig config) {
    this.config = config;
    this.state = new StateDirectory(config.stateDir());
    state.makePrivate();
    OptionalLong tscKhz = HostInfo.tscKhz();
    QemuCommandLine commandLine = new QemuCommandLine(config.qemuBinary(), config.tbSizeMiB(), tscKhz);
    AcceleratorProbe probe = new AcceleratorProbe(
        config.accelerator(),
        config.kvmDevice(),
        new KvmProbeBoot(commandLine, config.kernel(), config.initrd(), state.root().resolve("probe")),
        state.acceleratorCache(),
        AcceleratorProbe.keyFor(HostInfo.bootId(), config.qemuBinary(), config.kernel(), config.initrd()),
        config.probeTimeout());
    // Read once: the instance every part of this provider allocates VM users from and checks them against.
    Optional<VmUsers> users = VmUsers.fromEnvironment();
    this.vmUsers = users.isPresent();
    TemplateRam ram = new TemplateRam(TEMPLATE_RAMFS, Path.of("/dev/shm"), users);
    TemplateCatalogue templates = new TemplateCatalogue(config.templates(), commandLine,
        state.root().resolve("templates"), ram);
    this.templateBuilds = new TemplateBuilds(templates, commandLine, config.bootTimeout());
    TemplateRestore restore = new TemplateRestore(commandLine, ram);
    this.pool = new WarmPool(state.root().resolve("pool"), config.warmPool());
    this.keepers = new WarmPoolKeepers(pool, templates, templateBuilds, restore, commandLine, config.bootTimeout());
    this.vms = new PodVm(config, commandLine, probe, channels, templates, templateBuilds, restore, pool,
        keepers, users);
    this.handOvers = new VmHandOver(state, channels);
  }

  /** A provider configured from system properties and the environment (see {@link QemuConfig#fromEnvironment()}). */
  public QemuProvider() {
    this(QemuConfig.fromEnvironment());
  }

  @Override
  public String name() {
    return "qemu";
  }

  public QemuConfig config() {
    return config;
  }

  @Override
  public PodStatus create(PodSpec spec) {
    String pod = spec.name();
    requireValidName(pod);
    return locked(pod, () -> {
      PodDirectory dir = state.pod(pod);
      if (dir.exists()) {
        throw new InvalidStateException(pod, statusOf(dir, true).state(), "already exists");
      }
      PodSpecValidator.validate(spec, kernelFor(spec), config.initrd());
      dir.vmFiles().socketPathProblem().ifPresent(problem -> {
        throw new ProviderException(pod, problem);
      });
      PodRecord created = new PodRecord(SecretValues.withoutValues(spec), Instant.now());
      io(pod, () -> dir.create(created));
      CrashPoint.reach("after-create-record");
      // what statusOf would read back: a new directory has no VM, no orphan's pid file, no start failure
      return new PodStatus(pod, PodState.CREATED, created.spec(), created.createdAt(), Optional.empty(), List.of(), "");
    });
  }

  @Override
  public PodStatus start(String pod) {
    return start(pod, SecretValues.NONE);
  }

  /** Secret values reach the guest in START_POD's containers only: pod.json keeps their references. */
  @Override
  public PodStatus start(String pod, SecretValues secrets) {
    long asked = System.nanoTime();
    finishInterruptedHandOvers(pod);
    return locked(pod, () -> {
      LOG.log(System.Logger.Level.DEBUG, () -> "pod " + pod + ": start locked after " + (System.nanoTime() - asked)
          / 1_000_000 + " ms");
      PodDirectory dir = existing(pod);
      PodRecord record = readPod(dir);
      Optional<VmRecord> vm = readVm(dir);
      if (vm.isPresent()) {
        if (vms.goneReason(pod, vm.get()).isEmpty()) {
          if (vm.get().startCompleted()) {
            throw new InvalidStateException(pod, PodState.RUNNING, "is already running");
          }
          // A start that was killed half way (the caller's lock proves none is still going): start over.
          LOG.log(System.Logger.Level.INFO, "pod " + pod + ": replacing the VM of an interrupted start");
          vms.kill(dir, vm.get());
        }
        io(pod, dir::deleteVm); // the last VM died; boot a new one
      }
      PodSpec spec = record.spec();
      PodSpecValidator.validate(spec, kernelFor(spec), config.initrd());
      PodSpec withValues = secrets.fill(spec); // before a VM boots: a missing value starts nothing
      PodVm.Booted booted;
      try {
        booted = vms.boot(dir, withValues, kernelFor(spec));
      } catch (ProviderException e) {
        recordStartFailure(dir, e);
        throw e;
      }
      if (!record.startFailure().isEmpty()) {
        io(pod, () -> dir.writePod(record.withStartFailure("")));
      }
      long t0 = System.nanoTime();
      PodStatus status = startedStatus(dir, record, booted);
      LOG.log(System.Logger.Level.DEBUG, () -> "pod " + pod + ": started; status read in " + (System.nanoTime() - t0)
          / 1_000_000 + " ms");
      return status;
    });
  }

  @Override
  public PodStatus replace(String pod, PodSpec spec) {
    return replace(pod, spec, SecretValues.NONE);
  }

  @Override
  public PodStatus replace(String pod, PodSpec spec, SecretValues secrets) {
    if (!spec.name().equals(pod)) {
      throw new ProviderException(pod, "replace got a spec for pod \"" + spec.name() + "\"");
    }
    long began = System.nanoTime();
    finishInterruptedHandOvers(pod);
    return locked(pod, () -> {
      long locked = System.nanoTime();
      PodDirectory dir = existing(pod);
      PodRecord record = readPod(dir);
      VmRecord vm = runningVm(dir, "replace needs a running VM");
      PodSpecValidator.validate(spec, kernelFor(spec), config.initrd());
      PodSpec withValues = secrets.fill(spec);
      Optional<String> reason = VmCompatibility.recreateReason(vm, spec, kernelFor(spec), dir.vmFiles().hostFiles());
      if (reason.isPresent()) {
        throw new RecreateRequiredException(pod, reason.get());
      }
      VmRecord current = vm;
      if (!new HashSet<>(vm.ports()).equals(new HashSet<>(spec.ports()))) {
        current = vms.changePorts(dir, vm, spec.ports()); // first: if a port is taken, nothing has changed yet
      }
      long checked = System.nanoTime();
      CompletableFuture<Frame> asked;
      try {
        // pod.json takes the new spec while the guest ends the old containers (see PodVm.replaceContainers).
        asked = vms.replaceContainers(dir, current, withValues,
            () -> dir.writePod(record.withSpec(SecretValues.withoutValues(spec)).withStartFailure("")));
      } catch (ProviderException e) {
        recordStartFailure(dir, e);
        throw e;
      }
      long replaced = System.nanoTime();
      PodStatus status = statusOf(dir, true, asked);
      LOG.log(System.Logger.Level.DEBUG, () -> String.format(java.util.Locale.ROOT, "pod %s: replace: locked"
          + " after %.1f ms, checked after %.1f, containers replaced after %.1f, status after %.1f", pod,
          (locked - began) / 1e6, (checked - began) / 1e6, (replaced - began) / 1e6,
          (System.nanoTime() - began) / 1e6));
      return status;
    });
  }

  @Override
  public PodStatus updateFiles(String pod, PodSpec spec) {
    return updateFiles(pod, spec, SecretValues.NONE);
  }

  @Override
  public PodStatus updateFiles(String pod, PodSpec spec, SecretValues secrets) {
    if (!spec.name().equals(pod)) {
      throw new ProviderException(pod, "updateFiles got a spec for pod \"" + spec.name() + "\"");
    }
    finishInterruptedHandOvers(pod);
    return locked(pod, () -> {
      PodDirectory dir = existing(pod);
      PodRecord record = readPod(dir);
      runningVm(dir, "an update of files needs a running VM");
      PodSpecValidator.validate(spec, kernelFor(spec), config.initrd());
      if (!withoutFiles(record.spec()).equals(withoutFiles(spec))) {
        throw new ProviderException(pod, "updateFiles got a spec that differs in more than files; replace it");
      }
      java.util.Map<String, VolumeSpec> before = new java.util.HashMap<>();
      record.spec().volumes().forEach(v -> before.put(v.name(), v));
      PodSpec withValues = secrets.fill(spec); // before anything is written: a missing value changes nothing
      for (VolumeSpec v : withValues.volumes()) {
        // A Secret's files are recorded without their bytes: nothing to compare, so they are written again.
        boolean secret = v.files().map(dev.peapod.provider.FileSet::sensitive).orElse(false);
        if (v.files().isPresent() && (secret || !v.equals(before.get(v.name())))) {
          vms.writeFiles(dir, spec.name(), v.name(), v.files().get());
        }
      }
      io(pod, () -> dir.writePod(record.withSpec(SecretValues.withoutValues(spec))));
      return statusOf(dir, true);
    });
  }

  /** The spec with every volume of files emptied: what must stay equal for an update of files. */
  private static PodSpec withoutFiles(PodSpec spec) {
    return spec.withVolumes(spec.volumes().stream()
        .map(v -> v.files().isPresent() ? VolumeSpec.files(v.name(), dev.peapod.provider.FileSet.EMPTY) : v)
        .toList());
  }

  @Override
  public PodStatus stop(String pod, Duration grace) {
    finishInterruptedHandOvers(pod);
    return locked(pod, () -> {
      PodDirectory dir = existing(pod);
      Optional<VmRecord> vm = readVm(dir);
      if (vm.isPresent()) {
        if (vms.goneReason(pod, vm.get()).isEmpty()) {
          vms.shutdown(dir, vm.get(), grace);
        }
        channels.drop(pod);
        io(pod, dir::deleteVm);
      }
      vms.killOrphan(dir);
      PodRecord record = readPod(dir);
      if (!record.startFailure().isEmpty()) {
        io(pod, () -> dir.writePod(record.withStartFailure("")));
      }
      long t0 = System.nanoTime();
      PodStatus status = statusOf(dir, true);
      LOG.log(System.Logger.Level.DEBUG, () -> "pod " + pod + ": stopped; status read in " + (System.nanoTime() - t0)
          / 1_000_000 + " ms");
      return status;
    });
  }

  /**
   * Hands the running VM of {@code from} to the Created pod {@code to} and puts {@code to}'s containers in
   * it with the same steps as {@link #replace}. Checked before anything changes: both pods exist, {@code
   * from} runs (its start completed), {@code to} is Created with no QEMU of its own, {@code to}'s spec fits
   * the VM ({@link VmCompatibility}) and its host ports can be forwarded; then the hand-over is recorded
   * and carried out ({@link VmHandOver}), and only then are containers replaced.
   */
  @Override
  public PodStatus handOver(String from, String to) {
    return handOver(from, to, SecretValues.NONE);
  }

  @Override
  public PodStatus handOver(String from, String to, SecretValues secrets) {
    if (from.equals(to)) {
      throw new ProviderException(to, "a pod cannot take over its own VM");
    }
    existing(from);
    existing(to);
    finishInterruptedHandOvers(from);
    finishInterruptedHandOvers(to);
    String first = from.compareTo(to) < 0 ? from : to;
    String second = first.equals(from) ? to : from;
    return locked(first, () -> locked(second, () -> {
      PodDirectory fromDir = existing(from);
      PodDirectory toDir = existing(to);
      VmRecord vm = runningVm(fromDir, "only a running pod can hand its VM over");
      if (!vm.startCompleted()) {
        throw new InvalidStateException(from, PodState.RUNNING,
            "is still starting, or its start was interrupted; only a running pod can hand its VM over");
      }
      PodStatus target = statusOf(toDir, false);
      if (target.state() != PodState.CREATED) {
        throw new InvalidStateException(to, target.state(), "must be Created to take over a VM, and it is "
            + target.state().name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ')
            + (target.message().isEmpty() ? "" : " (" + target.message() + ")"));
      }
      vms.orphan(toDir).ifPresent(q -> {
        throw new InvalidStateException(to, PodState.CREATED, "QEMU " + q.pid()
            + " of an interrupted start still runs; start or rm ends it");
      });
      PodRecord record = readPod(toDir);
      PodSpec spec = record.spec();
      PodSpecValidator.validate(spec, kernelFor(spec), config.initrd());
      PodSpec withValues = secrets.fill(spec);
      // One-file shares are compared by the file they name; their directories move with the VM (VmHandOver).
      Optional<String> reason = VmCompatibility.recreateReason(vm, spec, kernelFor(spec),
          fromDir.vmFiles().hostFiles());
      if (reason.isPresent()) {
        throw new RecreateRequiredException(to, reason.get() + " (the VM of pod \"" + from + "\" cannot take it)");
      }
      toDir.vmFiles().socketPathProblem().ifPresent(problem -> {
        throw new ProviderException(to, problem);
      });
      VmRecord current = vm;
      if (!new HashSet<>(vm.ports()).equals(new HashSet<>(spec.ports()))) {
        current = vms.changePorts(fromDir, vm, spec.ports()); // first: if a port is taken, nothing has changed yet
      }
      VmRecord moved = handOvers.run(new HandOverRecord(from, to, current));
      vms.restartLogs(toDir);
      PodRecord fromRecord = readPod(fromDir);
      if (!fromRecord.startFailure().isEmpty()) {
        io(from, () -> fromDir.writePod(fromRecord.withStartFailure("")));
      }
      io(to, () -> toDir.writePod(record.withStartFailure("")));
      CompletableFuture<Frame> asked;
      try {
        asked = vms.replaceContainers(toDir, moved, withValues, () -> { }); // to's pod.json is written above
      } catch (ProviderException e) {
        recordStartFailure(toDir, e);
        throw e;
      }
      io(to, () -> toDir.writeVm(moved.withContainersStarted(true)));
      return statusOf(toDir, true, asked);
    }));
  }

  /**
   * Finishes every hand-over that {@code pod} gives or takes and whose process was killed half way:
   * under both pods' locks in this process; the caller holds {@code pod}'s lock across processes, and a
   * hand-over under way holds both, so none that is still going is found here.
   */
  private void finishInterruptedHandOvers(String pod) {
    for (HandOverRecord interrupted : handOversOf(pod)) {
      String first = interrupted.from().compareTo(interrupted.to()) < 0 ? interrupted.from() : interrupted.to();
      String second = first.equals(interrupted.from()) ? interrupted.to() : interrupted.from();
      locked(first, () -> locked(second, () -> {
        LOG.log(System.Logger.Level.INFO, "finishing the interrupted hand-over of the VM of pod "
            + interrupted.from() + " to pod " + interrupted.to());
        VmRecord moved = handOvers.finish(interrupted);
        vms.restartLogs(state.pod(interrupted.to()));
        return moved;
      }));
    }
  }

  private List<HandOverRecord> handOversOf(String pod) {
    try {
      return state.handOvers().stream().filter(h -> h.involves(pod)).toList();
    } catch (IOException e) {
      throw new ProviderException(pod, null, "cannot read the hand-overs in " + state.root() + ": " + e, e);
    }
  }

  private List<HandOverRecord> allHandOvers() {
    try {
      return state.handOvers();
    } catch (IOException e) {
      throw new ProviderException("", null, "cannot read the hand-overs in " + state.root() + ": " + e, e);
    }
  }

  @Override
  public void remove(String pod, Duration grace) {
    finishInterruptedHandOvers(pod);
    locked(pod, () -> {
      stop(pod, grace);
      io(pod, () -> state.pod(pod).delete());
      return null;
    });
  }

  @Override
  public Optional<PodStatus> inspect(String pod) {
    if (!DnsLabel.isValid(pod)) {
      return Optional.empty();
    }
    PodDirectory dir = state.pod(pod);
    return dir.exists() ? Optional.of(statusOf(dir, true)) : Optional.empty();
  }

  @Override
  public List<PodStatus> list() {
    // Each pod is a few small files and, when it runs, one STATUS round trip: read them in
    // parallel (a thousand-pod plan reads a thousand pods); the result keeps name order.
    return podDirectories().parallelStream().filter(PodDirectory::exists).map(dir -> statusOf(dir, true)).toList();
  }

  /** The pods from their files and their QEMU processes alone: no guest is asked, no control socket held. */
  @Override
  public List<PodStatus> inventory() {
    return podDirectories().parallelStream().filter(PodDirectory::exists).map(dir -> statusOf(dir, false)).toList();
  }

  /**
   * Every pod's state from its files and its QEMU process, as {@link #inventory()} tells it, but
   * without parsing the specs in the pod records: of pod.json only {@code startFailure} is read
   * (the spec is skipped as tokens), and the hand-overs are listed once rather than once a pod.
   */
  @Override
  public List<PodSummary> summaries() {
    List<HandOverRecord> handOvers = allHandOvers();
    return podDirectories().parallelStream().map(dir -> summaryOf(dir, handOvers)).flatMap(Optional::stream).toList();
  }

  @Override
  public Optional<PodSummary> summaryOf(String pod) {
    if (!DnsLabel.isValid(pod)) {
      return Optional.empty();
    }
    return summaryOf(state.pod(pod), allHandOvers());
  }

  private Optional<PodSummary> summaryOf(PodDirectory dir, List<HandOverRecord> handOvers) {
    String pod = dir.name();
    Optional<String> startFailure;
    try {
      startFailure = dir.readPodStartFailure();
    } catch (IOException e) {
      throw new ProviderException(pod, null, "cannot read " + dir.path() + "/pod.json: " + e.getMessage(), e);
    }
    if (startFailure.isEmpty()) {
      return Optional.empty(); // no pod record: no pod (or one removed meanwhile)
    }
    Optional<HandOverRecord> interrupted = handOvers.stream().filter(h -> h.involves(pod)).findFirst();
    Look look = look(dir, startFailure.get());
    return Optional.of(new PodSummary(pod, look.state(), look.vm().map(VmRecord::info),
        interrupted.map(HandOverRecord::interruptedMessage).orElse(look.message()),
        look.state() == PodState.RUNNING ? look.vm().flatMap(vm -> recreateReason(vm, vmUsers)) : Optional.empty()));
  }

  /**
   * Why a running VM needs replacing whatever its manifest says: with VM users on, one whose QEMU
   * runs as root (its {@code vm.json} names no VM user: an older Peapod started it) keeps root's
   * QEMU until it is recreated, which only a plan can schedule.
   */
  static Optional<String> recreateReason(VmRecord vm, boolean vmUsers) {
    return vmUsers && vm.vmUser() == null
        ? Optional.of("its VM runs QEMU as root (started by an older Peapod); QEMU now runs as a VM user of its own")
        : Optional.empty();
  }

  /** One pod from its files and its QEMU process alone, as {@link #inventory()} reads each. */
  @Override
  public Optional<PodStatus> inventoryOf(String pod) {
    if (!DnsLabel.isValid(pod)) {
      return Optional.empty();
    }
    PodDirectory dir = state.pod(pod);
    return dir.exists() ? Optional.of(statusOf(dir, false)) : Optional.empty();
  }

  /** VM ends, other clients' changes and readiness notices, pushed: see {@link PodWatch}. */
  @Override
  public AutoCloseable watch(Consumer<ProviderEvent> listener) {
    Path pods = state.root().resolve("pods");
    try {
      PrivateFiles.createDirectories(pods);
      return PodWatch.share(pods, listener);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot watch the pods in " + pods, e);
    }
  }

  /**
   * Pod VMs that run although no pod accounts for them (their pod directory was deleted by hand):
   * one line each saying which process and which pod, for {@code peapod ps} and the controller to
   * report. Found by the QEMU command lines under this state directory; never killed here.
   */
  public List<String> strays() {
    java.util.Set<Long> recorded = new java.util.HashSet<>();
    for (PodDirectory dir : podDirectories()) {
      readVmQuietly(dir).ifPresent(vm -> recorded.add(vm.pid()));
    }
    Path root = state.root().toAbsolutePath().normalize();
    return StrayVms.find(root.resolve("pods"), root.resolve("pool"), recorded).stream()
        .map(StrayVms.StrayVm::describe).toList();
  }

  private List<PodDirectory> podDirectories() {
    try {
      return state.pods();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list pods in " + state.root(), e);
    }
  }

  @Override
  public Stream<LogRecord> logs(String pod, LogQuery query) {
    PodDirectory dir = existing(pod);
    query.container().ifPresent(c -> requireContainer(pod, readPod(dir).spec(), c));
    return new LogFileReader(dir.vmFiles().containersLog()).stream(query);
  }

  @Override
  public ExecSession exec(String pod, ExecSpec spec) {
    PodDirectory dir = existing(pod);
    requireContainer(pod, readPod(dir).spec(), spec.container());
    runningVm(dir, "exec needs a running VM");
    String process = ExecIds.next();
    try {
      GuestConnection guest = channels.get(pod, dir.vmFiles(), PodVm.REQUEST_TIMEOUT);
      return GuestExecSession.start(guest, process, spec, PodVm.REQUEST_TIMEOUT);
    } catch (GuestErrorException e) {
      throw new ProviderException(pod, spec.container(), "exec " + spec.command() + ": " + e.detail(), e);
    } catch (GuestException e) {
      throw new ProviderException(pod, spec.container(), "exec failed: " + e.getMessage(), e);
    }
  }

  /**
   * Attaches over this instance's connection to the pod's guest, which it shares with this
   * instance's other calls (QEMU's control socket serves one client: another process's calls on
   * the pod wait while it is held, as with an exec session).
   */
  @Override
  public AttachSession attach(String pod, AttachSpec spec) {
    PodDirectory dir = existing(pod);
    PodSpec podSpec = readPod(dir).spec();
    requireContainer(pod, podSpec, spec.container());
    runningVm(dir, "attach needs a running VM");
    ContainerSpec container = podSpec.allContainers().stream().filter(c -> c.name().equals(spec.container()))
        .findFirst().orElseThrow();
    if (spec.stdin() && !container.stdio().stdin()) {
      throw new ProviderException(pod, spec.container(), "has no stdin to attach to (the container needs"
          + " stdin: true; peapod run -i sets it)", null);
    }
    try {
      GuestConnection guest = channels.get(pod, dir.vmFiles(), PodVm.REQUEST_TIMEOUT);
      return GuestAttachSession.attach(guest, spec.container(), spec.stdin(), spec.output(),
          container.stdio().tty() ? spec.size().orElse(null) : null, PodVm.REQUEST_TIMEOUT);
    } catch (GuestErrorException e) {
      throw new ProviderException(pod, spec.container(), "attach: " + e.detail(), e);
    } catch (GuestException e) {
      throw new ProviderException(pod, spec.container(), "attach failed: " + e.getMessage(), e);
    }
  }

  /**
   * Closes this instance's guest connections; the VMs keep running, and so do template VM
   * builders (separate processes, see {@link TemplateBuilds}): closing never waits for them.
   */
  @Override
  public void close() {
    channels.close();
  }

  /**
   * Waits until the template VMs this instance asked for (one per new shape it booted cold)
   * are made, or their builders gave up, at most {@code timeout}; returns whether all ended.
   * For benchmarks and tests that want the next start restored; nothing in a start waits.
   */
  public boolean awaitTemplates(Duration timeout) throws InterruptedException {
    return templateBuilds.awaitBuilds(timeout);
  }

  /**
   * From now on this process keeps the warm pools of this state directory itself, in threads (for a
   * long-lived process: {@code peapod serve}); otherwise the first start of a shape starts a keeper
   * process (see {@link WarmPoolKeeper}). Process-wide: every provider instance on the same state
   * directory hands its shapes to these threads.
   */
  public void keepWarmPoolsInThisProcess() {
    WarmPoolKeepers.keepInThisProcess(pool.root());
  }

  /**
   * Takes over the warm pools that keeper processes of this state directory keep (once {@link
   * #keepWarmPoolsInThisProcess} was called): each such process, of this user and of a shape whose
   * template key this provider's settings give too, is stopped and a thread of this process keeps
   * its pool, adopting the VMs that wait in it as after a keeper's restart. So a long-lived process
   * that keeps pools (the CLI's run server) is the one JVM a home runs. Returns the template keys
   * taken over. {@code accept} says which of those processes may be taken over (the caller compares their
   * settings with its own); the others keep their pools.
   */
  public java.util.List<String> adoptWarmPoolKeepers(java.util.function.Predicate<ProcessHandle> accept) {
    return keepers.adoptKeeperProcesses(accept);
  }

  /** Whether a thread of this process keeps a warm pool of this state directory now. */
  public boolean keepsWarmPools() {
    return WarmPoolKeepers.keepsAnyInThisProcess(pool.root());
  }

  /** Stops this process's warm pool keepers; their VMs wait for the next keeper. */
  public void stopKeepingWarmPools() throws InterruptedException {
    WarmPoolKeepers.stopKeepingInThisProcess(pool.root());
  }

  /**
   * How many warm pool VMs wait for pods of {@code spec}'s VM shape now: for tests and benchmarks
   * that want the next start to find one.
   */
  public int warmPoolVms(PodSpec spec) {
    return WarmPool.waiting(pool.shapeDir(vms.templateKey(spec, kernelFor(spec)))).size();
  }

  // ---- status

  /** @param askGuest whether to ask a running guest for its containers (one STATUS round trip) */
  private PodStatus statusOf(PodDirectory dir, boolean askGuest) {
    return statusOf(dir, askGuest, null);
  }

  /**
   * {@link #statusOf(PodDirectory, boolean)} with the containers' statuses from {@code asked}, the reply to a
   * STATUS already sent (see {@link PodVm#replaceContainers}), if not null.
   */
  private PodStatus statusOf(PodDirectory dir, boolean askGuest, CompletableFuture<Frame> asked) {
    String pod = dir.name();
    List<HandOverRecord> interrupted = handOversOf(pod);
    if (!interrupted.isEmpty()) {
      // Its files may be half in one directory, half in the other: tell that, ask no guest, change nothing.
      PodStatus status = statusFromFiles(dir, false);
      return new PodStatus(pod, status.state(), status.spec(), status.createdAt(), status.vm(), List.of(),
          interrupted.get(0).interruptedMessage());
    }
    return statusFromFiles(dir, askGuest, asked);
  }

  private PodStatus statusFromFiles(PodDirectory dir, boolean askGuest) {
    return statusFromFiles(dir, askGuest, null);
  }

  private PodStatus statusFromFiles(PodDirectory dir, boolean askGuest, CompletableFuture<Frame> asked) {
    String pod = dir.name();
    PodRecord record = readPod(dir);
    Look look = look(dir, record.startFailure());
    List<ContainerStatus> containers = List.of();
    String message = look.message();
    if (askGuest && look.state() == PodState.RUNNING && look.vm().get().startCompleted()) {
      try {
        containers = containerStatuses(dir, look.vm().get(), record.spec(), asked);
      } catch (GuestException e) {
        message = "guest-init does not answer STATUS: " + e.getMessage();
      }
    }
    return new PodStatus(pod, look.state(), record.spec(), record.createdAt(), look.vm().map(VmRecord::info),
        containers, message);
  }

  /** A pod's state, VM and message as its files and processes tell them (what ps and plans show). */
  private record Look(PodState state, Optional<VmRecord> vm, String message) {}

  /**
   * Looks at a pod's VM: whether it runs, and why not; a running pod's ended passt and log writers
   * are started again.
   */
  private Look look(PodDirectory dir, String startFailure) {
    String pod = dir.name();
    Optional<VmRecord> vm = readVm(dir);
    if (vm.isEmpty()) {
      String message = vms.orphan(dir)
          .map(q -> "QEMU " + q.pid() + " of an interrupted start still runs; start or rm ends it")
          .orElse(startFailure);
      return new Look(PodState.CREATED, Optional.empty(), message);
    }
    Optional<String> gone = vms.goneReason(pod, vm.get());
    if (gone.isPresent()) {
      return new Look(PodState.VM_GONE, vm, gone.get());
    }
    String message = "";
    if (vm.get().startCompleted() && !vms.networkRunning(dir)) {
      // Its passt ended while QEMU runs on: every look at a running pod (ps, the controller's drift check)
      // repairs that, under the pod's lock so that no start, stop or replace of this JVM is in the middle.
      boolean repaired = locked(pod, () -> readVmQuietly(dir).filter(v -> v.pid() == vm.get().pid())
          .map(v -> vms.repairNetwork(dir, v)).orElse(false));
      if (repaired) {
        message = "its network (passt) had ended and was started again";
      }
    }
    if (vm.get().startCompleted() && !vms.logWritersRunning(dir)) {
      // The same for its log writers: without them the guest's output is dropped.
      List<String> repaired = locked(pod, () -> readVmQuietly(dir).filter(v -> v.pid() == vm.get().pid())
          .map(v -> vms.repairLogs(dir)).orElse(List.of()));
      if (!repaired.isEmpty()) {
        message = (message.isEmpty() ? "" : message + "; ") + "the writer of its " + String.join(" and ", repaired)
            + " had ended and was started again";
      }
    }
    if (!vm.get().startCompleted()) {
      // Not asked: a start in progress holds the guest's only control connection, and a booting guest answers late.
      message = "starting, or a start was interrupted (then start again, or stop)";
    }
    return new Look(PodState.RUNNING, vm, message);
  }

  private List<ContainerStatus> containerStatuses(PodDirectory dir, VmRecord vm, PodSpec spec,
      CompletableFuture<Frame> asked) {
    GuestConnection guest = channels.get(dir.name(), dir.vmFiles(), STATUS_TIMEOUT);
    return containerStatuses(asked != null ? guest.await(Wire.MSG_STATUS, asked, STATUS_TIMEOUT)
        : guest.call(Wire.MSG_STATUS, Fields.empty(), STATUS_TIMEOUT), vm, spec);
  }

  /**
   * The status a start answers with: what {@link #statusOf} would read, without reading it again. The pod runs
   * (its VM answered, its passt and log writers were started and seen up), vm.json and pod.json are those the
   * start wrote, and its containers are as the guest answered the STATUS asked once they had started.
   */
  private PodStatus startedStatus(PodDirectory dir, PodRecord record, PodVm.Booted booted) {
    List<ContainerStatus> containers;
    try {
      containers = containerStatuses(booted.guest().await(Wire.MSG_STATUS, booted.status(), STATUS_TIMEOUT),
          booted.record(), record.spec());
    } catch (GuestException e) {
      // The VM may have died since its containers started (QEMU killed, a guest panic), or passt or a
      // writer ended: say what inspect would, by looking at the pod's files and processes as it does.
      PodStatus looked = statusOf(dir, false);
      if (looked.state() != PodState.RUNNING || !looked.message().isEmpty()) {
        return looked;
      }
      return new PodStatus(looked.name(), looked.state(), looked.spec(), looked.createdAt(), looked.vm(), List.of(),
          "guest-init does not answer STATUS: " + e.getMessage());
    }
    return new PodStatus(dir.name(), PodState.RUNNING, record.spec(), record.createdAt(),
        Optional.of(booted.record().info()), containers, "");
  }

  private static List<ContainerStatus> containerStatuses(Fields answer, VmRecord vm, PodSpec spec) {
    // The guest names an image by device serial, or by its file in the image share.
    Map<String, String> shareNames = new HashMap<>();
    ImageDevices.images(spec).forEach(i -> shareNames.put(ImageShare.fileName(i.id()), i.id()));
    List<ContainerStatus> statuses = new ArrayList<>(GuestMessages.containerStatuses(answer,
        name -> shareNames.getOrDefault(name, vm.imageIdOf(name))));
    List<String> order = spec.allContainers().stream().map(ContainerSpec::name).toList();
    statuses.sort(Comparator.comparingInt(c -> order.indexOf(c.name()) < 0 ? Integer.MAX_VALUE : order.indexOf(c.name())));
    return statuses;
  }

  // ---- helpers

  /** Keeps why a start or replace failed, so the Created pod it left tells it in ps and inspect. */
  private void recordStartFailure(PodDirectory dir, ProviderException failure) {
    try {
      dir.writePod(readPod(dir).withStartFailure("start failed: " + failure.getMessage()));
    } catch (IOException | RuntimeException e) {
      failure.addSuppressed(e);
    }
  }

  private Path kernelFor(PodSpec spec) {
    return spec.vm().kernel().map(k -> k.toAbsolutePath().normalize()).orElse(config.kernel());
  }

  private VmRecord runningVm(PodDirectory dir, String why) {
    String pod = dir.name();
    Optional<VmRecord> vm = readVm(dir);
    if (vm.isEmpty()) {
      throw new InvalidStateException(pod, PodState.CREATED, "is not running; " + why);
    }
    Optional<String> gone = vms.goneReason(pod, vm.get());
    if (gone.isPresent()) {
      throw new InvalidStateException(pod, PodState.VM_GONE, gone.get() + "; " + why);
    }
    return vm.get();
  }

  private PodDirectory existing(String pod) {
    if (!DnsLabel.isValid(pod)) {
      throw new PodNotFoundException(pod);
    }
    PodDirectory dir = state.pod(pod);
    if (!dir.exists()) {
      throw new PodNotFoundException(pod);
    }
    return dir;
  }

  private static void requireValidName(String pod) {
    String problem = DnsLabel.problem("pod name", pod);
    if (problem != null) {
      throw new ProviderException(pod, problem);
    }
  }

  private static void requireContainer(String pod, PodSpec spec, String container) {
    if (!spec.hasContainer(container)) {
      throw new ProviderException(pod, container, "no such container in the pod", null);
    }
  }

  private PodRecord readPod(PodDirectory dir) {
    try {
      return dir.readPod().orElseThrow(() -> new PodNotFoundException(dir.name()));
    } catch (IOException e) {
      throw new ProviderException(dir.name(), null, "cannot read " + dir.path() + "/pod.json: " + e.getMessage(), e);
    }
  }

  private Optional<VmRecord> readVm(PodDirectory dir) {
    try {
      return dir.readVm();
    } catch (IOException e) {
      throw new ProviderException(dir.name(), null, "cannot read " + dir.path() + "/vm.json: " + e.getMessage(), e);
    }
  }

  private static Optional<VmRecord> readVmQuietly(PodDirectory dir) {
    try {
      return dir.readVm();
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  private <T> T locked(String pod, Supplier<T> action) {
    synchronized (locks.computeIfAbsent(pod, p -> new Object())) {
      return action.get();
    }
  }

  /** A state-directory write that may fail with an IOException. */
  @FunctionalInterface
  private interface IoAction {
    void run() throws IOException;
  }

  private void io(String pod, IoAction action) {
    try {
      action.run();
    } catch (IOException e) {
      throw new ProviderException(pod, null, "cannot update the pod's state in " + state.root() + ": " + e, e);
    }
  }
}
