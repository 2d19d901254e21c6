package dev.peapod.engine.spec;

import dev.peapod.engine.ManifestRejectedException;
import dev.peapod.engine.config.EnvResolver;
import dev.peapod.engine.config.PodEnvironment;
import dev.peapod.images.config.ContainerDefaults;
import dev.peapod.images.config.ContainerOverrides;
import dev.peapod.images.config.EnvVar;
import dev.peapod.images.config.InvalidContainerException;
import dev.peapod.images.config.ProcessDefaults;
import dev.peapod.images.registry.PullSecretKeyring;
import dev.peapod.manifest.ClaimBinding;
import dev.peapod.manifest.diag.Diagnostic;
import dev.peapod.manifest.diag.Severity;
import dev.peapod.manifest.model.Accel;
import dev.peapod.manifest.model.ContainerDecl;
import dev.peapod.manifest.model.DnsConfig;
import dev.peapod.manifest.model.HostAlias;
import dev.peapod.manifest.model.ManifestOrigin;
import dev.peapod.manifest.model.ManifestSpec;
import dev.peapod.manifest.model.MountDecl;
import dev.peapod.manifest.model.PodManifest;
import dev.peapod.manifest.model.PortDecl;
import dev.peapod.manifest.model.Quantity;
import dev.peapod.manifest.model.RunAs;
import dev.peapod.manifest.model.SecurityDecl;
import dev.peapod.manifest.model.VmSettings;
import dev.peapod.manifest.model.VolumeDecl;
import dev.peapod.manifest.model.VolumeSource;
import dev.peapod.manifest.source.Position;
import dev.peapod.provider.ContainerSpec;
import dev.peapod.provider.DnsSettings;
import dev.peapod.provider.HostPath;
import dev.peapod.provider.PodSpec;
import dev.peapod.provider.PortForward;
import dev.peapod.provider.RestartPolicy;
import dev.peapod.provider.SecretValues;
import dev.peapod.provider.VmResources;
import dev.peapod.provider.VolumeMount;
import dev.peapod.provider.VolumeSpec;
import dev.peapod.provider.seccomp.SeccompProfile;
import java.math.RoundingMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A parsed {@link PodManifest} as the provider's {@link PodSpec}: images made local (pulled if
 * missing), each container's process resolved from its image config by Docker's and Kubernetes'
 * rules ({@link ContainerDefaults}), and the pod-level settings carried over.
 *
 * <p>Init containers keep Kubernetes' meaning through the provider's restart policies: a sidecar
 * ({@code restartPolicy: Always} on the init container) becomes {@code ALWAYS}; any other init
 * container is retried on failure ({@code ON_FAILURE}) unless the pod's restartPolicy is Never
 * ({@code NEVER}), as the kubelet does.
 *
 * <p>What the provider cannot run is refused, never dropped: hostPath volumes of a type other than
 * a file or directory give a diagnostic at the manifest's position, before any image is pulled. So
 * does a hostPath of type Directory or File that is not there, and one outside the
 * {@link HostPathAllowList} (by default, under the manifest's directory or {@code
 * $PEAPOD_HOME/volumes}): a relative hostPath is resolved against the manifest file's directory
 * first, so a manifest and the files it shares can move together.
 */
public final class ManifestToPodSpec {
  private static final Pattern NUMERIC = Pattern.compile("[0-9]+");

  private final ImageSource images;
  private final HostPathAllowList hostPaths;
  private final PodEnvironment environment;

  /** With the hostPath allow-list of this process's environment ({@link HostPathAllowList#fromEnvironment}). */
  public ManifestToPodSpec(ImageSource images) {
    this(images, HostPathAllowList.fromEnvironment());
  }

  public ManifestToPodSpec(ImageSource images, HostPathAllowList hostPaths) {
    this(images, hostPaths, PodEnvironment.ofHost(System.getenv()));
  }

  /** @param environment what the downward API says about where pods run (namespace, node, host IP) */
  public ManifestToPodSpec(ImageSource images, HostPathAllowList hostPaths, PodEnvironment environment) {
    this.images = images;
    this.hostPaths = hostPaths;
    this.environment = environment;
  }

  /** A converted pod and what of the manifest it could not honour exactly (warnings). */
  public record Result(PodSpec spec, List<Diagnostic> warnings) {
    public Result {
      warnings = List.copyOf(warnings);
    }
  }

