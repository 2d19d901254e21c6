package dev.peapod.cli.pod;

import dev.peapod.cli.PeapodCommand;
import dev.peapod.cli.PodListCommand;
import dev.peapod.provider.ContainerSpec;
import dev.peapod.provider.PodSpec;
import dev.peapod.provider.PodStatus;
import dev.peapod.provider.qemu.QemuProvider;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code peapod inspect NAME}: the pod's actual state as JSON ({@code -o yaml} for YAML): what
 * {@code ps -o json} shows, plus the resolved spec it runs (final argv, env, images, volumes).
 */
@Command(name = "inspect", description = "Show a pod's state and resolved spec as JSON (or -o yaml).")
public final class PodInspectCommand implements Runnable {

  @Spec
  CommandSpec spec;

  @Parameters(paramLabel = "NAME", description = "The pod.")
  String name;

  @Override
  public void run() {
    PeapodCommand root = PeapodCommand.of(spec);
    PodStatus status;
    try (QemuProvider provider = PodCommands.provider(root)) {
      status = PodCommands.require(provider, name);
    }
    root.output(spec).data(data(status));
  }

  static Map<String, Object> data(PodStatus status) {
    Map<String, Object> data = PodListCommand.data(status);
    data.put("spec", spec(status.spec()));
    return data;
  }

  static Map<String, Object> spec(PodSpec spec) {
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("hostname", spec.hostname());
    Map<String, Object> dns = new LinkedHashMap<>();
    dns.put("nameservers", spec.dns().nameservers());
    dns.put("searches", spec.dns().searches());
    dns.put("options", spec.dns().options());
    data.put("dns", dns);
    data.put("extraHosts", spec.extraHosts());
    Map<String, Object> vm = new LinkedHashMap<>();
    vm.put("vcpus", spec.vm().vcpus());
    vm.put("memoryMiB", spec.vm().memoryMiB());
    vm.put("kernel", spec.vm().kernel().map(Object::toString).orElse(null));
    data.put("vm", vm);
    data.put("initContainers", spec.initContainers().stream().map(PodInspectCommand::container).toList());
    data.put("containers", spec.containers().stream().map(PodInspectCommand::container).toList());
    data.put("volumes", spec.volumes().stream().map(v -> {
      Map<String, Object> volume = new LinkedHashMap<>();
      volume.put("name", v.name());
      volume.put("sizeLimitBytes", v.sizeLimitBytes());
      return volume;
    }).toList());
    data.put("terminationGracePeriodSeconds", spec.terminationGracePeriod().toSeconds());
    return data;
  }

  private static Map<String, Object> container(ContainerSpec container) {
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("name", container.name());
    data.put("image", container.image().id());
    data.put("rootfs", container.image().path().toString());
    data.put("command", container.command());
    data.put("env", container.env());
    data.put("workingDir", container.workingDir());
    data.put("user", container.user());
    data.put("restartPolicy", container.restartPolicy().name());
    data.put("mounts", container.mounts().stream().map(m -> {
      Map<String, Object> mount = new LinkedHashMap<>();
      mount.put("volume", m.volume());
      mount.put("mountPath", m.mountPath());
      mount.put("readOnly", m.readOnly());
      mount.put("subPath", m.subPath());
      return mount;
    }).toList());
    return data;
  }
}
