package dev.peapod.cli;

import dev.peapod.cli.output.HumanUnits;
import dev.peapod.cli.output.Output;
import dev.peapod.apply.AppliedRecordStore;
import dev.peapod.cli.output.Table;
import dev.peapod.engine.PodReadiness;
import dev.peapod.engine.PodView;
import dev.peapod.plan.AppliedRecord;
import dev.peapod.provider.ContainerSpec;
import dev.peapod.provider.ContainerStatus;
import dev.peapod.provider.PodState;
import dev.peapod.provider.PodStatus;
import dev.peapod.provider.RestartPolicy;
import dev.peapod.provider.VmInfo;
import dev.peapod.provider.qemu.QemuProvider;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code peapod ps}: the pods the QEMU provider has in {@code $PEAPOD_HOME/pods} — actual state,
 * not desired state. A running pod's containers are asked from its guest, so this reports what
 * runs, not what was meant to. VMs whose pod directory was deleted by hand are warned about on stderr.
 */
@Command(name = "ps", aliases = "list", description = "List pods and their VMs.")
public final class PodListCommand implements Runnable {

  @Spec
  CommandSpec spec;

  @Override
  public void run() {
    PeapodCommand root = PeapodCommand.of(spec);
    Output output = root.output(spec);
    List<PodStatus> pods;
    List<String> strays;
    try (QemuProvider provider = new QemuProvider(root.environment().qemuConfig())) {
      pods = provider.list();
      strays = provider.strays(); // VMs no pod directory accounts for: no other command would ever see them
    }
    strays.forEach(output::warning);
    Map<String, AppliedRecord> records = AppliedRecordStore.in(root.environment().home()).readAll();
    Function<String, String> owner = pod -> Optional.ofNullable(records.get(pod)).map(AppliedRecord::managedBy)
        .orElse(null);
    if (output.structured()) {
      output.data(pods.stream().map(p -> {
        Map<String, Object> data = PodView.data(p, null);
        data.put("owner", owner.apply(p.name())); // null for a pod Peapod has no record of
        return data;
      }).toList());
      return;
    }
    Instant now = root.environment().clock().instant();
    Table table = new Table("NAME", "STATE", "READY", "CONTAINERS", "AGE", "PORTS", "BOOT", "OWNER");
    for (PodStatus pod : pods) {
      table.row(pod.name(), stateText(pod.state()), PodReadiness.text(pod), containersText(pod), HumanUnits.age(pod.createdAt(), now),
          pod.spec().ports().stream().map(PodView::portText).collect(Collectors.joining(",")),
          pod.state() == PodState.RUNNING ? pod.vm().map(PodListCommand::bootText).orElse("") : "",
          Optional.ofNullable(owner.apply(pod.name())).orElse("-"));
    }
    output.table(table);
  }

  public static String stateText(PodState state) {
    return switch (state) {
      case CREATED -> "Created";
      case RUNNING -> "Running";
      case VM_GONE -> "VM gone";
    };
  }

  /**
   * Running containers out of those meant to keep running (app containers and sidecars), as
   * kubectl's READY column: {@code 1/2}. Init containers that ran to completion are not counted;
   * while one still runs or after one failed, it is named: {@code 0/1 (init migrate)}.
   */
  static String containersText(PodStatus pod) {
    List<String> lasting = Stream.concat(
        pod.spec().initContainers().stream().filter(c -> c.restartPolicy() == RestartPolicy.ALWAYS),
        pod.spec().containers().stream()).map(ContainerSpec::name).toList();
    long running = pod.containers().stream()
        .filter(c -> lasting.contains(c.name()) && c.state() == ContainerStatus.ContainerState.RUNNING).count();
    String text = running + "/" + lasting.size();
    if (pod.state() != PodState.RUNNING) {
      return text;
    }
    // An init container not yet exited 0 holds the pod back: show which one.
    return pod.spec().initContainers().stream()
        .filter(c -> c.restartPolicy() != RestartPolicy.ALWAYS)
        .filter(c -> pod.container(c.name()).map(s -> s.state() != ContainerStatus.ContainerState.EXITED
            || s.exitCode().orElse(0) != 0).orElse(true))
        .findFirst()
        .map(c -> text + " (init " + c.name() + ")")
        .orElse(text);
  }

  /** A pod as {@code ps -o json} shows it; also the result of the pod commands with {@code -o json}. */
  public static Map<String, Object> data(PodStatus pod) {
    return PodView.data(pod, null);
  }

  /** How long the VM took to come up, and whether it booted cold, from a template VM or came from the warm pool. */
  static String bootText(VmInfo vm) {
    return HumanUnits.duration(vm.bootTime()) + " " + vm.kind();
  }
}