  /**
   * What in {@code manifest} the provider cannot run: errors, each pointing at the manifest.
   * Empty when {@link #convert} can go ahead. Needs no images.
   */
  public static List<Diagnostic> unsupported(PodManifest manifest) {
    return unsupported(manifest, HostPathAllowList.fromEnvironment());
  }

  /** Like {@link #unsupported(PodManifest)} with hostPaths checked against {@code hostPaths}. */
  public static List<Diagnostic> unsupported(PodManifest manifest, HostPathAllowList hostPaths) {
    return unsupported(manifest, hostPaths, new java.util.HashMap<>());
  }

  /**
   * {@link #unsupported(PodManifest, HostPathAllowList)}, putting the real path of each hostPath
   * volume it checked into {@code resolved} (by volume index): what a converted spec keeps, since
   * resolving again could name a tree a symlink put on the path since leads to, which no check saw.
   */
  private static List<Diagnostic> unsupported(PodManifest manifest, HostPathAllowList hostPaths,
      Map<Integer, Path> resolved) {
    ManifestSpec spec = manifest.spec();
    List<Diagnostic> problems = new ArrayList<>();
    for (int i = 0; i < spec.volumes().size(); i++) {
      VolumeDecl volume = spec.volumes().get(i);
      if (volume.source() instanceof VolumeSource.HostPath host) {
        String path = "spec.volumes[" + i + "].hostPath";
        int at = i;
        hostPathProblem(manifest, volume.name(), host, hostPaths, real -> resolved.put(at, real))
            .ifPresent(message -> problems.add(error(manifest, path, message)));
      } else if (volume.source() instanceof VolumeSource.PersistentVolumeClaim claim) {
        String path = "spec.volumes[" + i + "].persistentVolumeClaim";
        claimProblem(manifest, claim).ifPresent(message -> problems.add(error(manifest, path, message)));
      } else {
        String path = "spec.volumes[" + i + "]";
        hostFileProblems(manifest, volume, hostPaths).forEach(message -> problems.add(error(manifest, path, message)));
      }
    }
    HostCapacity.HOST.problem(spec.vm()).ifPresent(message ->
        problems.add(error(manifest, sizedAt(manifest), message)));
    LocalhostSeccompProfiles profiles = seccompProfiles(hostPaths);
    for (int i = 0; i < spec.initContainers().size(); i++) {
      localhostProfile(manifest, "spec.initContainers[" + i + "]", spec.initContainers().get(i), profiles, problems);
    }
    for (int i = 0; i < spec.containers().size(); i++) {
      localhostProfile(manifest, "spec.containers[" + i + "]", spec.containers().get(i), profiles, problems);
    }
    return problems;
  }

  /** The host's seccomp profiles directory: $PEAPOD_HOME's (the parent of its volumes) or PEAPOD_SECCOMP_DIR. */
  private static LocalhostSeccompProfiles seccompProfiles(HostPathAllowList hostPaths) {
    return LocalhostSeccompProfiles.of(hostPaths.volumesRoot().getParent(), System.getenv());
  }

  /**
   * The directory Localhost seccomp profiles are read from by this process's conversions with
   * {@code hostPaths}: a run handed to a controller is given back when the controller's differs.
   */
  public static java.nio.file.Path seccompProfilesDirectory(HostPathAllowList hostPaths) {
    return seccompProfiles(hostPaths).directory();
  }

  /**
   * The container's Localhost seccomp profile, loaded for its capabilities; null (and problems
   * added: one at the manifest's field, then the profile file's own) when it has none or cannot run.
   */
  private static SeccompProfile localhostProfile(PodManifest manifest, String path, ContainerDecl decl,
      LocalhostSeccompProfiles profiles, List<Diagnostic> problems) {
    if (decl.security().seccomp() != SecurityDecl.SeccompType.LOCALHOST) {
      return null;
    }
    LocalhostSeccompProfiles.Loaded loaded = profiles.load(decl.security().localhostProfile(),
        SecurityContextSpec.capabilities(decl.security()));
    if (loaded.profile().isPresent()) {
      return loaded.profile().get();
    }
    String own = path + ".securityContext.seccompProfile";
    String at = manifest.origin().positionOf(own).equals(manifest.origin().positionOf(path))
        ? "spec.securityContext.seccompProfile.localhostProfile" : own + ".localhostProfile";
    problems.add(error(manifest, at, "seccomp profile \"" + decl.security().localhostProfile() + "\" of container \""
        + decl.name() + "\" cannot be used (" + profiles.directory().resolve(decl.security().localhostProfile())
        .normalize() + "; see below)"));
    problems.addAll(loaded.problems().errors());
    return null;
  }

