package dev.peapod.provider.qemu;

import dev.peapod.provider.ContainerSpec;
import dev.peapod.provider.PodSpec;
import dev.peapod.provider.VolumeSpec;
import dev.peapod.provider.qemu.runtime.VmRecord;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Whether a running VM can take a new pod spec by replace, or the change
 * needs a new VM. QEMU fixes at launch: vcpus, memory, the kernel, and the
 * set of 9p devices, hence the hostPath volumes. Everything else replace does in the same VM: new images come
 * in through the VM's 9p image share, and host port forwards change over QMP.
 * A VM started before image shares existed still needs its images at launch.
 */
final class VmCompatibility {

  private VmCompatibility() {}

  /** Why {@code spec} needs a new VM, phrased to follow "needs a new VM: ", or empty if replace can do it. */
  static Optional<String> recreateReason(VmRecord vm, PodSpec spec, Path kernel, Path hostFiles) {
    return recreateReason(vm, spec, kernel, HostShares.of(spec, hostFiles));
  }

  static Optional<String> recreateReason(VmRecord vm, PodSpec spec, Path kernel, List<HostShare> hostShares) {
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
    Optional<String> hostPaths = hostShareChange(vm.hostShares(), hostShares);
    if (hostPaths.isPresent()) {
      return hostPaths;
    }
    if (vm.imageShare() == null) {
      for (ContainerSpec c : spec.allContainers()) {
        if (vm.serialOf(c.image().id()).isEmpty()) {
          return Optional.of("image " + c.image().id() + " of container \"" + c.name()
              + "\" is not attached to the running VM, which has no image share (started by an older Peapod)");
        }
      }
      for (VolumeSpec v : spec.volumes()) {
        if (v.image() != null && vm.serialOf(v.image().id()).isEmpty()) {
          return Optional.of("image " + v.image().id() + " of volume \"" + v.name()
              + "\" is not attached to the running VM, which has no image share (started by an older Peapod)");
        }
      }
    }
    return Optional.empty();
  }

  private static Optional<String> hostShareChange(List<HostShare> running, List<HostShare> wanted) {
    Map<String, HostShare> before = running.stream().collect(Collectors.toMap(HostShare::volume, Function.identity()));
    Map<String, HostShare> after = wanted.stream().collect(Collectors.toMap(HostShare::volume, Function.identity()));
    for (HostShare w : wanted) {
      HostShare r = before.get(w.volume());
      if (r == null) {
        return Optional.of("hostPath volume \"" + w.volume() + "\" (" + w.hostPath() + ") is added");
      }
      String difference = w.differenceFrom(r);
      if (difference != null) {
        return Optional.of(difference);
      }
    }
    for (HostShare r : running) {
      if (!after.containsKey(r.volume())) {
        return Optional.of("hostPath volume \"" + r.volume() + "\" (" + r.hostPath() + ") is removed");
      }
    }
    return Optional.empty();
  }
}
