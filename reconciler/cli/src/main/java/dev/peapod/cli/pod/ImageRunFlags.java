package dev.peapod.cli.pod;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peapod.cli.CliException;
import dev.peapod.cli.ExitCodes;
import dev.peapod.manifest.ManifestParser;
import dev.peapod.manifest.ParseResult;
import dev.peapod.manifest.diag.Diagnostic;
import dev.peapod.manifest.model.PodManifest;
import dev.peapod.manifest.model.Stdio;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * {@code peapod run IMAGE}'s flags, with Docker's meanings, turned into the PeaPod document a user
 * would have written for them, then parsed like any manifest file: the pod is validated by the same
 * rules, converted by the same code and recorded the same way as one from {@code -f}, and {@code
 * inspect -o yaml} gives that document back. Flags Docker has but a PeaPod manifest cannot say (a user
 * name, fractional CPUs, a random host port) are refused with what to write instead.
 *
 * @param image the image reference as written
 * @param name the pod's name
 * @param publish {@code [IP:]HOSTPORT:CONTAINERPORT[/tcp]} each
 * @param env {@code KEY=VALUE}, or {@code KEY} for the value in {@code hostEnv} (left out when unset)
 * @param volumes {@code HOSTPATH:CONTAINERPATH[:ro]} each; a relative host path is taken from {@code cwd}
 * @param workdir the container's working directory, or null for the image's
 * @param user {@code UID[:GID]}, or null for the image's
 * @param memory the VM's memory as a quantity ({@code 256Mi}), or null for the default size
 * @param cpus the VM's vCPUs, or null for the default
 * @param hostname the pod's hostname, or null for its name
 * @param args the container's arguments (Docker's COMMAND: the image's entrypoint stays), or empty for
 *     the image's cmd
 * @param stdio {@code -i} (stdin), {@code -t} (tty), and stdinOnce when {@code run} attaches itself
 */