  /**
   * Why a claim cannot be given a directory here, if it cannot: a custom resource's claim is the
   * cluster's, which the node agent does not mount; a name that is no Kubernetes name would not
   * stay inside {@code $PEAPOD_HOME/volumes}.
   */
  private static Optional<String> claimProblem(PodManifest manifest, VolumeSource.PersistentVolumeClaim claim) {
    String file = manifest.origin().file();
    if (file != null && file.startsWith("k8s:")) {
      return Optional.of("claim \"" + claim.claimName() + "\": in Kubernetes mode a claim is the cluster's,"
          + " and the node agent does not attach cluster volumes to a VM yet; use a hostPath under"
          + " $PEAPOD_HOME/volumes on the node");
    }
    return PersistentVolumes.invalid(ClaimBinding.namespaceOf(manifest), claim.claimName());
  }

  /** The field the VM's size came from: spec.vm, else pod-level resources, else the spec. */
  private static String sizedAt(PodManifest manifest) {
    for (String path : List.of("spec.vm", "spec.resources")) {
      if (!manifest.origin().positionOf(path).equals(manifest.origin().positionOf("spec"))) {
        return path;
      }
    }
    return "spec";
  }

  /** Why a hostPath volume cannot be used as declared, if it cannot. */
  private static Optional<String> hostPathProblem(PodManifest manifest, String name,
      VolumeSource.HostPath host, HostPathAllowList hostPaths, java.util.function.Consumer<Path> checked) {
    HostPath.Type type = HostPath.Type.fromManifest(host.type());
    if (type == null) {
      return Optional.of("hostPath type " + host.type() + " is not supported (volume \"" + name
          + "\"); Peapod shares directories and files: Directory, DirectoryOrCreate, File, FileOrCreate or none");
    }
    Path path = hostPath(manifest, host);
    Path real = HostPathAllowList.resolved(path); // once: the path checked is the path kept
    Optional<String> outside = hostPaths.problemOfResolved(manifestDirectory(manifest), real, path);
    if (outside.isPresent()) {
      return outside.map(message -> message + " (volume \"" + name + "\")");
    }
    checked.accept(real);
    boolean missing = switch (type) {
      case DIRECTORY -> !Files.isDirectory(real);
      case FILE -> !Files.isRegularFile(real);
      default -> false;
    };
    if (missing) {
      return Optional.of("hostPath " + path + (Files.exists(path) ? " is not a " : " does not exist (a ")
          + (type == HostPath.Type.DIRECTORY ? "directory" : "file") + (Files.exists(path) ? "" : " is")
          + " required by type " + type.manifestName() + ") (volume \"" + name + "\")");
    }
    return Optional.empty();
  }

  /** Largest file a {@code file://} URI may name: what a pod's volumes of files may hold. */
  private static final long MAX_HOST_FILE = dev.peapod.provider.FileSet.MAX_POD_BYTES;

  /**
   * A HyperContainer file's {@code file://} URI read from the host, under the hostPath rules: only
   * under the manifest's directory or the allow-list (symlinks resolved), a regular file of at most
   * {@link #MAX_HOST_FILE} bytes. A manifest from someone else's repository names no file of this
   * host it was not given.
   */
  private byte[] hostFile(PodManifest manifest, String uri) {
    return hostFile(manifest, uri, hostPaths);
  }

  private static byte[] hostFile(PodManifest manifest, String uri, HostPathAllowList hostPaths) {
    Path path = hostFilePath(manifest, uri, hostPaths);
    try {
      Path real = path.toRealPath();
      if (!Files.isRegularFile(real)) {
        throw new IllegalArgumentException(path + " is not a regular file");
      }
      if (Files.size(real) > MAX_HOST_FILE) {
        throw new IllegalArgumentException(path + " has " + Files.size(real) + " bytes, more than a pod's files may"
            + " hold (" + MAX_HOST_FILE + ")");
      }
      return Files.readAllBytes(real);
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException("cannot read " + path + ": " + e.getMessage());
    }
  }

