package dev.peapod.manifest.decode;

import dev.peapod.manifest.model.ContainerDecl;
import dev.peapod.manifest.model.DesiredState;
import dev.peapod.manifest.model.ManifestSpec;
import dev.peapod.manifest.model.Placement;
import dev.peapod.manifest.model.RestartPolicy;
import dev.peapod.manifest.model.VmSettings;
import dev.peapod.manifest.model.VolumeDecl;
import dev.peapod.manifest.source.SourceNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Decodes the {@code spec} of a PeaPod or a Kubernetes Pod. */
final class SpecDecoder {
  private SpecDecoder() {}

  static final Map<String, RestartPolicy> RESTART_POLICIES =
      ContainerDecoder.enumMap(RestartPolicy.values());
  private static final Map<String, DesiredState> STATES =
      ContainerDecoder.enumMap(DesiredState.values());

  static ManifestSpec decode(MapReader r, String podName) {
    PodSites sites = new PodSites();
    List<VolumeDecl> volumes = new ArrayList<>();
    r.objects("volumes", Shapes.VOLUME).forEach(v -> volumes.add(VolumeDecoder.decode(v, sites)));
    SecurityContexts.PodLevel podSecurity = r.object("securityContext", Shapes.POD_SECURITY_CONTEXT)
        .map(SecurityContexts::pod).orElse(SecurityContexts.PodLevel.NONE);
    ContainerDecoder containerDecoder = new ContainerDecoder(sites, podSecurity);
    List<ContainerDecl> init = new ArrayList<>();
    r.objects("initContainers", Shapes.CONTAINER).forEach(c -> init.add(containerDecoder.decode(c, true)));
    List<ContainerDecl> containers = new ArrayList<>();
    r.objects("containers", Shapes.CONTAINER).forEach(c -> containers.add(containerDecoder.decode(c, false)));
    if (containers.isEmpty()) {
      SourceNode at = r.peek("containers").orElse(null);
      r.problems().error(at == null ? r.position() : at.position(), r.path("containers"),
          "at least one container is required");
    }
    PodNetworkDecoder network = PodNetworkDecoder.decode(r, podName);
    long grace = r.integer("terminationGracePeriodSeconds", 0, Long.MAX_VALUE)
        .orElse(ManifestSpec.DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS);
    RestartPolicy restartPolicy = r.choice("restartPolicy", RESTART_POLICIES).orElse(RestartPolicy.ALWAYS);
    checkKubernetesDefaults(r);
    Placement placement = ClusterFieldsDecoder.decode(r);
    List<String> pullSecrets = new ArrayList<>();
    r.objects("imagePullSecrets", Shapes.LOCAL_OBJECT_REFERENCE).forEach(ref -> {
      String name = ref.requiredString("name");
      if (!name.isEmpty()) {
        NameRules.dns1123Subdomain(name).ifPresent(msg -> ref.problems().error(ref.peek("name").orElseThrow(),
            ref.path("name"), msg));
        pullSecrets.add(name);
      }
      ref.finish();
    });
    PodResources.Decoded podResources = PodResources.decode(r, init, containers);
    VmSettings vm = vm(r, init, containers, podResources);
    DesiredState state = isPeaPod(r) ? r.choice("state", STATES).orElse(DesiredState.RUNNING)
        : DesiredState.RUNNING;
    r.finish();
    PodChecks.check(sites, r.problems());
    return new ManifestSpec(init, containers, volumes, network.hostname(), network.dns(),
        network.hostAliases(), grace, restartPolicy, vm, state).withPlacement(placement)
        .withSecurity(podSecurity.pod()).withImagePullSecrets(pullSecrets);
  }

  private static boolean isPeaPod(MapReader r) {
    return r.shapeAccepts("state");
  }

  private static VmSettings vm(MapReader r, List<ContainerDecl> init, List<ContainerDecl> app,
      PodResources.Decoded podResources) {
    Optional<MapReader> vm = isPeaPod(r) ? r.object("vm", Shapes.VM) : Optional.empty();
    return VmDecoder.decode(vm, init, app, podResources);
  }

  /**
   * PodSpec fields whose Kubernetes default is what Peapod always does: accepted at that value,
   * rejected otherwise.
   */
  private static void checkKubernetesDefaults(MapReader r) {
    if (!r.bool("shareProcessNamespace").orElse(true)) {
      r.problems().error(r.peek("shareProcessNamespace").orElseThrow(), r.path("shareProcessNamespace"),
          "Peapod containers always share the pod's PID namespace");
    }
    // hostUsers: either value is what the VM gives: a container's users are the VM's, never the
    // host's (false asks for exactly that), and the VM has no user namespace of the host to share.
    r.bool("hostUsers");
  }
}
