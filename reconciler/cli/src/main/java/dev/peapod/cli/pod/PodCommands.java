package dev.peapod.cli.pod;

import dev.peapod.cli.CliException;
import dev.peapod.cli.ErrorReporter;
import dev.peapod.cli.ExitCodes;
import dev.peapod.cli.PeapodCommand;
import dev.peapod.cli.PodListCommand;
import dev.peapod.cli.image.LocalImages;
import dev.peapod.cli.image.PullProgress;
import dev.peapod.cli.output.Output;
import dev.peapod.engine.ManifestRejectedException;
import dev.peapod.engine.RunText;
import dev.peapod.engine.config.ConfigReferences;
import dev.peapod.engine.lock.PodLock;
import dev.peapod.engine.spec.HostPathAllowList;
import dev.peapod.engine.spec.ManifestToPodSpec;
import dev.peapod.engine.spec.StoreImageSource;
import dev.peapod.images.ImageStore;
import dev.peapod.manifest.ManifestParser;
import dev.peapod.manifest.ParseResult;
import dev.peapod.manifest.diag.Diagnostic;
import dev.peapod.manifest.model.PodManifest;
import dev.peapod.provider.PodNotFoundException;
import dev.peapod.provider.PodSpec;
import dev.peapod.provider.PodStatus;
import dev.peapod.provider.Provider;
import dev.peapod.provider.SecretValues;
import dev.peapod.provider.VmInfo;
import dev.peapod.provider.qemu.QemuProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import picocli.CommandLine.Model.CommandSpec;

/** What the pod commands share: the provider, the lock, manifests read and converted, results printed. */
public final class PodCommands {
  private PodCommands() {}

  static QemuProvider provider(PeapodCommand root) {
    return new QemuProvider(root.environment().qemuConfig());
  }

  /** The pod's lock, held in the name of this command line ({@code peapod start web}). */
  static PodLock lock(PeapodCommand root, CommandSpec spec, String pod) {
    return PodLock.acquire(root.environment().home(), pod, commandText(spec));
  }

  public static String commandText(CommandSpec spec) {
    List<String> words = new ArrayList<>(List.of("peapod"));
    var parsed = spec.root().commandLine().getParseResult();
    if (parsed != null) {
      words.addAll(parsed.originalArgs());
    } else {
      words.add(spec.name());
    }
    return String.join(" ", words);
  }

  /**
   * The pods of a manifest file, every one valid; warnings go to stderr.
   *
   * @throws ManifestRejectedException with every diagnostic when the file has an error
   */
  static List<PodManifest> read(Path file, Output output) {
    if (!Files.exists(file)) {
      throw new CliException(ExitCodes.NOT_FOUND, file + ": no such file");
    }
    ParseResult parsed = ManifestParser.parse(file);
    if (!parsed.isValid()) {
      throw new ManifestRejectedException(parsed.diagnostics().all());
    }
    parsed.diagnostics().warnings().forEach(w -> output.err().println(w));
    output.err().flush();
    if (parsed.manifests().isEmpty()) {
      throw new CliException(ExitCodes.ERROR, file + ": declares no pod");
    }
    return ConfigReferences.attachAll(parsed);
  }

  /**
   * Runs {@code one} for each name, as {@code docker rm a b} does; {@code one} prints its line for
   * people and gives its result's data for {@code -o json|yaml}, which is printed here once, as
   * {@code kubectl get} does: one name, its document; several, one list of the names that
   * succeeded (empty when none did), so that a program reads a single document either way.
   *
   * <p>One name: its failure is the command's (thrown, reported as any command's). Several: a
   * failure is reported on stderr as the command's own would be ({@link ErrorReporter#report}:
   * compiler-style diagnostics, the trace with {@code --debug}) and the next name is tried; the
   * result is the first failure's exit code, or 0 when every one succeeded.
   */
  static int eachPod(CommandSpec spec, List<String> names, Function<String, Object> one) {
    PeapodCommand root = PeapodCommand.of(spec);
    Output output = root.output(spec);
    if (names.size() == 1) {
      Object data = one.apply(names.get(0));
      if (output.structured()) {
        output.data(data);
      }
      return 0;
    }
    int code = 0;
    List<Object> results = new ArrayList<>();
    for (String name : names) {
      try {
        results.add(one.apply(name));
      } catch (RuntimeException e) {
        int failed = ErrorReporter.report(e, spec.commandLine().getErr(), root.debug());
        if (code == 0) {
          code = failed;
        }
      }
    }
    if (output.structured()) {
      output.data(results);
    }
    return code;
  }