  /**
   * The pod with the SHA-256 of each host file its volumes of files name by {@code file://} URI
   * ({@link dev.peapod.manifest.model.HostFiles}), read as its conversion reads them (under the
   * hostPath rules), so that the pod's hash changes when such a file is edited. A file the pod may
   * not name, or that cannot be read, gets no hash: nothing of it is learned, and its conversion
   * says why it is refused.
   */
  public static PodManifest withHostFileHashes(PodManifest manifest, HostPathAllowList hostPaths) {
    java.util.Set<String> uris = dev.peapod.manifest.model.HostFiles.uris(manifest);
    if (uris.isEmpty()) {
      return manifest;
    }
    java.util.Map<String, String> hashes = new java.util.TreeMap<>();
    for (String uri : uris) {
      try {
        hashes.put(uri, "sha256:" + java.util.HexFormat.of().formatHex(
            java.security.MessageDigest.getInstance("SHA-256").digest(hostFile(manifest, uri, hostPaths))));
      } catch (IllegalArgumentException e) {
        // refused or unreadable: the conversion reports it
      } catch (java.security.NoSuchAlgorithmException e) {
        throw new IllegalStateException("every JDK has SHA-256", e);
      }
    }
    return dev.peapod.manifest.model.HostFiles.withHashes(manifest, hashes);
  }

  /** The host path a {@code file://} URI names, if a manifest may name it; else why not. */
  private static Path hostFilePath(PodManifest manifest, String uri, HostPathAllowList hostPaths) {
    if (!uri.startsWith("file://")) {
      throw new IllegalArgumentException("uri \"" + uri + "\" is not supported by Peapod: only file:// URIs"
          + " (a file of this host, under the manifest's directory or the hostPath allow-list)");
    }
    Path path = Path.of(uri.substring("file://".length()));
    if (!path.isAbsolute()) {
      Path dir = manifestDirectory(manifest);
      if (dir == null) {
        throw new IllegalArgumentException("uri \"" + uri + "\" is relative, and the manifest has no directory");
      }
      path = dir.resolve(path);
    }
    path = path.toAbsolutePath().normalize();
    Optional<String> outside = hostPaths.problem(manifestDirectory(manifest), path);
    if (outside.isPresent()) {
      throw new IllegalArgumentException(outside.get());
    }
    return path;
  }

  /** Why the host files of a volume of files may not be read, each with the volume and file. */
  private static List<String> hostFileProblems(PodManifest manifest, VolumeDecl volume, HostPathAllowList hostPaths) {
    List<String> out = new ArrayList<>();
    if (volume.source() instanceof VolumeSource.Files files) {
      for (dev.peapod.manifest.model.FileProjection source : files.sources()) {
        if (source instanceof dev.peapod.manifest.model.FileProjection.Inline inline) {
          for (dev.peapod.manifest.model.FileProjection.InlineFile f : inline.files()) {
            if (!f.uri().isEmpty()) {
              try {
                hostFilePath(manifest, f.uri(), hostPaths);
              } catch (IllegalArgumentException e) {
                out.add("volume \"" + volume.name() + "\": file \"" + f.path() + "\": " + e.getMessage());
              }
            }
          }
        }
      }
    }
    return out;
  }

  /**
   * The origin the controller's API parses a request body under: a manifest sent over the API has no
   * directory, so it can lend no host paths (the controller's working directory is not the sender's).
   */
  public static final String API_REQUEST_ORIGIN = "request";

  /** Whether the manifest names a host path: a hostPath volume, or a file:// file of a volume of files. */
  public static boolean namesHostPaths(PodManifest manifest) {
    for (VolumeDecl volume : manifest.spec().volumes()) {
      if (volume.source() instanceof VolumeSource.HostPath) {
        return true;
      }
      if (volume.source() instanceof VolumeSource.Files files) {
        for (dev.peapod.manifest.model.FileProjection source : files.sources()) {
          if (source instanceof dev.peapod.manifest.model.FileProjection.Inline inline
              && inline.files().stream().anyMatch(f -> !f.uri().isEmpty())) {
            return true;
          }
        }
      }
    }
    return false;
  }

