package dev.peapod.provider.qemu;

import dev.peapod.provider.ContainerSpec;
import dev.peapod.provider.PodSpec;
import dev.peapod.provider.PortForward;
import dev.peapod.provider.qemu.runtime.VmRecord;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Optional;

/**
 * Whether a running VM can take a new pod spec by replace, or the change
 * needs a new VM: QEMU fixes vcpus, memory, kernel, host port forwards and
 * the set of block devices at launch.
 */
final class VmCompatibility {

  private VmCompatibility() {}

  /** Why {@code spec} needs a new VM, phrased to follow "needs a new VM: ", or empty if replace can do it. */
  static Optional<String> recreateReason(VmRecord vm, PodSpec spec, Path kernel) {
    if (vm.resources().vcpus() != spec.vm().vcpus()) {
      return Optional.of("vcpus change from " + vm.resources().vcpus() + " to " + spec.vm().vcpus());
    }
    if (vm.resources().memoryMiB() != spec.vm().memoryMiB()) {
      return Optional.of("memory changes from " + vm.resources().memoryMiB() + " MiB to "
          + spec.vm().memoryMiB() + " MiB");
    }
    if (!vm.kernel().equals(kernel)) {
      return Optional.of("kernel changes from " + vm.kernel() + " to " + kernel);
    }
    if (!new HashSet<PortForward>(vm.ports()).equals(new HashSet<>(spec.ports()))) {
      return Optional.of("port forwards change from " + describe(vm.ports()) + " to " + describe(spec.ports()));
    }
    for (ContainerSpec c : spec.allContainers()) {
      if (vm.serialOf(c.image().id()).isEmpty()) {
        return Optional.of("image " + c.image().id() + " of container \"" + c.name()
            + "\" is not attached to the running VM");
      }
    }
    return Optional.empty();
  }

  private static String describe(java.util.List<PortForward> ports) {
    return ports.isEmpty() ? "none" : ports.stream()
        .map(p -> p.hostIp() + ":" + p.hostPort() + "->" + p.containerPort() + "/" + p.protocol().name().toLowerCase())
        .toList().toString();
  }
}
