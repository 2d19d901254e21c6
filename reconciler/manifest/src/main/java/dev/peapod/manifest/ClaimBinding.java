package dev.peapod.manifest;

import dev.peapod.manifest.model.ClaimDecl;
import dev.peapod.manifest.model.PodManifest;
import dev.peapod.manifest.model.VolumeDecl;
import dev.peapod.manifest.model.VolumeSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Binds each pod's {@code persistentVolumeClaim} volumes to the claim documents of the same source
 * with the same namespace and name, as a cluster binds a pod to its namespace's claims. A claim
 * without a document is still a claim: its directory is made on first use, with no size.
 */
public final class ClaimBinding {
  private ClaimBinding() {}

  public static List<PodManifest> bind(List<PodManifest> pods, List<ClaimDecl> claims) {
    if (claims.isEmpty()) {
      return pods;
    }
    Map<String, ClaimDecl> byKey = new HashMap<>();
    claims.forEach(c -> byKey.putIfAbsent(c.namespace() + "/" + c.name(), c));
    List<PodManifest> out = new ArrayList<>();
    for (PodManifest pod : pods) {
      String namespace = namespaceOf(pod);
      boolean changed = false;
      List<VolumeDecl> volumes = new ArrayList<>();
      for (VolumeDecl volume : pod.spec().volumes()) {
        if (volume.source() instanceof VolumeSource.PersistentVolumeClaim claim
            && byKey.containsKey(namespace + "/" + claim.claimName())) {
          volumes.add(new VolumeDecl(volume.name(), new VolumeSource.PersistentVolumeClaim(
              claim.claimName(), claim.readOnly(),
              java.util.Optional.of(byKey.get(namespace + "/" + claim.claimName())))));
          changed = true;
        } else {
          volumes.add(volume);
        }
      }
      out.add(changed
          ? new PodManifest(pod.origin(), pod.metadata(), pod.spec().withVolumes(volumes), pod.inputs())
          : pod);
    }
    return out;
  }

  /**
   * The namespace a pod's document names ({@code metadata.namespace}), {@code default} when it
   * names none: claims are looked up, and their directories kept, per namespace.
   */
  public static String namespaceOf(PodManifest pod) {
    return pod.metadata().effectiveNamespace();
  }
}
