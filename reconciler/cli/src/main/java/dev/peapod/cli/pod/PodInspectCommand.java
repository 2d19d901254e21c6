package dev.peapod.cli.pod;

import dev.peapod.apply.AppliedRecordStore;
import dev.peapod.cli.PeapodCommand;
import dev.peapod.cli.output.Output;
import dev.peapod.cli.output.OutputFormat;
import dev.peapod.manifest.canonical.ManifestDocument;
import dev.peapod.provider.PodState;
import java.util.Optional;
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
 * {@code peapod inspect NAME}: the pod's actual state as JSON: what {@code ps -o json} shows, plus the
 * resolved spec it runs (final argv, env, images, volumes).
 *
 * <p>{@code -o yaml} prints the pod as a PeaPod manifest, as {@code kubectl get -o yaml} does: {@code
 * apiVersion}, {@code kind}, {@code metadata} and {@code spec} from the manifest last applied to it
 * (its applied record), {@code spec.state: Created} when it is not running, and under {@code status}
 * what the JSON shows. Saved to a file, it applies back with no changes (status is ignored by the
 * parser). A pod Peapod has no record of (made through the provider alone) has no manifest to print,
 * and gets the JSON's fields as YAML.
 */
@Command(name = "inspect", description = "Show a pod's state and resolved spec as JSON, or (-o yaml) as a PeaPod"
    + " manifest with its status.")
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
    Output output = root.output(spec);
    Map<String, Object> data = data(status);
    Optional<Map<String, Object>> manifest = output.format() == OutputFormat.yaml
        ? manifest(root, status) : Optional.empty();
    manifest.ifPresentOrElse(m -> {
      m.put("status", data);
      output.data(m);
    }, () -> output.data(data));
  }

  /**
   * The pod's applied manifest as a PeaPod document, if Peapod recorded one. Its inline files (a
   * HyperContainer pod's {@code hyperd-files}) get their bytes from the pod's spec, where the
   * provider keeps them (the record has their digests only); a Secret's never are there.
   */
  private static Optional<Map<String, Object>> manifest(PeapodCommand root, PodStatus status) {
    return AppliedRecordStore.in(root.environment().home()).read(status.name())
        .filter(record -> record.spec() != null)
        .map(record -> ManifestDocument.withFileContents(
            ManifestDocument.of(record.spec(), status.state() == PodState.CREATED),
            (volume, path) -> status.spec().volumes().stream().filter(v -> v.name().equals(volume))
                .flatMap(v -> v.files().stream()).flatMap(files -> files.files().stream())
                .filter(f -> f.path().equals(path) && f.secret() == null).map(f -> f.content()).findFirst()));
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
      // A volume of files by path, mode and size, never its bytes (they may be a Secret's).
      v.files().ifPresent(files -> {
        volume.put("files", files.files().stream().map(f -> {
          Map<String, Object> file = new LinkedHashMap<>();
          file.put("path", f.path());
          file.put("mode", String.format("%04o", f.mode()));
          file.put("bytes", f.size());
          return file;
        }).toList());
        volume.put("digest", files.digest());
      });
      if (v.mode() != null) {
        volume.put("mode", String.format("%04o", v.mode()));
      }
      v.imageRootfs().ifPresent(image -> {
        volume.put("image", image.id());
        volume.put("rootfs", image.path().toString());
      });
      if (v.hostPath() != null) {
        // The tree itself, as the manifest's path resolved when it was read: a VM user's QEMU names only
        // the empty directory it is mounted on in QEMU's own mount namespace (/run/peapod/vm/UID/h/N).
        volume.put("hostPath", v.hostPath().path().toString());
        volume.put("type", v.hostPath().type().manifestName());
      }
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
    if (!container.secretEnv().isEmpty()) {
      // Where each value comes from; the values themselves are only inside the VM.
      Map<String, Object> secrets = new LinkedHashMap<>();
      container.secretEnv().forEach((variable, key) -> secrets.put(variable,
          Map.of("namespace", key.namespace(), "name", key.name(), "key", key.key())));
      data.put("secretEnv", secrets);
    }
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
