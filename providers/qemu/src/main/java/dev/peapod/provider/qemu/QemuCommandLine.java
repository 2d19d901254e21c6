package dev.peapod.provider.qemu;

import dev.peapod.provider.qemu.guest.Wire;
import dev.peapod.provider.qemu.runtime.VmFiles;
import dev.peapod.provider.qemu.runtime.VmUsers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * Builds QEMU's argv for a {@link VmDefinition}: always a list, never a shell
 * string, so no name or path is ever interpreted by a shell.
 *
 * <p>Choices that are not obvious from the options themselves:
 * <ul>
 *   <li>{@code -M microvm} with option ROMs off and the ISA serial on: the
 *       fastest boot measured here (~0.5 s under TCG), virtio-mmio devices only.
 *   <li>{@code rtc=on}: without it the kernel spends ~1 s calibrating.
 *   <li>{@code pit=off} under TCG: the guest never programs the i8254, which QEMU resets to
 *       its BIOS mode (a square wave at 18.2 Hz) and then emulates for ever, a main-loop timer
 *       every 27.5 ms: ~0.3 % of a host core per idle VM, three quarters of its idle CPU
 *       (bench/RESULTS.md, "Density"). The guest's clock events come from the LAPIC timer
 *       (ARAT, below) and its TSC frequency from {@code tsc_early_khz}, so it boots as before.
 *       Left to QEMU's default with KVM, which emulates the PIT in the host kernel.
 *   <li>QEMU without transparent huge pages ({@link #THP_OFF}).
 *   <li>{@code tsc_early_khz}: a busy TCG host otherwise hangs in TSC calibration.
 *   <li>{@code tsc=reliable} under TCG: the guest's TSC is the host's, but its
 *       jiffies lag whenever the host leaves the vCPU thread waiting, and the
 *       clocksource watchdog then takes the TSC for unstable and falls back to
 *       refined-jiffies, whose periodic tick costs an idle VM ~2 % of a core
 *       instead of ~0.4 % (seen on a loaded host; a template VM that caught it
 *       passed it on to every VM restored from it).
 *   <li>{@code tb-size}: QEMU's default 1 GiB translation buffer costs ~45 MiB per VM
 *       once a guest has run enough code; see {@link QemuConfig#DEFAULT_TB_SIZE_MIB}.
 *   <li>{@code -cpu qemu64,+arat} under TCG: without ARAT (APIC timer always
 *       running) the guest kernel cannot stop its tick when idle and takes 100
 *       timer interrupts a second, ~2.5 % of a host core per idle VM.
 *   <li>{@code virtio_mmio.max_queue_size} (a Peapod kernel patch): QEMU offers
 *       every virtio-mmio queue at 1024 entries and virtio_console fills each
 *       receive queue with 4 KiB buffers, ~12 MiB of guest memory per VM. It
 *       must stay at least 32, or the balloon's reporting queue is refused.
 *   <li>Guest RAM in a memfd: QEMU backs anonymous guest RAM with transparent
 *       huge pages, so every 4 KiB the guest touches costs 2 MiB of host memory
 *       and the pages the balloon reports free are not returned; shmem has
 *       no huge pages here and hole punching frees them at once.
 *   <li>{@code page_reporting.page_reporting_order=5} (honoured with a Peapod
 *       kernel patch): the default order 10 reports only when 32 free 4 MiB
 *       blocks exist, which in a small guest is never.
 *   <li>{@code percpu_alloc=page}: the guest kernel's per-CPU areas in 4 KiB pages instead of
 *       one 2 MiB unit per CPU. Each per-CPU chunk after the first comes with a zeroed array of
 *       one pointer per 4 bytes of its unit for memory-cgroup accounting, 4 MiB for a 2 MiB unit;
 *       a VM restored from a template made its second chunk on the way to READY, and those 1,024
 *       zeroed pages were half of its private guest RAM (its own copies of the template's pages,
 *       bench/RESULTS.md, "Session 10"). With page-sized units the array is ~0.3 MiB. Under TCG
 *       the guest's large pages buy nothing (QEMU's TLB maps 4 KiB pages whatever the guest's);
 *       with KVM per-CPU data costs a TLB entry per 4 KiB instead of per 2 MiB (not measured here).
 *   <li>{@code -display none} rather than {@code -nographic}: we set every
 *       chardev ourselves.
 *   <li>The network is passt's, through a {@code -netdev stream} server socket that passt
 *       connects to once QEMU runs: see {@link PasstNetwork} for why not slirp.
 *   <li>No {@code -daemonize}: QEMU runs in a session of its own ({@code setsid}, see
 *       {@link QemuProcess}) and outlives the JVM; daemonizing would need the fork the
 *       sandbox denies.
 *   <li>As root, QEMU runs as a uid of its own per VM ({@link VmUsers}): {@code setpriv} starts it
 *       so (QEMU's {@code -runas} dies in its own {@code elevateprivileges=deny} filter), its sockets
 *       and pid file are in that user's run directory, and the kernel, initramfs and image share are
 *       fds a root shell opened. A VM with hostPath volumes reaches their trees through idmapped mounts
 *       {@code peapod-vm-mounts} makes for its QEMU alone: see {@link HostShares}.
 *   <li>The ctl socket is a server with {@code wait=off}: QEMU boots without a
 *       client and accepts one client at a time.
 *   <li>The serial console and the "peapod.log" port are server sockets too, which the
 *       VM's log writers connect to: a chardev {@code file} grows without bound and QEMU
 *       cannot rotate it (see {@link LogWriters}).
 *   <li>Template VMs and VMs restored from them back RAM with a shared file
 *       instead of a memfd, and a restored VM waits with {@code -incoming
 *       defer}: see {@link GuestRam} and {@link TemplateCatalogue}.
 *   <li>virtio-9p rather than virtio-fs for the image share and hostPath
 *       volumes: virtio-fs needs a virtiofsd per share and guest RAM in shared
 *       memory; 9p is built into QEMU. hostPath shares use {@code security_model=mapped-xattr},
 *       so no guest chown, chmod or mknod reaches the host (see {@link HostShares}); the
 *       image share is read-only, so {@code none} gives a guest nothing to write.
 * </ul>
 */
public final class QemuCommandLine {

  /**
   * QEMU's seccomp filter: the default deny list (reboot, swapon, kexec, module loading, ...),
   * obsolete system calls, changing scheduling or CPU affinity (resourcecontrol), setuid and
   * friends (elevateprivileges) and fork, vfork and execve (spawn): a QEMU a guest took over can
   * start no other program. That needs QEMU in the foreground ({@link QemuProcess#launch}; QEMU 7.2
   * installs the filter before {@code -daemonize} would fork) and template state migrated through
   * a socket the host reads and writes rather than {@code exec:}, a shell QEMU spawns ({@link
   * TemplateCatalogue}).
   */
  static final String SANDBOX = "on,obsolete=deny,resourcecontrol=deny,elevateprivileges=deny,spawn=deny";

  /** The image share as a VM user's QEMU reaches it: the directory a root shell opened for it. */
  static final Path SHARE_FD = Path.of("/proc/self/fd/6");

  /** The fd set whose label names a VM user's pod directory (see {@link #argv}). */
  static final int LAUNCHED_IN_FDSET = 9;

  /**
   * Runs its arguments with transparent huge pages off for the process (prctl
   * PR_SET_THP_DISABLE, which an exec keeps): QEMU asks for huge pages on its translation buffer
   * and on every anonymous RAM block, and the host gives them where asked ({@code madvise} mode),
   * so the 64 KiB firmware ROM of every VM cost a whole 2 MiB page and the translation buffer
   * grew in 2 MiB steps: ~2.4 MiB of PSS per idle VM over 100 (bench/RESULTS.md, "Density"), for
   * perhaps a few per cent of start time (translated code on 4 KiB pages). Guest RAM is a
   * memfd or a file, which has no huge pages here anyway. perl because it is essential in Debian
   * (perl-base) and can make the system call; argv[0] stays QEMU's, as {@link StrayVms} expects.
   */
  static final String THP_OFF = "syscall(%d, 41, 1, 0, 0, 0) == 0 or die \"prctl(PR_SET_THP_DISABLE): $!\\n\";"
      + " exec { $ARGV[0] } @ARGV or die \"exec $ARGV[0]: $!\\n\"";

  /** Largest virtqueue the guest sets up: receive buffers for this many entries stay allocated. */
  static final int MAX_QUEUE_SIZE = 64;

  /** A VM user's template RAM as its QEMU reaches it: the file (or sealed memfd) a root shell opened for it. */
  static final Path TEMPLATE_RAM_FD = Path.of("/proc/self/fd/7");

  private final String qemuBinary;
  private final int tbSizeMiB;
  private final OptionalLong tscKhz;
  private final Path vmMounts;

  /**
   * @param qemuBinary the qemu-system-x86_64 to run, a path or a name looked up in PATH
   * @param tbSizeMiB TCG translation buffer size
   * @param tscKhz the host TSC frequency for {@code tsc_early_khz}, if known
   */
  public QemuCommandLine(String qemuBinary, int tbSizeMiB, OptionalLong tscKhz) {
    this(qemuBinary, tbSizeMiB, tscKhz, VmMounts.fromEnvironment());
  }

  /** @param vmMounts the {@code peapod-vm-mounts} a VM user's hostPath volumes are mounted by ({@link VmMounts}) */
  QemuCommandLine(String qemuBinary, int tbSizeMiB, OptionalLong tscKhz, Path vmMounts) {
    this.qemuBinary = qemuBinary;
    this.tbSizeMiB = tbSizeMiB;
    this.tscKhz = tscKhz;
    this.vmMounts = vmMounts;
  }

  /** The {@code peapod-vm-mounts} helper VM users' hostPath volumes need. */
  Path vmMounts() {
    return vmMounts;
  }

  public String qemuBinary() {
    return qemuBinary;
  }

  public int tbSizeMiB() {
    return tbSizeMiB;
  }

  public OptionalLong tscKhz() {
    return tscKhz;
  }

  /** What a restore's launch says when its template RAM's holder is gone (see {@link TemplateRestore}). */
  static final String HOLDER_GONE = "the template RAM holder is gone";

  public List<String> argv(VmDefinition vm) {
    return argv(vm, true);
  }

  /**
   * The argv a template key is made of ({@link TemplateCatalogue#key}): without the stub disassembler's
   * preload, which changes nothing in the guest, and which the detached template builder and pool keeper
   * find by their own settings (a JVM given {@code -Dpeapod.vmMounts} hands them no such property): their
   * key must still be the launcher's.
   */
  List<String> argvForKey(VmDefinition vm) {
    return argv(vm, false);
  }

  private List<String> argv(VmDefinition vm, boolean preload) {
    List<String> argv = new ArrayList<>();
    // prlimit sets the limit on itself and execs QEMU, which keeps it.
    argv.addAll(List.of("prlimit", "--as=" + addressSpaceLimit(vm.memoryMiB()), "--"));
    VmUsers.VmUser user = vm.user();
    String kernel = vm.kernel().toString();
    String initrd = vm.initrd().toString();
    if (user != null) {
      // The kernel, the initramfs and the image share lie where the VM user cannot look up a path (root's
      // home, the 0700 pod directory): a shell opens them as root on fds 3, 4 and 6 and QEMU opens them
      // again through /proc/self/fd, which checks only the modes of the file or directory itself (the
      // share is root:UID 0750); then setpriv becomes the VM user and runs QEMU, under umask 077
      // whatever Peapod's was (its sockets are in a 0700 directory anyway).
      // A template VM's RAM file, in root's templates directory, is opened so too, read-write, on fd 7: the
      // VM user owns the file while the template is made (see TemplateMaker). A restored VM's RAM is the
      // template's sealed memfd, opened on fd 7 read-only through its holder's /proc/PID/fd/N (QEMU opens it
      // again read-write to map it privately, which its seals allow; no write reaches it, see TemplateRam)
      // and accepted only if it is the memfd the holder sealed. Its pid could be another process's by now
      // (a holder stopped since), so the shell first enters /proc/PID, which stays that process's directory
      // even if the pid is reused, checks the process there is the holder by its start time, and only then
      // opens fd N: another process's fd N could be a FIFO (an open that blocks) or a device (an open with
      // effects). `command exec` so that a failed open is this shell's error, not its exit status 2.
      boolean templateRam = templateRamOnFd(vm);
      boolean sealedRam = sealedRamOnFd(vm);
      String ramFd = templateRam ? " 7<>\"$4\" || exit 126; shift 4; "
          : sealedRam ? " || exit 126; cd \"${4%/fd/*}\" && [ \"$(sed 's/.*) //' stat | cut -d' ' -f20)\" = \"$6\" ]"
              + " && command exec 7<\"fd/${4##*/}\" || { echo \"peapod-qemu: " + HOLDER_GONE + " (${4%/fd/*})\" >&2;"
              + " exit 126; }; cd \"$OLDPWD\" || exit 126; [ \"$(stat -L -c %d:%i /proc/self/fd/7)\" = \"$5\" ] || { echo"
              + " \"peapod-qemu: $4 is not the template RAM it was ($5)\" >&2; exit 126; }; shift 6; "
          : " || exit 126; shift 3; ";
      List<String> shell = new ArrayList<>(List.of("sh", "-c", "umask 077; exec 3<\"$1\" 4<\"$2\" 5</dev/null 6<\"$3\""
          + ramFd + "exec \"$@\"", "peapod-qemu", kernel, initrd, vm.imageShare() == null ? "/dev/null" : vm.imageShare().toString()));
      if (templateRam || sealedRam) {
        shell.add(vm.ram().file().toString());
      }
      if (sealedRam) {
        shell.add(vm.ram().sealedIdentity());
        shell.add(Long.toString(vm.ram().holderStartTime()));
      }
      argv.addAll(shell);
      if (!vm.hostShares().isEmpty()) {
        // Still root: each hostPath tree becomes an idmapped mount, its owner shown as the VM user, on an empty
        // directory of the run directory, in a mount namespace of QEMU's own (see HostShares).
        argv.add(vmMounts.toString());
        argv.add(Integer.toUnsignedString(user.uid()) + ":" + Integer.toUnsignedString(user.uid()));
        int n = 0;
        for (HostShare share : vm.hostShares()) {
          argv.addAll(List.of(share.readOnly() ? "--ro" : "--rw", share.dir().toString(),
              user.shareMountPoint(n++).toString()));
        }
        argv.add("--");
      }
      argv.addAll(user.setpriv());
      kernel = "/proc/self/fd/3";
      initrd = "/proc/self/fd/4";
    }
    VmFiles own = vm.qemuFiles();
    String stub = preload ? noDisassemblerPreload(user != null) : null;
    if (stub != null) {
      argv.addAll(List.of("env", "LD_PRELOAD=" + stub));
    }
    argv.addAll(List.of("perl", "-e", thpOff(), "--"));
    argv.add(qemuBinary);
    add(argv, "-name", vm.processName());
    // mem-merge=off: QEMU would otherwise madvise guest RAM mergeable, and a host whose ksmd runs
    // would merge it between VMs whatever PEAPOD_KSM says (see SamePageMerging).
    add(argv, "-M", "microvm,x-option-roms=off,isa-serial=on,rtc=on,mem-merge=off,memory-backend=ram"
        + (vm.accelerator() == Accelerator.TCG ? ",pit=off" : ""));
    addAccelerator(argv, vm.accelerator());
    add(argv, "-m", Integer.toString(vm.memoryMiB()));
    if (vm.ram().backedByFile()) {
      add(argv, "-object", "memory-backend-file,id=ram,size=" + vm.memoryMiB() + "M,mem-path="
          + value(templateRamOnFd(vm) || sealedRamOnFd(vm) ? TEMPLATE_RAM_FD : vm.ram().file()) + (vm.ram().privateMapping() ? ",share=off" : ",share=on"));
    } else {
      add(argv, "-object", "memory-backend-memfd,id=ram,size=" + vm.memoryMiB() + "M");
    }
    add(argv, "-smp", Integer.toString(vm.vcpus()));
    argv.addAll(List.of("-nodefaults", "-no-user-config", "-display", "none", "-no-reboot"));
    add(argv, "-sandbox", SANDBOX);
    if (user != null) {
      // Names the pod directory on the command line, as the paths of a QEMU run as Peapod's user do (those
      // of a VM user's are in its run directory): /dev/null on fd 5 in an fd set no device uses, with the
      // directory as its free-form label, for whoever finds VMs by their command line (tests, ps). Not
      // the kernel's fd: QEMU closes an -add-fd's fd once it has a copy, before it loads the kernel.
      add(argv, "-add-fd", "fd=5,set=" + LAUNCHED_IN_FDSET + ",opaque=" + value(vm.files().dir()));
    }
    add(argv, "-kernel", kernel);
    add(argv, "-initrd", initrd);
    add(argv, "-append", kernelCommandLine(vm.accelerator()));
    add(argv, "-chardev", "socket,id=con,path=" + value(own.consoleSocket()) + ",server=on,wait=off");
    add(argv, "-serial", "chardev:con");
    add(argv, "-device", "virtio-serial-device,max_ports=4");
    add(argv, "-chardev", "socket,id=ctl,path=" + value(own.ctlSocket()) + ",server=on,wait=off");
    add(argv, "-device", "virtserialport,chardev=ctl,name=peapod.ctl");
    add(argv, "-chardev", "socket,id=log,path=" + value(own.containersLogSocket()) + ",server=on,wait=off");
    add(argv, "-device", "virtserialport,chardev=log,name=peapod.log");
    for (ImageDevice image : vm.images()) {
      // A VM user reads images through its own share's links (made readable to VM users, see ImageShare),
      // as it cannot look up paths in the image store.
      Path file = user == null ? image.path() : SHARE_FD.resolve(ImageShare.fileName(image.imageId()));
      add(argv, "-drive", "id=" + image.serial() + ",file=" + value(file)
          + ",format=raw,if=none,readonly=on");
      add(argv, "-device", "virtio-blk-device,drive=" + image.serial() + ",serial=" + image.serial());
    }
    if (vm.imageShare() != null) {
      Path share = user == null ? vm.imageShare() : SHARE_FD;
      add(argv, "-fsdev", "local,id=images,path=" + value(share) + ",readonly=on,security_model=none");
      add(argv, "-device", "virtio-9p-device,fsdev=images,mount_tag=" + Wire.IMAGE_SHARE_TAG);
    }
    int n = 0;
    for (HostShare share : vm.hostShares()) {
      String id = "host" + n++;
      Path exported = user == null ? share.dir() : user.shareMountPoint(n - 1);
      add(argv, "-fsdev", "local,id=" + id + ",path=" + value(exported) + ",security_model=mapped-xattr"
          + (share.readOnly() ? ",readonly=on" : ""));
      add(argv, "-device", "virtio-9p-device,fsdev=" + id + ",mount_tag=" + share.tag());
    }
    if (vm.network()) {
      add(argv, "-netdev", PasstNetwork.netdev(PodVm.NETDEV, value(own.netSocket())));
      add(argv, "-device", "virtio-net-device,netdev=" + PodVm.NETDEV);
    }
    add(argv, "-device", "virtio-rng-device");
    // Pages the guest frees (boot-time buffers, exited processes) go back to the
    // host, so an idle VM costs what it uses rather than what it once touched.
    add(argv, "-device", "virtio-balloon-device,free-page-reporting=on");
    add(argv, "-qmp", "unix:" + value(own.qmpSocket()) + ",server=on,wait=off");
    // A watcher connects and sees the VM end as the connection closing. The guest writes its
    // readiness notices to it (the "peapod.evt" port), so the watcher hears them without holding
    // the control socket, which serves one client at a time.
    add(argv, "-chardev", "socket,id=lifeline,path=" + value(own.lifeline()) + ",server=on,wait=off");
    add(argv, "-device", "virtserialport,chardev=lifeline,name=" + Wire.EVT_PORT_NAME);
    if (vm.ram().incoming()) {
      add(argv, "-incoming", "defer");
    }
    add(argv, "-pidfile", own.pidFile().toString());
    return argv;
  }

  /** Whether {@code vm} is a template VM being made by a VM user, whose RAM file its QEMU gets on fd 7. */
  private static boolean templateRamOnFd(VmDefinition vm) {
    return vm.user() != null && vm.ram().backedByFile() && !vm.ram().incoming();
  }

  /** Whether {@code vm} is restored by a VM user from a template's sealed memfd, which its QEMU gets on fd 7. */
  private static boolean sealedRamOnFd(VmDefinition vm) {
    return vm.user() != null && vm.ram().sealed();
  }

  /**
   * The bound on a VM's QEMU process's host memory: its address space (RLIMIT_AS), guest RAM plus the
   * TCG translation buffer plus {@link #ADDRESS_SPACE_MARGIN_MIB}. Address space bounds what the
   * process can ever have resident, whatever a guest makes it do; it is not a cgroup (this host's
   * memory controller is cgroup v1 under a hybrid setup, where Peapod has no cgroup of its own to
   * give each VM one), so page cache and kernel memory on QEMU's behalf are not counted.
   */
  public long addressSpaceLimit(int memoryMiB) {
    return ((long) memoryMiB + tbSizeMiB + ADDRESS_SPACE_MARGIN_MIB) << 20;
  }

  /**
   * QEMU's address space beyond guest RAM and the translation buffer: an idle 128 MiB 1-vCPU TCG VM
   * peaked at 582 MiB with glibc's default malloc arenas (64 MiB each, up to 8 per core) and at 418
   * MiB with two; the rest is mostly libraries and 8 MiB thread stacks; virtio-9p and block I/O add worker threads (up to 64). The
   * launch caps the arenas (MALLOC_ARENA_MAX, see {@link QemuProcess}), so this leaves room for
   * every worker thread's stack.
   */
  static final int ADDRESS_SPACE_MARGIN_MIB = 1024;

  /** The stub libcapstone.so.4 QEMU is given if it lies beside {@code peapod-vm-mounts} (make guest-init builds both). */
  static final String NO_DISASSEMBLER = "peapod-no-disassembler.so";

  /**
   * LD_PRELOAD for QEMU: {@value #NO_DISASSEMBLER} (providers/qemu/native/no-disassembler.c), a
   * libcapstone.so.4 whose architectures are all refused, preloaded so that the loader binds QEMU's
   * libcapstone.so.4 to it and never maps the real library, whose relocated tables cost every QEMU
   * 1.3 MiB of memory of its own for a disassembler Peapod never runs (bench/RESULTS.md, session
   * 11). The same object gives QEMU libfdt's {@code fdt_create} without the 1 MiB of zeros it wrote
   * over the microvm machine's device tree buffer, already zero when it comes (every QEMU held those
   * 256 pages; session 12). It lies beside {@code peapod-vm-mounts}, root's like it. Null, and QEMU runs with the real
   * library as before, when it is not there or a VM user could not read it by its path (the
   * loader would print an error into QEMU's output and go on). A preload already set is kept after it.
   */
  String noDisassemblerPreload(boolean vmUser) {
    Path stub = vmMounts.resolveSibling(NO_DISASSEMBLER);
    if (!Files.isRegularFile(stub) || vmUser && !readableByOthers(stub)) {
      return null;
    }
    String set = System.getenv("LD_PRELOAD");
    return set == null || set.isBlank() ? stub.toString() : stub + " " + set;
  }

  /** Whether a user of no group of the file's can open it by its path: o+r on it, o+x on every directory above. */
  private static boolean readableByOthers(Path file) {
    try {
      if (!Files.getPosixFilePermissions(file).contains(java.nio.file.attribute.PosixFilePermission.OTHERS_READ)) {
        return false;
      }
      for (Path dir = file.toAbsolutePath().getParent(); dir != null; dir = dir.getParent()) {
        if (!Files.getPosixFilePermissions(dir).contains(java.nio.file.attribute.PosixFilePermission.OTHERS_EXECUTE)) {
          return false;
        }
      }
      return true;
    } catch (java.io.IOException | UnsupportedOperationException e) {
      return false;
    }
  }

  /** {@link #THP_OFF} with this host's number of the prctl system call. */
  static String thpOff() {
    return String.format(java.util.Locale.ROOT, THP_OFF, dev.peapod.provider.qemu.runtime.SystemCalls.number("prctl"));
  }

  /** The guest kernel's command line. */
  public String kernelCommandLine(Accelerator accelerator) {
    StringBuilder sb = new StringBuilder("console=ttyS0 quiet panic=-1 virtio_mmio.max_queue_size="
        + MAX_QUEUE_SIZE + " page_reporting.page_reporting_order=5 percpu_alloc=page");
    tscKhz.ifPresent(khz -> sb.append(" tsc_early_khz=").append(khz));
    if (accelerator == Accelerator.TCG) {
      sb.append(" tsc=reliable");
    }
    return sb.toString();
  }

  private void addAccelerator(List<String> argv, Accelerator accelerator) {
    if (accelerator == Accelerator.KVM) {
      add(argv, "-accel", "kvm");
      add(argv, "-cpu", "host");
    } else {
      add(argv, "-accel", "tcg,tb-size=" + tbSizeMiB);
      add(argv, "-cpu", "qemu64,+arat");
    }
  }

  /** QEMU option values escape a comma by doubling it. */
  private static String value(Path path) {
    return path.toString().replace(",", ",,");
  }

  private static void add(List<String> argv, String option, String value) {
    argv.add(option);
    argv.add(value);
  }
}
