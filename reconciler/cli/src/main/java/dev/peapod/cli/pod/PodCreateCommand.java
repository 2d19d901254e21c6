package dev.peapod.cli.pod;

import dev.peapod.apply.SecretInputs;
import dev.peapod.cli.CliException;
import dev.peapod.cli.ExitCodes;
import dev.peapod.cli.PeapodCommand;
import dev.peapod.cli.PodListCommand;
import dev.peapod.cli.output.Output;
import dev.peapod.engine.lock.PodLock;
import dev.peapod.manifest.model.DesiredState;
import dev.peapod.manifest.model.PodManifest;
import dev.peapod.plan.Action;
import dev.peapod.provider.InvalidStateException;
import dev.peapod.provider.PodSpec;
import dev.peapod.provider.PodState;
import dev.peapod.provider.PodStatus;
import dev.peapod.provider.SecretValues;
import dev.peapod.provider.qemu.QemuProvider;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code peapod create -f FILE}: every pod the file declares, validated, its images pulled when
 * missing and its storage prepared; no VM yet (the pod ends Created). {@code peapod run} is this
 * plus {@code start}, except for pods whose manifest says {@code spec.state: Created}.
 *
 * <p>A file with several pods is applied all or nothing: every pod is validated before the first
 * is created, and when one then fails (a missing image, a name already taken, a failed start),
 * the pods this command created are removed again, the failed one included, and the error says
 * which pod failed and what was rolled back. Pods that existed before are never touched. A
 * one-pod file keeps its pod after a failed start (Created, the reason in {@code ps}), so its
 * logs can still be read.
 *
 * <p>A pod that exists already with exactly the spec the file gives is taken as it is ({@code run}
 * starts it unless it runs): a rerun after an interrupted command converges instead of failing.
 * One with a different spec is an error; {@code replace} or {@code rm} is for that.
 */
@Command(name = "create", description = "Create a manifest's pods: pull images, prepare; no VM yet.")
public class PodCreateCommand implements Runnable {

  @Spec
  CommandSpec spec;

  @Option(names = {"-f", "--file"}, paramLabel = "FILE",
      description = "Manifest: a PeaPod, a Kubernetes Pod or a HyperContainer pod file (YAML or JSON).")
  Path file;

  /** Whether to boot each pod after creating it (unless its manifest says spec.state: Created). */
  boolean startAfterCreate() {
    return false;
  }

  @Override
  public void run() {
    if (file == null) {
      throw new CliException(ExitCodes.USAGE, "Missing required option: '--file=FILE'");
    }
    runFile();
  }

  /** Creates (and for run starts) the pods of {@link #file}. */
  final void runFile() {
    PeapodCommand root = PeapodCommand.of(spec);
    Output output = root.output(spec);
    List<PodManifest> manifests = PodCommands.read(file, output);
    PodCommands.checkSupported(root, manifests);
    List<Map<String, Object>> results = new ArrayList<>();
    List<String> createdHere = new ArrayList<>();
    try (QemuProvider provider = PodCommands.provider(root)) {
      for (PodManifest manifest : manifests) {
        try {
          results.add(createAndStart(root, output, provider, manifest, createdHere));
        } catch (RuntimeException e) {
          if (manifests.size() == 1) {
            throw e;
          }
          throw Rollback.of(manifests, manifest.name(), e, createdHere,
              pod -> PodCommands.removeCreated(root, spec, provider, pod));
        }
      }
    }
    if (output.structured()) {
      output.data(results.size() == 1 ? results.get(0) : results);
    }
  }

  /** The pod's data as {@code -o json|yaml} prints it. */
  private Map<String, Object> createAndStart(PeapodCommand root, Output output, QemuProvider provider, PodManifest manifest,
      List<String> createdHere) {
    try (PodLock lock = PodCommands.lock(root, spec, manifest.name())) {
      PodSpec podSpec = PodCommands.convert(root, output, manifest);
      Optional<PodStatus> existing = provider.inspect(podSpec.name());
      PodStatus status;
      if (existing.isEmpty()) {
        ManifestRecords.begin(root, manifest, Action.CREATE);
        status = provider.create(podSpec);
        createdHere.add(status.name());
      } else if (existing.get().spec().equals(podSpec)) {
        // Same pod, same spec: what a rerun after an interrupted create finds. Carry on from there.
        status = existing.get();
      } else {
        throw new CliException(ExitCodes.ERROR, "pod \"" + podSpec.name() + "\" already exists with a different"
            + " spec: use peapod replace, or rm it first");
      }
      ManifestRecords.applied(root, manifest);
      String created = existing.isEmpty() ? "Created " + status.name() : "Exists " + status.name() + " (same spec)";
      if (!startAfterCreate()) {
        PodCommands.say(output, created);
      } else if (manifest.spec().state() == DesiredState.CREATED) {
        PodCommands.say(output, created + " (not started: its spec.state is Created)");
      } else {
        PodCommands.say(output, created);
        return start(root, output, provider, status, lock, SecretInputs.of(manifest));
      }
      return PodListCommand.data(status);
    }
  }

  private static Map<String, Object> start(PeapodCommand root, Output output, QemuProvider provider, PodStatus status,
      PodLock lock, SecretValues secrets) {
    try {
      PodCommands.Started started = PodCommands.boot(root, output, provider, status.name(), lock, secrets);
      PodCommands.say(output, "Started " + started.name() + " " + started.bootText());
      return started.data();
    } catch (InvalidStateException e) {
      if (e.actual() != PodState.RUNNING) {
        throw e;
      }
      PodCommands.say(output, "Already running " + status.name());
      return PodListCommand.data(provider.inspect(status.name()).orElse(status));
    }
  }
}
