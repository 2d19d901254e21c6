package dev.peapod.engine;

import dev.peapod.provider.ContainerStatus;
import dev.peapod.provider.PodSpec;
import dev.peapod.provider.PodStatus;
import dev.peapod.provider.PortForward;
import dev.peapod.provider.RestartPolicy;
import dev.peapod.provider.VmInfo;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A pod as data: what {@code peapod ps -o json} prints and what the controller's API returns, so
 * scripts see one shape whichever they ask.
 */
public final class PodView {
  private PodView() {}

  /** The pod; {@code owner} is the source that owns it ({@code cli}, {@code dir:...}), left out when null. */
  public static Map<String, Object> data(PodStatus pod, String owner) {
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("name", pod.name());
    data.put("state", pod.state().name());
    data.put("ready", PodReadiness.ready(pod));
    if (owner != null) {
      data.put("owner", owner);
    }
    data.put("createdAt", pod.createdAt().toString());
    data.put("containers", pod.containers().stream().map(c -> containerData(pod.spec(), c)).toList());
    data.put("ports", pod.spec().ports().stream().map(PodView::portText).toList());
    data.put("vcpus", pod.spec().vm().vcpus());
    data.put("memoryMiB", pod.spec().vm().memoryMiB());
    data.put("vm", pod.vm().map(PodView::vmData).orElse(null));
    data.put("message", pod.message());
    return data;
  }

  /** As docker ps shows a forward: {@code 127.0.0.1:8080->80/tcp}. */
  public static String portText(PortForward port) {
    return port.hostIp() + ":" + port.hostPort() + "->" + port.containerPort() + "/"
        + port.protocol().name().toLowerCase(Locale.ROOT);
  }

  private static Map<String, Object> containerData(PodSpec spec, ContainerStatus container) {
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("name", container.name());
    data.put("kind", kind(spec, container.name()));
    data.put("state", container.state().name());
    data.put("ready", container.state() == ContainerStatus.ContainerState.RUNNING && container.ready());
    data.put("started", container.state() == ContainerStatus.ContainerState.RUNNING && container.started());
    data.put("restarts", container.restarts());
    data.put("exitCode", container.exitCode().isPresent() ? container.exitCode().getAsInt() : null);
    data.put("image", container.imageId());
    // The last probe or hook failure, as kubectl describe's events would tell it; null when none.
    data.put("probeMessage", container.probeMessage().isEmpty() ? null : container.probeMessage());
    return data;
  }

  /** {@code init} (runs to completion first), {@code sidecar} (an init container that keeps running) or {@code app}. */
  private static String kind(PodSpec spec, String container) {
    return spec.initContainers().stream().filter(c -> c.name().equals(container)).findFirst()
        .map(c -> c.restartPolicy() == RestartPolicy.ALWAYS ? "sidecar" : "init")
        .orElse("app");
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
