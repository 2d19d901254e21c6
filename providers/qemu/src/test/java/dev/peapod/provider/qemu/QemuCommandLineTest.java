package dev.peapod.provider.qemu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.peapod.provider.PortForward;
import dev.peapod.provider.qemu.runtime.VmFiles;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class QemuCommandLineTest {

  private static final VmFiles FILES = new VmFiles(Path.of("/run/pp/web"));

  @Test
  void buildsTheExactArgvForATcgPod() {
    VmDefinition vm = new VmDefinition("web", Path.of("/k/bzImage"), Path.of("/k/initramfs.cpio"), 2, 96,
        Accelerator.TCG, FILES,
        List.of(new ImageDevice("img0", "sha256:a", Path.of("/img/a.erofs")),
            new ImageDevice("img1", "sha256:b", Path.of("/img/b,c.erofs"))),
        List.of(PortForward.tcp(8080, 80), new PortForward("0.0.0.0", 5353, 53, PortForward.Protocol.UDP)),
        true, Path.of("/run/pp/web/images"),
        List.of(new HostShare("data", "peapod.vol.data", Path.of("/home/u/data"), null, null, false),
            new HostShare("conf", "peapod.vol.conf", Path.of("/run/pp/web/host-files/conf,x"), "app.conf",
                Path.of("/etc/app/app.conf"), true)));

    List<String> argv = new QemuCommandLine("qemu-system-x86_64", 8, OptionalLong.of(2596150), Path.of("/nonexistent/peapod-vm-mounts")).argv(vm);

    assertEquals(List.of(
        "prlimit", "--as=" + ((96L + 8 + 1024) << 20), "--",
        "perl", "-e", QemuCommandLine.thpOff(), "--", "qemu-system-x86_64",
        "-name", "peapod-web",
        "-M", "microvm,x-option-roms=off,isa-serial=on,rtc=on,mem-merge=off,memory-backend=ram,pit=off",
        "-accel", "tcg,tb-size=8",
        "-cpu", "qemu64,+arat",
        "-m", "96",
        "-object", "memory-backend-memfd,id=ram,size=96M",
        "-smp", "2",
        "-nodefaults", "-no-user-config", "-display", "none", "-no-reboot",
        "-sandbox", "on,obsolete=deny,resourcecontrol=deny,elevateprivileges=deny,spawn=deny",
        "-kernel", "/k/bzImage",
        "-initrd", "/k/initramfs.cpio",
        "-append", "console=ttyS0 quiet panic=-1 virtio_mmio.max_queue_size=64 page_reporting.page_reporting_order=5 percpu_alloc=page tsc_early_khz=2596150 tsc=reliable",
        "-chardev", "socket,id=con,path=/run/pp/web/console.sock,server=on,wait=off",
        "-serial", "chardev:con",
        "-device", "virtio-serial-device,max_ports=4",
        "-chardev", "socket,id=ctl,path=/run/pp/web/ctl.sock,server=on,wait=off",
        "-device", "virtserialport,chardev=ctl,name=peapod.ctl",
        "-chardev", "socket,id=log,path=/run/pp/web/log.sock,server=on,wait=off",
        "-device", "virtserialport,chardev=log,name=peapod.log",
        "-drive", "id=img0,file=/img/a.erofs,format=raw,if=none,readonly=on",
        "-device", "virtio-blk-device,drive=img0,serial=img0",
        "-drive", "id=img1,file=/img/b,,c.erofs,format=raw,if=none,readonly=on",
        "-device", "virtio-blk-device,drive=img1,serial=img1",
        "-fsdev", "local,id=images,path=/run/pp/web/images,readonly=on,security_model=none",
        "-device", "virtio-9p-device,fsdev=images,mount_tag=peapod.images",
        "-fsdev", "local,id=host0,path=/home/u/data,security_model=mapped-xattr",
        "-device", "virtio-9p-device,fsdev=host0,mount_tag=peapod.vol.data",
        "-fsdev", "local,id=host1,path=/run/pp/web/host-files/conf,,x,security_model=mapped-xattr,readonly=on",
        "-device", "virtio-9p-device,fsdev=host1,mount_tag=peapod.vol.conf",
        "-netdev", "stream,id=net0,server=on,addr.type=unix,addr.path=/run/pp/web/net.sock",
        "-device", "virtio-net-device,netdev=net0",
        "-device", "virtio-rng-device",
        "-device", "virtio-balloon-device,free-page-reporting=on",
        "-qmp", "unix:/run/pp/web/qmp.sock,server=on,wait=off",
        "-chardev", "socket,id=lifeline,path=/run/pp/web/lifeline.sock,server=on,wait=off",
        "-device", "virtserialport,chardev=lifeline,name=peapod.evt",
        "-pidfile", "/run/pp/web/qemu.pid"), argv);
  }

  @Test
  void qemuRunsWithTransparentHugePagesOffAndItsOwnArgv() throws Exception {
    Process p = new ProcessBuilder("perl", "-e", QemuCommandLine.thpOff(), "--", "sh", "-c",
        "grep THP_enabled /proc/self/status; echo \"$0 $1\"", "-name", "x").redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), out);
    assertEquals("THP_enabled:\t0\n-name x\n", out);
  }

  @Test
  void restoredVmsMapTheTemplateRamPrivatelyOrTheirOwnCopyShared() {
    VmDefinition vm = new VmDefinition("web", Path.of("/k/bz"), Path.of("/k/i"), 1, 128,
        Accelerator.TCG, FILES, List.of(), List.of(), true, null, List.of());
    QemuCommandLine qemu = new QemuCommandLine("qemu-system-x86_64", 32, OptionalLong.empty());

    List<String> shared = qemu.argv(vm.withRam(GuestRam.restorePrivate(Path.of("/run/peapod/template-ram/t.ram"))));
    assertEquals("memory-backend-file,id=ram,size=128M,mem-path=/run/peapod/template-ram/t.ram,share=off",
        shared.get(shared.indexOf("-object") + 1));
    assertEquals("defer", shared.get(shared.indexOf("-incoming") + 1));

    List<String> copy = qemu.argv(vm.withRam(GuestRam.restoreCopy(Path.of("/dev/shm/peapod-1.ram"))));
    assertEquals("memory-backend-file,id=ram,size=128M,mem-path=/dev/shm/peapod-1.ram,share=on",
        copy.get(copy.indexOf("-object") + 1));
  }

  @Test
  void usesKvmWithTheHostCpuAndLeavesOutWhatIsNotThere() {
    VmDefinition vm = new VmDefinition("probe", Path.of("/k/bz"), Path.of("/k/i"), 1, 64,
        Accelerator.KVM, FILES, List.of(), List.of(), false, null, List.of());

    List<String> argv = new QemuCommandLine("/opt/qemu", 8, OptionalLong.empty()).argv(vm);

    int accel = argv.indexOf("-accel");
    assertEquals(List.of("-accel", "kvm", "-cpu", "host"), argv.subList(accel, accel + 4));
    assertEquals("microvm,x-option-roms=off,isa-serial=on,rtc=on,mem-merge=off,memory-backend=ram", argv.get(argv.indexOf("-M") + 1),
        "KVM keeps its in-kernel PIT");
    assertEquals("console=ttyS0 quiet panic=-1 virtio_mmio.max_queue_size=64 page_reporting.page_reporting_order=5 percpu_alloc=page", argv.get(argv.indexOf("-append") + 1));
    assertEquals(-1, argv.indexOf("-netdev"));
    assertEquals(-1, argv.indexOf("-drive"));
    assertEquals(-1, argv.indexOf("-fsdev"));
  }

  @Test
  void socketPathsLongerThanTheKernelAllowsAreReported() {
    VmFiles deep = new VmFiles(Path.of("/" + "x".repeat(100)));
    assertEquals(true, deep.socketPathProblem().orElseThrow().contains("107"));
    assertEquals(true, FILES.socketPathProblem().isEmpty());
  }
  @Test
  void aVmUsersQemuIsStartedAsThatUserAndOpensItsFilesInItsOwnDirectory() {
    dev.peapod.provider.qemu.runtime.VmUsers users =
        dev.peapod.provider.qemu.runtime.VmUsers.parse("2000000000-2000000099", Path.of("/run/peapod/vm"));
    VmDefinition vm = new VmDefinition("web", Path.of("/root/k/bzImage"), Path.of("/root/k/initramfs.cpio"), 1, 64,
        Accelerator.TCG, FILES, List.of(new ImageDevice("img0", "sha256:a", Path.of("/store/a.erofs"))), List.of(),
        true, Path.of("/run/pp/web/images"), List.of()).withUser(users.user(2000000007));

    List<String> argv = new QemuCommandLine("qemu-system-x86_64", 8, OptionalLong.empty(), Path.of("/nonexistent/peapod-vm-mounts")).argv(vm);

    assertEquals(List.of("prlimit", "--as=" + ((64L + 8 + 1024) << 20), "--",
        "sh", "-c", "umask 077; exec 3<\"$1\" 4<\"$2\" 5</dev/null 6<\"$3\" || exit 126; shift 3; exec \"$@\"",
        "peapod-qemu", "/root/k/bzImage", "/root/k/initramfs.cpio", "/run/pp/web/images",
        "setpriv", "--reuid=2000000007", "--regid=2000000007", "--groups=2000000000", "--inh-caps=-all",
        "--bounding-set=-all", "--no-new-privs", "--",
        "perl", "-e", QemuCommandLine.thpOff(), "--", "qemu-system-x86_64"), argv.subList(0, 23));
    String line = String.join(" ", argv);
    String own = "/run/peapod/vm/2000000007/";
    org.junit.jupiter.api.Assertions.assertTrue(line.contains("-kernel /proc/self/fd/3 -initrd /proc/self/fd/4 "), line);
    for (String expected : List.of("path=" + own + "q/console.sock,", "path=" + own + "q/ctl.sock,",
        "path=" + own + "q/log.sock,", "unix:" + own + "q/qmp.sock,", "path=" + own + "q/lifeline.sock,",
        "-pidfile " + own + "q/qemu.pid", "file=/proc/self/fd/6/sha256_a.erofs,",
        "local,id=images,path=/proc/self/fd/6,")) {
      org.junit.jupiter.api.Assertions.assertTrue(line.contains(expected), expected + " in " + line);
    }
    org.junit.jupiter.api.Assertions.assertTrue(line.contains("-add-fd fd=5,set=9,opaque=/run/pp/web -kernel"), line);
    org.junit.jupiter.api.Assertions.assertFalse(line.substring(line.indexOf(" qemu-system-x86_64 ")).contains("/run/pp/web/"), line);
  }

  @Test
  void aVmUsersHostPathTreesAreIdmappedMountsMadeAsRootBeforeSetprivAndExportedFromItsRunDirectory() {
    dev.peapod.provider.qemu.runtime.VmUsers users =
        dev.peapod.provider.qemu.runtime.VmUsers.parse("2000000000-2000000099", Path.of("/run/peapod/vm"));
    VmDefinition vm = new VmDefinition("web", Path.of("/root/k/bzImage"), Path.of("/root/k/initramfs.cpio"), 1, 64,
        Accelerator.TCG, FILES, List.of(), List.of(), true, Path.of("/run/pp/web/images"), List.of(
            new HostShare("data", "peapod.vol.data", Path.of("/srv/da,ta"), null, null, false),
            new HostShare("conf", "peapod.vol.conf", Path.of("/run/pp/web/host-files/conf"), "app.conf",
                Path.of("/etc/app.conf"), true))).withUser(users.user(2000000007));

    List<String> argv = new QemuCommandLine("qemu-system-x86_64", 8, OptionalLong.empty(),
        Path.of("/usr/lib/peapod/peapod-vm-mounts")).argv(vm);

    int helper = argv.indexOf("/usr/lib/peapod/peapod-vm-mounts");
    assertEquals(List.of("/usr/lib/peapod/peapod-vm-mounts", "2000000007:2000000007",
        "--rw", "/srv/da,ta", "/run/peapod/vm/2000000007/h/0",
        "--ro", "/run/pp/web/host-files/conf", "/run/peapod/vm/2000000007/h/1", "--",
        "setpriv", "--reuid=2000000007"), argv.subList(helper, helper + 11));
    assertEquals("/run/pp/web/images", argv.get(helper - 1), "after the root shell that opens the fds");
    String line = String.join(" ", argv);
    org.junit.jupiter.api.Assertions.assertTrue(line.contains("-fsdev local,id=host0,path=/run/peapod/vm/2000000007/h/0,"
        + "security_model=mapped-xattr -device virtio-9p-device,fsdev=host0,mount_tag=peapod.vol.data "), line);
    org.junit.jupiter.api.Assertions.assertTrue(line.contains("-fsdev local,id=host1,path=/run/peapod/vm/2000000007/h/1,"
        + "security_model=mapped-xattr,readonly=on "), line);
    org.junit.jupiter.api.Assertions.assertFalse(line.substring(line.indexOf(" qemu-system-x86_64 ")).contains("/srv/"), line);

    List<String> asRoot = new QemuCommandLine("qemu-system-x86_64", 8, OptionalLong.empty(),
        Path.of("/usr/lib/peapod/peapod-vm-mounts")).argv(vm.withUser(null));
    assertEquals(-1, asRoot.indexOf("/usr/lib/peapod/peapod-vm-mounts"), "QEMU as Peapod's user exports the trees itself");
    org.junit.jupiter.api.Assertions.assertTrue(String.join(" ", asRoot).contains("path=/srv/da,,ta,"), asRoot.toString());
  }

  @Test
  void aTemplateVmOfAVmUserGetsItsRamFileOnAnFdTheRootShellOpened() {
    dev.peapod.provider.qemu.runtime.VmUsers users =
        dev.peapod.provider.qemu.runtime.VmUsers.parse("2000000000-2000000099", Path.of("/run/peapod/vm"));
    VmShape shape = new VmShape(Path.of("/root/k/bzImage"), Path.of("/root/k/initramfs.cpio"), 1, 64, Accelerator.TCG);
    VmFiles work = new VmFiles(Path.of("/var/lib/peapod/templates/k.new"));
    VmDefinition vm = TemplateCatalogue.definition(shape, "template", work, GuestRam.template(work.dir().resolve("ram")))
        .withUser(users.user(2000000007));

    List<String> argv = new QemuCommandLine("qemu-system-x86_64", 8, OptionalLong.empty()).argv(vm);

    assertEquals(List.of("sh", "-c", "umask 077; exec 3<\"$1\" 4<\"$2\" 5</dev/null 6<\"$3\" 7<>\"$4\" || exit 126;"
        + " shift 4; exec \"$@\"", "peapod-qemu", "/root/k/bzImage", "/root/k/initramfs.cpio",
        "/var/lib/peapod/templates/k.new/images", "/var/lib/peapod/templates/k.new/ram", "setpriv"), argv.subList(3, 12));
    String line = String.join(" ", argv);
    org.junit.jupiter.api.Assertions.assertTrue(line.contains("mem-path=/proc/self/fd/7,share=on"), line);
    org.junit.jupiter.api.Assertions.assertFalse(line.substring(line.indexOf(" qemu-system-x86_64 "))
        .contains("/var/lib/peapod/templates/k.new/"), line);
    // A restore's RAM copy is the VM user's own file in /dev/shm: opened by path, as before.
    String restored = String.join(" ", new QemuCommandLine("qemu-system-x86_64", 8, OptionalLong.empty())
        .argv(vm.withRam(GuestRam.restoreCopy(Path.of("/dev/shm/copy")))));
    org.junit.jupiter.api.Assertions.assertTrue(restored.contains("mem-path=/dev/shm/copy,share=on"), restored);
  }

  @Test
  void aVmUsersRestoreMapsTheSealedMemfdItsRootShellOpenedAndCheckedPrivately() {
    dev.peapod.provider.qemu.runtime.VmUsers users =
        dev.peapod.provider.qemu.runtime.VmUsers.parse("2000000000-2000000099", Path.of("/run/peapod/vm"));
    VmShape shape = new VmShape(Path.of("/root/k/bzImage"), Path.of("/root/k/initramfs.cpio"), 1, 64, Accelerator.TCG);
    VmFiles files = new VmFiles(Path.of("/var/lib/peapod/pods/web"));
    VmDefinition vm = TemplateCatalogue.definition(shape, "web", files,
        GuestRam.restoreSealed(Path.of("/proc/4242/fd/4"), 987654, "1:6451")).withUser(users.user(2000000007));

    List<String> argv = new QemuCommandLine("qemu-system-x86_64", 8, OptionalLong.empty()).argv(vm);

    assertEquals(List.of("sh", "-c", "umask 077; exec 3<\"$1\" 4<\"$2\" 5</dev/null 6<\"$3\" || exit 126;"
        + " cd \"${4%/fd/*}\" && [ \"$(sed 's/.*) //' stat | cut -d' ' -f20)\" = \"$6\" ] && command exec 7<\"fd/${4##*/}\""
        + " || { echo \"peapod-qemu: the template RAM holder is gone (${4%/fd/*})\" >&2; exit 126; }; cd \"$OLDPWD\" || exit 126;"
        + " [ \"$(stat -L -c %d:%i /proc/self/fd/7)\" = \"$5\" ] || { echo \"peapod-qemu: $4 is not the template RAM it"
        + " was ($5)\" >&2; exit 126; }; shift 6; exec \"$@\"", "peapod-qemu", "/root/k/bzImage", "/root/k/initramfs.cpio",
        "/var/lib/peapod/pods/web/images", "/proc/4242/fd/4", "1:6451", "987654", "setpriv"), argv.subList(3, 14));
    String line = String.join(" ", argv);
    org.junit.jupiter.api.Assertions.assertTrue(line.contains("mem-path=/proc/self/fd/7,share=off"), line);
    org.junit.jupiter.api.Assertions.assertTrue(line.contains("-incoming defer"), line);
  }

  /**
   * The attack of a pid reused since prepare: the holder a restore's RAM names is gone and its pid is another
   * process's, whose fd N is a FIFO nobody writes. Opening it would hang the launch (a device could do worse):
   * the root shell must see by the start time that the process is not the holder and open nothing. The same shell
   * opens a genuine holder's fd and then accepts it only with the identity recorded.
   */
  @Test
  void aRestoresLaunchOpensNothingOfAProcessThatTookItsHoldersPid() throws Exception {
    java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("holder-pid");
    try {
      java.nio.file.Path fifo = dir.resolve("fifo");
      java.nio.file.Path ram = java.nio.file.Files.writeString(dir.resolve("ram"), "not a template");
      assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
      java.nio.file.Files.createDirectories(dir.resolve("pod/images"));
      Process other = new ProcessBuilder("perl", "-e", "use Fcntl; $| = 1;"
          + " sysopen(my $f, $ARGV[0], O_RDONLY | O_NONBLOCK) or die; open(my $r, '<', $ARGV[1]) or die;"
          + " print fileno($f), ' ', fileno($r), \"\\n\"; sleep 60", fifo.toString(), ram.toString()).start();
      try {
        String[] fds = new java.io.BufferedReader(new java.io.InputStreamReader(other.getInputStream())).readLine().split(" ");
        long started = dev.peapod.provider.qemu.runtime.HostProcess.startTime(other.pid()).orElseThrow();
        String identity = new String(new ProcessBuilder("stat", "-L", "-c", "%d:%i", ram.toString()).start()
            .getInputStream().readAllBytes()).trim();
        Path procFd = Path.of("/proc", Long.toString(other.pid()), "fd");

        Launch reused = launchShell(dir, GuestRam.restoreSealed(procFd.resolve(fds[0]), started + 1, identity));
        assertEquals(126, reused.status(), reused.output());
        org.junit.jupiter.api.Assertions.assertTrue(reused.output().contains("the template RAM holder is gone"), reused.output());

        Launch genuine = launchShell(dir, GuestRam.restoreSealed(procFd.resolve(fds[1]), started, identity));
        assertEquals(0, genuine.status(), genuine.output());
        org.junit.jupiter.api.Assertions.assertTrue(genuine.output().contains("launched"), genuine.output());

        Launch otherFile = launchShell(dir, GuestRam.restoreSealed(procFd.resolve(fds[1]), started, "1:1"));
        assertEquals(126, otherFile.status(), otherFile.output());
        org.junit.jupiter.api.Assertions.assertTrue(otherFile.output().contains("is not the template RAM it was"),
            otherFile.output());
      } finally {
        other.destroyForcibly().waitFor();
      }
    } finally {
      new ProcessBuilder("rm", "-rf", dir.toString()).start().waitFor();
    }
  }

  private record Launch(int status, String output) {}

  /** Runs the root shell of a VM user's restore as argv has it, with a program that says so in place of setpriv + QEMU. */
  private static Launch launchShell(java.nio.file.Path dir, GuestRam ram) throws Exception {
    dev.peapod.provider.qemu.runtime.VmUsers users =
        dev.peapod.provider.qemu.runtime.VmUsers.parse("2000000000-2000000099", Path.of("/run/peapod/vm"));
    java.nio.file.Path file = dir.resolve("ram");
    VmShape shape = new VmShape(file, file, 1, 64, Accelerator.TCG);
    VmDefinition vm = TemplateCatalogue.definition(shape, "web", new VmFiles(dir.resolve("pod")), ram)
        .withUser(users.user(2000000007));
    List<String> argv = new QemuCommandLine("qemu-system-x86_64", 8, OptionalLong.empty()).argv(vm);
    List<String> shell = new java.util.ArrayList<>(argv.subList(argv.indexOf("sh"), argv.indexOf("setpriv")));
    shell.addAll(List.of("echo", "launched"));
    Process p = new ProcessBuilder(shell).redirectErrorStream(true).start();
    if (!p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
      p.destroyForcibly();
      org.junit.jupiter.api.Assertions.fail("the launch hung opening what the pid's fd is now");
    }
    return new Launch(p.exitValue(), new String(p.getInputStream().readAllBytes()));
  }

  @Test
  void qemuIsGivenTheStubDisassemblerBesideTheVmMountsHelperWhenAVmUserCanReadIt() throws Exception {
    Path dir = java.nio.file.Files.createTempDirectory("peapod-stub-");
    try {
      Path helper = dir.resolve("peapod-vm-mounts");
      Path stub = java.nio.file.Files.createFile(dir.resolve(QemuCommandLine.NO_DISASSEMBLER));
      java.nio.file.Files.setPosixFilePermissions(stub, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
      VmDefinition vm = new VmDefinition("web", Path.of("/k/bzImage"), Path.of("/k/initramfs.cpio"), 1, 64,
          Accelerator.TCG, FILES, List.of(), List.of(), true, Path.of("/run/pp/web/images"), List.of());
      dev.peapod.provider.qemu.runtime.VmUsers users =
          dev.peapod.provider.qemu.runtime.VmUsers.parse("2000000000-2000000099", Path.of("/run/peapod/vm"));
      QemuCommandLine qemu = new QemuCommandLine("qemu-system-x86_64", 8, OptionalLong.empty(), helper);

      // Peapod's own user finds it whatever the directory's mode (createTempDirectory's is 0700).
      List<String> asPeapod = qemu.argv(vm);
      int perl = asPeapod.indexOf("perl");
      assertEquals(List.of("env", "LD_PRELOAD=" + stub), asPeapod.subList(perl - 2, perl));
      // A template's key is the same with or without it: the detached builder, which may not find it, must agree.
      assertEquals(new QemuCommandLine("qemu-system-x86_64", 8, OptionalLong.empty(), Path.of("/nonexistent/x")).argv(vm),
          qemu.argvForKey(vm));
      // A VM user could not open it by that path: its QEMU runs with the real library, no loader error.
      org.junit.jupiter.api.Assertions.assertFalse(qemu.argv(vm.withUser(users.user(2000000007))).contains("env"));
      java.nio.file.Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
      List<String> asVmUser = qemu.argv(vm.withUser(users.user(2000000007)));
      perl = asVmUser.indexOf("perl");
      assertEquals(List.of("--no-new-privs", "--", "env", "LD_PRELOAD=" + stub), asVmUser.subList(perl - 4, perl));
      // Not there: nothing preloaded.
      java.nio.file.Files.delete(stub);
      org.junit.jupiter.api.Assertions.assertFalse(qemu.argv(vm).contains("env"));
    } finally {
      try (var files = java.nio.file.Files.walk(dir)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  /** The built stub (make guest-init) replaces the real libcapstone in a running QEMU, which still starts and answers. */
  @Test
  void aQemuGivenTheBuiltStubMapsNoCapstoneAndRuns() throws Exception {
    Path stub = VmMounts.fromEnvironment().resolveSibling(QemuCommandLine.NO_DISASSEMBLER);
    org.junit.jupiter.api.Assertions.assertTrue(java.nio.file.Files.isRegularFile(stub), stub + ": run make guest-init");
    Process qemu = new ProcessBuilder("env", "LD_PRELOAD=" + stub, "qemu-system-x86_64", "-M", "none", "-nodefaults",
        "-display", "none", "-S", "-monitor", "stdio").redirectErrorStream(true).start();
    try {
      // Its monitor answers and it quits cleanly: nothing QEMU runs at start needs the disassembler.
      qemu.getOutputStream().write("info version\nquit\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
      qemu.getOutputStream().flush();
      String maps = "";
      long deadline = System.nanoTime() + 20_000_000_000L;
      while (System.nanoTime() < deadline && qemu.isAlive()) {
        maps = java.nio.file.Files.readString(Path.of("/proc/" + qemu.pid() + "/maps"));
        if (maps.contains(QemuCommandLine.NO_DISASSEMBLER)) {
          break;
        }
        Thread.sleep(20);
      }
      org.junit.jupiter.api.Assertions.assertTrue(maps.contains(QemuCommandLine.NO_DISASSEMBLER), maps);
      org.junit.jupiter.api.Assertions.assertFalse(maps.contains("/libcapstone"), maps);
      String out = new String(qemu.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      org.junit.jupiter.api.Assertions.assertTrue(qemu.waitFor(20, java.util.concurrent.TimeUnit.SECONDS), out);
      assertEquals(0, qemu.exitValue(), out);
      org.junit.jupiter.api.Assertions.assertTrue(out.contains("Debian 1:"), out); // info version answered
    } finally {
      qemu.destroyForcibly();
    }
  }

  /**
   * The built stub's fdt_create: a microvm QEMU's device tree for firmware (etc/fdt, in a 1 MiB buffer)
   * leaves the buffer's fresh pages untouched instead of writing 1 MiB of zeros over them, and the tree is
   * byte for byte the one libfdt makes alone.
   */
  @Test
  void aMicrovmQemuGivenTheBuiltStubHoldsNoMegabyteOfZerosForItsDeviceTree() throws Exception {
    Path stub = VmMounts.fromEnvironment().resolveSibling(QemuCommandLine.NO_DISASSEMBLER);
    org.junit.jupiter.api.Assertions.assertTrue(java.nio.file.Files.isRegularFile(stub), stub + ": run make guest-init");
    DeviceTree without = deviceTreeOf(null);
    DeviceTree with = deviceTreeOf(stub);
    org.junit.jupiter.api.Assertions.assertTrue(without.rssKiB() >= 1024, "libfdt alone: " + without.rssKiB() + " KiB resident");
    org.junit.jupiter.api.Assertions.assertTrue(with.rssKiB() <= 16, "with the stub: " + with.rssKiB() + " KiB resident");
    assertEquals(1 << 20, with.tree().length);
    org.junit.jupiter.api.Assertions.assertArrayEquals(without.tree(), with.tree());
  }

  private record DeviceTree(long rssKiB, byte[] tree) {}

  /**
   * A paused microvm QEMU's device tree: the anonymous mapping whose first bytes after malloc's header hold
   * the FDT magic, its resident size (read before its memory is read) and the tree's totalsize bytes.
   */
  private static DeviceTree deviceTreeOf(Path preload) throws Exception {
    List<String> argv = new java.util.ArrayList<>();
    if (preload != null) {
      argv.addAll(List.of("env", "LD_PRELOAD=" + preload));
    }
    argv.addAll(List.of("qemu-system-x86_64", "-M", "microvm,x-option-roms=off,isa-serial=on,rtc=on", "-accel", "tcg",
        "-m", "128", "-nodefaults", "-no-user-config", "-display", "none", "-S"));
    Process qemu = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    try {
      long deadline = System.nanoTime() + 30_000_000_000L;
      while (System.nanoTime() < deadline && qemu.isAlive()) {
        DeviceTree found = findDeviceTree(qemu.pid());
        if (found != null) {
          return found;
        }
        Thread.sleep(50);
      }
      throw new AssertionError("no device tree found in QEMU (alive: " + qemu.isAlive() + ")");
    } finally {
      qemu.destroyForcibly();
      qemu.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
    }
  }

  private static DeviceTree findDeviceTree(long pid) throws Exception {
    List<String> smaps = java.nio.file.Files.readAllLines(Path.of("/proc/" + pid + "/smaps"));
    try (java.io.RandomAccessFile mem = new java.io.RandomAccessFile("/proc/" + pid + "/mem", "r")) {
      for (int i = 0; i < smaps.size(); i++) {
        String[] head = smaps.get(i).split("\\s+");
        if (!head[0].matches("[0-9a-f]+-[0-9a-f]+") || head.length > 5 || !head[1].startsWith("rw")) {
          continue; // not a mapping's first line, or one of a file, or not writable
        }
        long start = Long.parseUnsignedLong(head[0].split("-")[0], 16);
        long end = Long.parseUnsignedLong(head[0].split("-")[1], 16);
        if (end - start < (1 << 20)) {
          continue;
        }
        long rss = -1;
        for (int j = i + 1; j < smaps.size() && rss < 0; j++) {
          if (smaps.get(j).startsWith("Rss:")) {
            rss = Long.parseLong(smaps.get(j).replaceAll("[^0-9]", ""));
          }
        }
        // malloc's header (16 bytes) starts the chunk, which starts a page; another mapping may have merged with it
        byte[] magic = new byte[8];
        for (long page = start; page < end; page += 4096) {
          mem.seek(page + 16);
          mem.readFully(magic);
          if ((magic[0] & 0xff) == 0xd0 && (magic[1] & 0xff) == 0x0d && (magic[2] & 0xff) == 0xfe
              && (magic[3] & 0xff) == 0xed) {
            byte[] tree = new byte[java.nio.ByteBuffer.wrap(magic, 4, 4).getInt()];
            mem.seek(page + 16);
            mem.readFully(tree);
            return new DeviceTree(rss, tree);
          }
        }
      }
    }
    return null;
  }
}
