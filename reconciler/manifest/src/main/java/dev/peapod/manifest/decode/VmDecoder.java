package dev.peapod.manifest.decode;

import dev.peapod.manifest.model.Accel;
import dev.peapod.manifest.model.ContainerDecl;
import dev.peapod.manifest.model.Quantity;
import dev.peapod.manifest.model.VmSettings;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** {@code spec.vm}, with what it leaves out sized by {@link VmSizing} (pod-level resources first). */
final class VmDecoder {
  private VmDecoder() {}

  /** x86 guests without x2APIC address at most 255 CPUs. */
  static final long MAX_VCPUS = 255;
  /** The kernel's own bound on tasks (PID_MAX_LIMIT on 64-bit). */
  static final long MAX_PIDS = 4L * 1024 * 1024;
  private static final Map<String, Accel> ACCELS = ContainerDecoder.enumMap(Accel.values());

  static VmSettings decode(Optional<MapReader> vm, List<ContainerDecl> init, List<ContainerDecl> app,
      PodResources.Decoded pod) {
    Optional<Integer> vcpus = Optional.empty();
    Optional<Quantity> memory = Optional.empty();
    Optional<String> kernel = Optional.empty();
    Accel accel = Accel.AUTO;
    Optional<Long> pids = Optional.empty();
    if (vm.isPresent()) {
      MapReader r = vm.get();
      vcpus = r.integer("vcpus", 1, MAX_VCPUS).map(Long::intValue);
      memory = r.quantity("memory");
      if (memory.isPresent() && memory.get().compareTo(VmSettings.MIN_MEMORY) < 0) {
        r.problems().error(r.peek("memory").orElseThrow(), r.path("memory"),
            "must be at least " + VmSettings.MIN_MEMORY + ", got " + memory.get());
      }
      kernel = r.string("kernel");
      kernel.flatMap(NameRules::absolutePath).ifPresent(
          m -> r.problems().error(r.peek("kernel").orElseThrow(), r.path("kernel"), m));
      accel = r.choice("accel", ACCELS).orElse(Accel.AUTO);
      pids = r.integer("pids", 1, MAX_PIDS);
      r.finish();
    }
    return new VmSettings(
        vcpus.orElseGet(() -> VmSizing.vcpus(init, app, pod.resources())),
        memory.orElseGet(() -> VmSizing.memory(init, app, pod.resources())),
        kernel, accel, pids.orElse(pod.pidsMax()));
  }
}