  /** The directory of the manifest's file, null when it was not read from one. */
  private static Path manifestDirectory(PodManifest manifest) {
    String file = manifest.origin().file();
    // A custom resource ("k8s:NAMESPACE/NAME") or an API request's body came from the API, not from a
    // directory that could lend it host paths.
    if (file == null || file.isEmpty() || file.startsWith("<") || file.equals("-") || file.startsWith("k8s:")
        || file.equals(API_REQUEST_ORIGIN)) {
      return null;
    }
    return Path.of(file).toAbsolutePath().normalize().getParent();
  }

  /** The host path, a relative one taken relative to the directory of the manifest file. */
  static Path hostPath(PodManifest manifest, VolumeSource.HostPath host) {
    Path path = Path.of(host.path());
    if (!path.isAbsolute()) {
      Path dir = Path.of(manifest.origin().file()).toAbsolutePath().getParent();
      path = dir.resolve(path);
    }
    return path.toAbsolutePath().normalize();
  }

  /**
   * Converts, resolving every container's image through the image source.
   *
   * @throws ManifestRejectedException when the manifest asks for something unsupported, or a
   *     container has nothing to run
   */
  public Result convert(PodManifest manifest) {
    Map<Integer, Path> hostPathsResolved = new java.util.HashMap<>();
    List<Diagnostic> problems = unsupported(manifest, hostPaths, hostPathsResolved);
    if (!problems.isEmpty()) {
      throw new ManifestRejectedException(problems);
    }
    ManifestSpec spec = manifest.spec();
    List<Diagnostic> warnings = new ArrayList<>();
    RestartPolicy restart = RestartPolicy.valueOf(spec.restartPolicy().name());
    List<ContainerSpec> initContainers = new ArrayList<>();
    List<ContainerSpec> containers = new ArrayList<>();
    List<PortForward> ports = new ArrayList<>();
    EnvResolver env = new EnvResolver(manifest, environment);
    PullSecretKeyring keyring = PullSecrets.keyring(manifest, warning -> warnings.add(new Diagnostic(Severity.WARNING,
        manifest.origin().file(), manifest.origin().positionOf("spec.imagePullSecrets").line(),
        manifest.origin().positionOf("spec.imagePullSecrets").column(), "spec.imagePullSecrets", warning)));
    for (int i = 0; i < spec.initContainers().size(); i++) {
      ContainerDecl decl = spec.initContainers().get(i);
      initContainers.add(container(manifest, "spec.initContainers[" + i + "]", decl, initRestart(decl, restart),
          env, keyring, problems));
      ports.addAll(forwards(decl));
    }
    for (int i = 0; i < spec.containers().size(); i++) {
      ContainerDecl decl = spec.containers().get(i);
      RestartPolicy own = decl.restartPolicy() == null ? restart : RestartPolicy.valueOf(decl.restartPolicy().name());
      containers.add(container(manifest, "spec.containers[" + i + "]", decl, own, env, keyring, problems));
      ports.addAll(forwards(decl));
    }
    env.warnings().forEach(w -> warnings.add(new Diagnostic(Severity.WARNING, manifest.origin().file(),
        manifest.origin().line(), manifest.origin().column(), "", w)));
    if (!problems.isEmpty()) {
      throw new ManifestRejectedException(problems);
    }
    if (spec.vm().accel() != Accel.AUTO) {
      Position at = manifest.origin().positionOf("spec.vm.accel");
      warnings.add(new Diagnostic(Severity.WARNING, manifest.origin().file(), at.line(), at.column(), "spec.vm.accel",
          "ignored: the accelerator is chosen per host (set PEAPOD_ACCEL=" + spec.vm().accel().manifestName()
              + " to force it)"));
    }
    dev.peapod.provider.PodSecurity podSecurity = SecurityContextSpec.pod(spec.security());
    List<VolumeSpec> volumes = volumes(manifest, spec.volumes(), new VolumeFiles(manifest, env, podSecurity.fsGroup(),
        uri -> hostFile(manifest, uri)),
        keyring, hostPathsResolved, problems);
    if (!problems.isEmpty()) {
      throw new ManifestRejectedException(problems);
    }
    PodSpec pod = new PodSpec(manifest.name(), spec.hostname(), dns(spec.dns()), extraHosts(spec.hostAliases()),
        vm(spec.vm()), containers, volumes, ports,
        Duration.ofSeconds(spec.terminationGracePeriodSeconds()), initContainers, podSecurity);
    // The bytes of a Secret's files counted toward the pod's bounds above; the spec keeps references.
    return new Result(SecretValues.withoutValues(pod), warnings);
  }