record ImageRunFlags(String image, String name, List<String> publish, List<String> env, List<String> volumes,
    String workdir, String user, String memory, String cpus, String hostname, List<String> args, Stdio stdio) {

  ImageRunFlags(String image, String name, List<String> publish, List<String> env, List<String> volumes,
      String workdir, String user, String memory, String cpus, String hostname, List<String> args) {
    this(image, name, publish, env, volumes, workdir, user, memory, cpus, hostname, args, Stdio.NONE);
  }

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern PUBLISH = Pattern.compile("(?:(\\[[0-9A-Fa-f:.]+\\]|[0-9.]+):)?(\\d+):(\\d+)(?:/(\\w+))?");
  private static final Pattern USER = Pattern.compile("(\\d+)(?::(\\d+))?");
  /** What diagnostics of the generated document are named after. */
  static final String SOURCE = "peapod run";

  ImageRunFlags {
    publish = List.copyOf(publish == null ? List.of() : publish);
    env = List.copyOf(env == null ? List.of() : env);
    volumes = List.copyOf(volumes == null ? List.of() : volumes);
    args = List.copyOf(args == null ? List.of() : args);
    stdio = stdio == null ? Stdio.NONE : stdio;
  }

  /**
   * The container's name: the image's last path component without tag or digest, as a DNS label
   * ({@code registry:5000/team/My_App:1} gives {@code my-app}).
   */
  static String containerName(String image) {
    String withoutDigest = image.contains("@") ? image.substring(0, image.indexOf('@')) : image;
    String last = withoutDigest.substring(withoutDigest.lastIndexOf('/') + 1);
    if (last.contains(":")) {
      last = last.substring(0, last.indexOf(':'));
    }
    String label = last.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]+", "-").replaceAll("^-+|-+$", "");
    if (label.length() > 50) {
      label = label.substring(0, 50).replaceAll("-+$", "");
    }
    return label.isEmpty() ? "main" : label;
  }

  /** The pod as a PeaPod manifest; bad flags are usage errors naming the flag. */
  PodManifest manifest(Path cwd, Map<String, String> hostEnv) {
    String document;
    try {
      document = JSON.writerWithDefaultPrettyPrinter().writeValueAsString(document(cwd, hostEnv));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("maps of strings always serialise", e);
    }
    ParseResult parsed = ManifestParser.parse(SOURCE, document);
    if (!parsed.isValid()) {
      throw new CliException(ExitCodes.USAGE, "the flags make an invalid pod:\n" + parsed.diagnostics().all().stream()
          .filter(Diagnostic::isError).map(d -> "  " + d.path() + ": " + d.message()).collect(Collectors.joining("\n")));
    }
    return parsed.manifests().get(0);
  }

  /** The PeaPod document the flags stand for. */
  Map<String, Object> document(Path cwd, Map<String, String> hostEnv) {
    Map<String, Object> container = new LinkedHashMap<>();
    container.put("name", containerName(image));
    container.put("image", image);
    if (!args.isEmpty()) {
      container.put("args", args.stream().map(ImageRunFlags::literal).toList());
    }
    List<Map<String, Object>> envList = env(hostEnv);
    if (!envList.isEmpty()) {
      container.put("env", envList);
    }
    if (workdir != null) {
      container.put("workingDir", workdir);
    }
    List<Map<String, Object>> ports = new ArrayList<>();
    publish.forEach(p -> ports.add(port(p)));
    if (!ports.isEmpty()) {
      container.put("ports", ports);
    }
    if (user != null) {
      container.put("securityContext", user(user));
    }
    if (stdio.stdin()) {
      container.put("stdin", true);
    }
    if (stdio.stdinOnce()) {
      container.put("stdinOnce", true);
    }
    if (stdio.tty()) {
      container.put("tty", true);
    }
    List<Map<String, Object>> podVolumes = new ArrayList<>();
    List<Map<String, Object>> mounts = new ArrayList<>();
    for (String volume : volumes) {
      volume(volume, "vol-" + (podVolumes.size() + 1), cwd, podVolumes, mounts);
    }
    if (!mounts.isEmpty()) {
      container.put("volumeMounts", mounts);
    }
    Map<String, Object> spec = new LinkedHashMap<>();
    spec.put("restartPolicy", "Never"); // Docker's default: the process runs once
    spec.put("containers", List.of(container));
    if (!podVolumes.isEmpty()) {
      spec.put("volumes", podVolumes);
    }
    if (hostname != null) {
      spec.put("hostname", hostname);
    }
    Map<String, Object> vm = new LinkedHashMap<>();
    if (cpus != null) {
      vm.put("vcpus", cpus(cpus));
    }
    if (memory != null) {
      vm.put("memory", memory);
    }
    if (!vm.isEmpty()) {
      spec.put("vm", vm);
    }
    Map<String, Object> document = new LinkedHashMap<>();
    document.put("apiVersion", "peapod.dev/v1alpha1");
    document.put("kind", "PeaPod");
    document.put("metadata", Map.of("name", name));
    document.put("spec", spec);
    return document;
  }

  private List<Map<String, Object>> env(Map<String, String> hostEnv) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (String entry : env) {
      int eq = entry.indexOf('=');
      String key = eq < 0 ? entry : entry.substring(0, eq);
      if (key.isEmpty()) {
        throw usage("-e " + entry + ": expected KEY=VALUE or KEY");
      }
      String value = eq < 0 ? hostEnv.get(key) : entry.substring(eq + 1);
      if (value != null) { // -e KEY with KEY unset here: left out, as Docker does
        Map<String, Object> var = new LinkedHashMap<>();
        var.put("name", key);
        var.put("value", literal(value));
        out.add(var);
      }
    }
    return out;
  }

  /**
   * A value Docker passes on as it is: in a manifest, {@code $(NAME)} would be expanded as
   * Kubernetes does, so every {@code $} is written {@code $$} ({@code sh -c 'kill $$'} keeps its {@code $$}).
   */
  private static String literal(String value) {
    return value.replace("$", "$$");
  }

  private static Map<String, Object> port(String flag) {
    Matcher m = PUBLISH.matcher(flag);
    if (!m.matches()) {
      throw usage("-p " + flag + ": expected [IP:]HOSTPORT:CONTAINERPORT[/tcp] (a host port is always given:"
          + " Peapod does not pick one)");
    }
    if (m.group(4) != null && !m.group(4).equalsIgnoreCase("tcp")) {
      throw usage("-p " + flag + ": only tcp ports are forwarded");
    }
    Map<String, Object> port = new LinkedHashMap<>();
    port.put("containerPort", parsePort(flag, m.group(3)));
    port.put("hostPort", parsePort(flag, m.group(2)));
    if (m.group(1) != null) {
      port.put("hostIP", m.group(1).replace("[", "").replace("]", ""));
    }
    port.put("protocol", "TCP");
    return port;
  }

  private static int parsePort(String flag, String digits) {
    try {
      int port = Integer.parseInt(digits);
      if (port >= 1 && port <= 65535) {
        return port;
      }
    } catch (NumberFormatException e) {
      // falls through to the error
    }
    throw usage("-p " + flag + ": port " + digits + " is not between 1 and 65535");
  }

  private static Map<String, Object> user(String flag) {
    Matcher m = USER.matcher(flag);
    if (!m.matches()) {
      throw usage("-u " + flag + ": expected UID[:GID] in numbers (a PeaPod manifest's runAsUser and runAsGroup)");
    }
    Map<String, Object> context = new LinkedHashMap<>();
    context.put("runAsUser", Long.parseLong(m.group(1)));
    if (m.group(2) != null) {
      context.put("runAsGroup", Long.parseLong(m.group(2)));
    }
    return context;
  }

  private static void volume(String flag, String name, Path cwd, List<Map<String, Object>> podVolumes,
      List<Map<String, Object>> mounts) {
    String[] parts = flag.split(":", -1);
    if (parts.length < 2 || parts.length > 3 || parts[0].isEmpty() || parts[1].isEmpty()
        || (parts.length == 3 && !parts[2].equals("ro") && !parts[2].equals("rw"))) {
      throw usage("-v " + flag + ": expected HOSTPATH:CONTAINERPATH[:ro]");
    }
    Path host = cwd.resolve(parts[0]).toAbsolutePath().normalize();
    Map<String, Object> hostPath = new LinkedHashMap<>();
    hostPath.put("path", host.toString());
    if (!Files.exists(host)) {
      hostPath.put("type", "DirectoryOrCreate"); // Docker makes a missing bind-mount source a directory
    }
    Map<String, Object> volume = new LinkedHashMap<>();
    volume.put("name", name);
    volume.put("hostPath", hostPath);
    podVolumes.add(volume);
    Map<String, Object> mount = new LinkedHashMap<>();
    mount.put("name", name);
    mount.put("mountPath", parts[1]);
    if (parts.length == 3 && parts[2].equals("ro")) {
      mount.put("readOnly", true);
    }
    mounts.add(mount);
  }

  private static int cpus(String flag) {
    try {
      int n = Integer.parseInt(flag);
      if (n >= 1) {
        return n;
      }
    } catch (NumberFormatException e) {
      // falls through to the error
    }
    throw usage("--cpus " + flag + ": expected a whole number of vCPUs, at least 1");
  }

  private static CliException usage(String message) {
    return new CliException(ExitCodes.USAGE, message);
  }
}
