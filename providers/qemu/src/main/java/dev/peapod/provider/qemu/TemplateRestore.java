package dev.peapod.provider.qemu;

import dev.peapod.provider.qemu.qmp.QmpClient;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;

/**
 * Launches a VM from a template: maps the template's RAM (see {@link TemplateRam}: copy on write
 * from one ramfs copy shared by all VMs of the template, or a copy of its own where there is no
 * ramfs) and feeds QEMU the saved device state with {@code migrate-incoming}.
 */
final class TemplateRestore {

  private static final System.Logger LOG = System.getLogger(TemplateRestore.class.getName());

  /**
   * A VM restored from a template and running.
   *
   * @param ram how its RAM is backed: a guest whose RAM maps the template's privately is told to
   *     stop reporting free pages (see {@link TemplateRam})
   */
  record Restored(QemuProcess process, GuestRam ram) {}

  /** Why a restore did not give a running VM; the caller boots cold instead. */
  static final class RestoreException extends RuntimeException {
    private final boolean templateBroken;

    RestoreException(String message, Throwable cause) {
      this(message, cause, false);
    }

    RestoreException(String message, Throwable cause, boolean templateBroken) {
      super(message, cause);
      this.templateBroken = templateBroken;
    }

    /**
     * Whether the template is to blame for certain: QEMU refused its state (the migration failed,
     * or QEMU exited by itself). Otherwise (a timeout, a QEMU killed by a signal) the host's load
     * may be, and the template is only suspected (see {@link TemplateCatalogue#suspect}).
     */
    boolean templateBroken() {
      return templateBroken;
    }
  }

  private final QemuCommandLine commandLine;
  private final TemplateRam ram;

  TemplateRestore(QemuCommandLine commandLine, TemplateRam ram) {
    this.commandLine = commandLine;
    this.ram = ram;
  }

  /**
   * Launches QEMU for {@code vm} from {@code template} and waits until the restored guest
   * runs. The caller connects, sends RESTORED and kills the VM if that fails.
   *
   * @throws RestoreException when the template cannot be used; the VM is gone then
   */
  Restored launch(Template template, VmDefinition vm) {
    QemuProcess process = null;
    String marker = VmDefinition.commandLineMarker(vm.name());
    try {
      long t0 = System.nanoTime();
      GuestRam guestRam = ram.prepare(template, vm.user());
      long t1 = System.nanoTime();
      try {
        process = QemuProcess.launch(commandLine.argv(vm.withRam(guestRam)), vm.files(), vm.user());
      } catch (VmLaunchException e) {
        if (!guestRam.sealed() || !String.valueOf(e.getMessage()).contains(QemuCommandLine.HOLDER_GONE)) {
          throw e;
        }
        // The memfd's holder was stopped between prepare and launch (another home's sweep): the template is
        // fine, so prepare again (a new holder) rather than have the caller discard it.
        LOG.log(System.Logger.Level.INFO, "VM " + vm.name() + ": " + e.getMessage() + "; preparing its RAM again");
        guestRam = ram.prepare(template, vm.user());
        process = QemuProcess.launch(commandLine.argv(vm.withRam(guestRam)), vm.files(), vm.user());
      } finally {
        ram.launched(guestRam);
      }
      try (QmpClient qmp = QmpClient.connect(vm.files().qmpSocket(),
          dev.peapod.provider.qemu.runtime.HostLoad.scale(MigrationStream.TIMEOUT))) {
        if (vm.network()) {
          holdBackPackets(qmp);
        }
        MigrationStream.ignoreSharedRam(qmp);
        MigrationStream.load(qmp, vm.qemuFiles().dir().resolve("migrate.sock"), template.state());
        String status = qmp.status();
        if (!"running".equals(status)) {
          throw new RestoreException("the restored VM is " + status + ", not running", null);
        }
      }
      String took = String.format("VM %s: RAM (%s) ready in %d ms, QEMU set up in %d ms, running after %d ms",
          vm.name(), guestRam.privateMapping() ? "shared, copy on write" : "copied", (t1 - t0) / 1_000_000,
          Duration.between(process.launchedAt(), process.daemonizedAt()).toMillis(),
          (System.nanoTime() - t0) / 1_000_000);
      LOG.log(System.Logger.Level.DEBUG, took);
      return new Restored(process, guestRam);
    } catch (IOException | RuntimeException e) {
      if (e instanceof RestoreException r) {
        if (process != null) {
          process.kill(marker, Duration.ofSeconds(5));
        }
        throw r;
      }
      // A QEMU that refused the state may still be exiting when its sockets close.
      Optional<String> end = process == null ? Optional.empty() : process.end(Duration.ofSeconds(2));
      if (process != null) {
        process.kill(marker, Duration.ofSeconds(5));
      }
      String message = e.getMessage() + end.map(how -> " (QEMU " + how + ")").orElse("");
      throw new RestoreException(message, e, refused(e, end));
    }
  }

  /**
   * Whether a failed restore says the template is bad: QEMU reported the migration failed, or
   * exited by itself (status 1: it refused the state; 0: the guest crashed and asked to reboot).
   * A QEMU killed by a signal, or one that did not answer in time, says nothing about the template.
   */
  static boolean refused(Throwable e, Optional<String> end) {
    if (e instanceof dev.peapod.provider.qemu.qmp.QmpException && e.getMessage() != null
        && e.getMessage().startsWith("migration failed")) {
      return true;
    }
    return end.map(how -> how.startsWith("exited")).orElse(false);
  }

  /**
   * Has QEMU drop what the NIC sends until passt connects. QEMU 7.2's stream netdev marks its
   * link down only once its listening socket is set up, a step it finishes asynchronously; until
   * then a packet is written to a connection that does not exist, and QEMU dies on a null
   * channel ({@code object_get_class} in {@code qio_channel_writev}). A restore sends packets at
   * once: the self-announcement QEMU queues when an incoming migration completes is flushed as the
   * VM starts, which under load came before the listener was ready (seen as "QEMU closed the QMP
   * connection" and a cold boot instead, a few restores in ten). Marking the backend's link down
   * first closes that window; passt's connection brings it up (QEMU sets it on accept). The NIC's
   * own link, which this also takes down, comes back with the migrated device state.
   */
  private static void holdBackPackets(QmpClient qmp) {
    qmp.execute("set_link", com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode()
        .put("name", PodVm.NETDEV).put("up", false));
  }
}