  /** Kubernetes: a sidecar always restarts; other init containers are retried unless the pod says Never. */
  private static RestartPolicy initRestart(ContainerDecl decl, RestartPolicy pod) {
    if (decl.sidecar()) {
      return RestartPolicy.ALWAYS;
    }
    return pod == RestartPolicy.NEVER ? RestartPolicy.NEVER : RestartPolicy.ON_FAILURE;
  }

  private static List<PortForward> forwards(ContainerDecl decl) {
    return decl.ports().stream().filter(PortDecl::isForwarded)
        .map(port -> new PortForward(port.hostIp(), port.hostPort(), port.containerPort(),
            PortForward.Protocol.valueOf(port.protocol().name())))
        .toList();
  }

  private ContainerSpec container(PodManifest manifest, String path, ContainerDecl decl, RestartPolicy restart,
      EnvResolver env, PullSecretKeyring keyring, List<Diagnostic> problems) {
    int errorsBefore = env.errors().size();
    EnvResolver.Resolved resolvedEnv = env.resolve(decl);
    env.errors().subList(errorsBefore, env.errors().size())
        .forEach(message -> problems.add(error(manifest, path + ".env", message)));
    SecretExpansion.problems(decl, resolvedEnv.secret().keySet())
        .forEach(message -> problems.add(error(manifest, path, message)));
    ImageSource.Resolved image = images.resolve(decl.image(), decl.imagePullPolicy(), keyring);
    RunAs runAs = decl.runAs();
    boolean numeric = (runAs.user().isEmpty() || NUMERIC.matcher(runAs.user()).matches())
        && (runAs.group().isEmpty() || NUMERIC.matcher(runAs.group()).matches());
    ContainerOverrides overrides = new ContainerOverrides(decl.command(), decl.args(),
        resolvedEnv.plain().stream().map(e -> new EnvVar(e.name(), e.value())).toList(), decl.workingDir(),
        numeric && !runAs.user().isEmpty() ? Long.valueOf(runAs.user()) : null,
        numeric && !runAs.group().isEmpty() ? Long.valueOf(runAs.group()) : null);
    ProcessDefaults process;
    try {
      process = ContainerDefaults.apply(image.config(), overrides, decl.name());
    } catch (InvalidContainerException e) {
      problems.add(error(manifest, path, e.getMessage()));
      return ContainerSpec.of(decl.name(), image.rootfs(), List.of("/bin/false"));
    }
    // Names (a HyperContainer "user: www-data") are resolved by the guest, as an image's User is.
    String user = numeric || runAs.isImageDefault() ? process.user() : runAs.toString();
    java.util.Set<String> readOnly = readOnlyVolumes(manifest.spec().volumes());
    List<VolumeMount> mounts = decl.volumeMounts().stream().map(m -> mount(m, readOnly.contains(m.volume()))).toList();
    // A Secret's variable wins over the image's of the same name, as an env entry would.
    java.util.Map<String, String> plainEnv = new java.util.LinkedHashMap<>(process.env());
    plainEnv.keySet().removeAll(resolvedEnv.secret().keySet());
    return new ContainerSpec(decl.name(), image.rootfs(), process.argv(), plainEnv, process.workingDir(),
        user, restart, mounts).withSecretEnv(resolvedEnv.secret()).withStdio(new ContainerSpec.Stdio(decl.stdio().stdin(), decl.stdio().stdinOnce(),
        decl.stdio().tty())).withLifecycle(LifecycleSpecs.of(decl.lifecycle()))
        .withSecurity(SecurityContextSpec.container(decl.security(), manifest.spec().security(),
            localhostProfile(manifest, path, decl, seccompProfiles(hostPaths), problems)));
  }

  private static VolumeMount mount(MountDecl mount, boolean forcedReadOnly) {
    return new VolumeMount(mount.volume(), mount.mountPath(), mount.readOnly() || forcedReadOnly,
        mount.subPath());
  }

