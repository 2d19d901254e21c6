package dev.peapod.cli.pod;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.peapod.provider.ContainerSpec;
import dev.peapod.provider.HostPath;
import dev.peapod.provider.ImageRootfs;
import dev.peapod.provider.PodSpec;
import dev.peapod.provider.VolumeSpec;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PodInspectSpecTest {

  /** A hostPath volume shows the tree it shares, not the mount point a VM user's QEMU names on its command line. */
  @Test
  void aHostPathVolumeShowsTheUsersPath() {
    PodSpec spec = PodSpec.of("web", List.of(ContainerSpec.of("app", new ImageRootfs("sha256:a", Path.of("/a.erofs")),
        List.of("true")))).withVolumes(List.of(VolumeSpec.hostPath("data",
            new HostPath(Path.of("/srv/data"), HostPath.Type.DIRECTORY))));
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> volumes = (List<Map<String, Object>>) PodInspectCommand.spec(spec).get("volumes");
    assertEquals("/srv/data", volumes.get(0).get("hostPath"));
    assertEquals("Directory", volumes.get(0).get("type"));
  }
}
