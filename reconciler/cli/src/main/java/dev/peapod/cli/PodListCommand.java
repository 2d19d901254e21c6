package dev.peapod.cli;

import dev.peapod.cli.output.HumanUnits;
import dev.peapod.cli.output.Output;
import dev.peapod.cli.output.Table;
import dev.peapod.provider.ContainerSpec;
import dev.peapod.provider.ContainerStatus;
import dev.peapod.provider.PodSpec;
import dev.peapod.provider.PodState;
import dev.peapod.provider.PodStatus;
import dev.peapod.provider.PortForward;
import dev.peapod.provider.RestartPolicy;
import dev.peapod.provider.VmInfo;
import dev.peapod.provider.qemu.QemuProvider;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code peapod ps}: the pods the QEMU provider has in {@code $PEAPOD_HOME/pods} — actual state,
 * not desired state. A running pod's containers are asked from its guest, so this reports what
 * runs, not what was meant to.
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
    try (QemuProvider provider = new QemuProvider(root.environment().qemuConfig())) {
      pods = provider.list();
    }
    if (output.structured()) {
      output.data(pods.stream().map(PodListCommand::data).toList());
      return;
    }
    Instant now = root.environment().clock().instant();
    Table table = new Table("NAME", "STATE", "CONTAINERS", "AGE", "PORTS", "BOOT");
    for (PodStatus pod : pods) {
      table.row(pod.name(), stateText(pod.state()), containersText(pod), HumanUnits.age(pod.createdAt(), now),
          pod.spec().ports().stream().map(PodListCommand::portText).collect(Collectors.joining(",")),
          pod.state() == PodState.RUNNING ? pod.vm().map(PodListCommand::bootText).orElse("") : "");
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

  /** As docker ps shows a forward: {@code 127.0.0.1:8080->80/tcp}. */
  private static String portText(PortForward port) {
    return port.hostIp() + ":" + port.hostPort() + "->" + port.containerPort() + "/"
        + port.protocol().name().toLowerCase(Locale.ROOT);
  }

  /** A pod as {@code ps -o json} shows it; also the result of the pod commands with {@code -o json}. */
  public static Map<String, Object> data(PodStatus pod) {
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("name", pod.name());
    data.put("state", pod.state().name());
    data.put("createdAt", pod.createdAt().toString());
    data.put("containers", pod.containers().stream().map(c -> containerData(pod.spec(), c)).toList());
    data.put("ports", pod.spec().ports().stream().map(PodListCommand::portText).toList());
    data.put("vcpus", pod.spec().vm().vcpus());
    data.put("memoryMiB", pod.spec().vm().memoryMiB());
    data.put("vm", pod.vm().map(PodListCommand::vmData).orElse(null));
    data.put("message", pod.message());
    return data;
  }

  private static Map<String, Object> containerData(PodSpec spec, ContainerStatus container) {
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("name", container.name());
    data.put("kind", kind(spec, container.name()));
    data.put("state", container.state().name());
    data.put("restarts", container.restarts());
    data.put("exitCode", container.exitCode().isPresent() ? container.exitCode().getAsInt() : null);
    data.put("image", container.imageId());
    return data;
  }

  /** {@code init} (runs to completion first), {@code sidecar} (an init container that keeps running) or {@code app}. */
  private static String kind(PodSpec spec, String container) {
    return spec.initContainers().stream().filter(c -> c.name().equals(container)).findFirst()
        .map(c -> c.restartPolicy() == RestartPolicy.ALWAYS ? "sidecar" : "init")
        .orElse("app");
  }

  /** How long the VM took to come up, and whether it booted cold or from a template VM. */
  static String bootText(VmInfo vm) {
    return HumanUnits.duration(vm.bootTime()) + (vm.boot().startsWith("restored") ? " template" : " cold");
  }

  private static Map<String, Object> vmData(VmInfo vm) {
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("bootId", vm.bootId());
    data.put("pid", vm.pid());
    data.put("accelerator", vm.accelerator());
    data.put("startedAt", vm.startedAt().toString());
    data.put("bootMillis", vm.bootTime().toMillis());
    data.put("boot", vm.boot());
    return data;
  }
}