  /** Every pod of the file checked for what the provider cannot run, before any image is pulled. */
  static void checkSupported(PeapodCommand root, List<PodManifest> manifests) {
    checkSupported(manifests, hostPaths(root));
  }

  static void checkSupported(List<PodManifest> manifests, HostPathAllowList hostPaths) {
    List<Diagnostic> problems = new ArrayList<>();
    manifests.forEach(m -> problems.addAll(ManifestToPodSpec.unsupported(m, hostPaths)));
    if (!problems.isEmpty()) {
      throw new ManifestRejectedException(problems);
    }
  }

  /** The manifest's pod as a provider spec, pulling missing images with progress on a terminal. */
  static PodSpec convert(PeapodCommand root, Output output, PodManifest manifest) {
    return convert(root, output, manifest, hostPaths(root));
  }

  static PodSpec convert(PeapodCommand root, Output output, PodManifest manifest, HostPathAllowList hostPaths) {
    try (ImageStore store = LocalImages.open(root.environment())) {
      ManifestToPodSpec.Result result = new ManifestToPodSpec(
          new StoreImageSource(store, reference -> new PullProgress(output, reference)), hostPaths)
          .convert(manifest);
      result.warnings().forEach(w -> output.err().println(w));
      output.err().flush();
      return result.spec();
    }
  }

  /** The host paths manifests may share: {@code $PEAPOD_HOME}'s hostpaths.yaml and PEAPOD_HOSTPATHS. */
  static HostPathAllowList hostPaths(PeapodCommand root) {
    return HostPathAllowList.load(root.environment().home(), root.environment().env());
  }

  /** A line for people; nothing with {@code -o json|yaml}, whose result is printed at the end. */
  static void say(Output output, String text) {
    if (!output.structured()) {
      output.line(text);
    }
  }

  /**
   * A pod this command started: its data as {@code -o json|yaml} prints it, and how its VM came up
   * ({@code in 1.1s (boot id ...)}); the same whether this process booted it or a controller did.
   */
  record Started(String name, Map<String, Object> data, String bootText) {
    static Started of(PodStatus status) {
      return new Started(status.name(), PodListCommand.data(status), PodCommands.bootText(status));
    }
  }

  /**
   * Boots the pod: handed to the controller serving this Peapod home when one does ({@link
   * ControllerBoot}, which lets go of {@code lock} once connected) unless it needs the values of
   * Secrets this command read, else here; with {@code Booting NAME ... 0.8s} on stderr meanwhile
   * when that is a terminal.
   */
  static Started boot(PeapodCommand root, Output output, Provider provider, String pod, PodLock lock,
      SecretValues secrets) {
    try (BootProgress progress = BootProgress.show(output, pod)) {
      // A pod whose Secrets this command read from its source boots here: the values are never
      // written down, so no other process could give them to the guest.
      Optional<Started> handed = secrets.isEmpty() ? ControllerBoot.start(root.environment().home(), pod, lock)
          : Optional.empty();
      if (handed.isPresent()) {
        return handed.get();
      }
      return Started.of(provider.start(pod, secrets));
    }
  }

  /** Removes a pod this command created moments ago (a rollback): under its lock, no grace. */
  static void removeCreated(PeapodCommand root, CommandSpec spec, Provider provider, String pod) {
    try (PodLock lock = lock(root, spec, pod)) {
      provider.remove(pod, Duration.ZERO);
      ManifestRecords.removed(root, pod);
    }
  }

  static PodStatus require(Provider provider, String pod) {
    return provider.inspect(pod).orElseThrow(() -> new PodNotFoundException(pod));
  }

  /** {@code Started web in 1.1s (boot 3f2a..., tcg)}, or the pod as JSON/YAML with {@code -o}. */
  static void print(Output output, Started started, String text) {
    if (output.structured()) {
      output.data(started.data());
    } else {
      output.line(text);
    }
  }

  static void print(Output output, PodStatus status, String text) {
    if (output.structured()) {
      output.data(PodListCommand.data(status));
    } else {
      output.line(text);
    }
  }

  static String bootText(PodStatus status) {
    return status.vm().map(PodCommands::bootText).orElse("");
  }

  static String bootText(VmInfo vm) {
    return bootText(vm.bootTime(), vm.bootId(), vm.accelerator(), vm.boot());
  }

  static String bootText(Duration bootTime, String bootId, String accelerator, String boot) {
    return RunText.bootText(bootTime, bootId, accelerator, boot);
  }
}