  /**
   * Volumes every mount of which is read-only, as Kubernetes makes them: claims with {@code
   * readOnly: true} on the volume, or that ask only for {@code ReadOnlyMany} (read-only everywhere,
   * the provider exports them read-only too), the volumes of files, which only guest-init writes,
   * and image volumes.
   */
  private static java.util.Set<String> readOnlyVolumes(List<VolumeDecl> volumes) {
    java.util.Set<String> names = new java.util.HashSet<>();
    for (VolumeDecl volume : volumes) {
      if (volume.source() instanceof VolumeSource.Files || volume.source() instanceof VolumeSource.Image) {
        names.add(volume.name());
      } else if (volume.source() instanceof VolumeSource.PersistentVolumeClaim claim
          && (claim.readOnly() || claim.declared().map(d -> d.readOnlyMany()).orElse(false))) {
        names.add(volume.name());
      }
    }
    return names;
  }

  private List<VolumeSpec> volumes(PodManifest manifest, List<VolumeDecl> volumes, VolumeFiles files,
      PullSecretKeyring keyring, Map<Integer, Path> hostPathsResolved, List<Diagnostic> problems) {
    List<VolumeSpec> out = new ArrayList<>();
    for (int i = 0; i < volumes.size(); i++) {
      VolumeDecl volume = volumes.get(i);
      if (volume.source() instanceof VolumeSource.Files declared) {
        int before = files.errors().size();
        out.add(VolumeSpec.files(volume.name(), files.of(volume.name(), declared)));
        String at = "spec.volumes[" + i + "]";
        files.errors().subList(before, files.errors().size()).forEach(m -> problems.add(error(manifest, at, m)));
        continue;
      }
      if (volume.source() instanceof VolumeSource.HostPath host) { // unsupported types refused above
        // The spec keeps the real path the check above resolved, once, and checked as kept; the provider
        // opens it with no symlink followed, so a symlink put there later makes the start fail instead of
        // sharing what it names.
        out.add(VolumeSpec.hostPath(volume.name(), new HostPath(hostPathsResolved.get(i),
            HostPath.Type.fromManifest(host.type()))));
      } else if (volume.source() instanceof VolumeSource.PersistentVolumeClaim claim) {
        Path dir = new PersistentVolumes(hostPaths.volumesRoot().getParent())
            .ensure(ClaimBinding.namespaceOf(manifest), claim.claimName(), claim.declared());
        out.add(VolumeSpec.hostPath(volume.name(), new HostPath(HostPathAllowList.resolved(dir), HostPath.Type.DIRECTORY)));
      } else if (volume.source() instanceof VolumeSource.Image image) {
        // Pulled and cached as a container's image is (the same store, pull policy and pull secrets).
        out.add(VolumeSpec.image(volume.name(),
            images.resolve(image.reference(), image.pullPolicy(), keyring).rootfs()));
      } else {
        VolumeSource.EmptyDir emptyDir = (VolumeSource.EmptyDir) volume.source();
        out.add(VolumeSpec.emptyDir(volume.name(), emptyDir.sizeLimit().map(ManifestToPodSpec::bytes).orElse(0L),
            emptyDir.mode().isPresent() ? emptyDir.mode().getAsInt() : null));
      }
    }
    dev.peapod.provider.FileSet.problem(out).ifPresent(m -> problems.add(error(manifest, "spec.volumes", m)));
    return out;
  }

  private static long bytes(Quantity quantity) {
    return quantity.value().setScale(0, RoundingMode.CEILING).longValueExact();
  }

  private static DnsSettings dns(DnsConfig dns) {
    List<String> options = dns.options().stream()
        .map(o -> o.value().map(v -> o.name() + ":" + v).orElse(o.name()))
        .toList();
    return new DnsSettings(dns.nameservers(), dns.searches(), options);
  }

  /** {@code hostAliases} as /etc/hosts lines: {@code ip name [alias...]}. */
  private static List<String> extraHosts(List<HostAlias> aliases) {
    return aliases.stream().map(a -> a.ip() + " " + String.join(" ", a.hostnames())).toList();
  }

  private static VmResources vm(VmSettings vm) {
    return new VmResources(vm.vcpus(), Math.toIntExact(vm.memoryMiB()), vm.kernel().map(Path::of), vm.pidsMax());
  }

  /** A diagnostic at the field's own line and column in the manifest (the document's start if unknown). */
  private static Diagnostic error(PodManifest manifest, String path, String message) {
    ManifestOrigin origin = manifest.origin();
    Position at = origin.positionOf(path);
    return new Diagnostic(Severity.ERROR, origin.file(), at.line(), at.column(), path, message);
  }
}
