package dev.peapod.plan;

import dev.peapod.plan.FieldChange.Impact;
import dev.peapod.plan.Reason.Kind;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns a field-level diff into the few sentences people read after "because": one per container
 * field or pod setting, so a change of three env entries of one container is one reason
 * ({@code env of container "web" changed}).
 */
final class ReasonText {
  private ReasonText() {}

  /** Said of every CPU or memory change, whatever the containers' resizePolicy asks. */
  static final String NO_IN_PLACE_RESIZE = "CPUs and memory are not resized in place";

  private static final Pattern CONTAINER =
      Pattern.compile("spec\\.(containers|initContainers)\\[([^]]+)](?:\\.([A-Za-z]+))?.*");
  private static final Pattern VOLUME = Pattern.compile("spec\\.volumes\\[([^]]+)].*");
  /** {@code spec.configInputs.configmap/NAMESPACE/NAME}, see {@code CanonicalForm.INPUTS}. */
  private static final Pattern INPUT = Pattern.compile("spec\\.(?:configInputs|fileInputs)\\.([a-z]+)/([^/]+)/(.+)");
  /** {@code spec.configInputs.hostFile/URI}: a host file a volume of files names, see {@code CanonicalForm.INPUTS}. */
  private static final Pattern HOST_FILE = Pattern.compile("spec\\.configInputs\\.hostFile/(.+)");
  /** {@code spec.fileInputs.downwardAPI/VOLUME}: labels or annotations a downwardAPI file shows. */
  private static final Pattern DOWNWARD = Pattern.compile("spec\\.fileInputs\\.downwardAPI/(.+)");

  /** Reasons for the diff, VM-level first, then containers, then metadata; no duplicates. */
  static List<Reason> of(List<FieldChange> diff) {
    Map<String, Reason> byText = new LinkedHashMap<>();
    for (Impact impact : new Impact[] {Impact.VM, Impact.CONTAINERS, Impact.FILES, Impact.RECORD}) {
      for (FieldChange change : diff) {
        if (change.impact() == impact) {
          Reason reason = of(change);
          byText.putIfAbsent(reason.text(), reason);
        }
      }
    }
    return new ArrayList<>(byText.values());
  }

  private static Reason of(FieldChange change) {
    String text = describe(change);
    return switch (change.impact()) {
      case VM -> Reason.of(Kind.RecreateBecauseVmSettingsChanged, text + (resize(change)
          ? " (needs a new VM: " + NO_IN_PLACE_RESIZE + ")"
          : " (needs a new VM)"));
      case CONTAINERS -> INPUT.matcher(change.path()).matches() || HOST_FILE.matcher(change.path()).matches()
          ? Reason.of(Kind.ReplaceBecauseConfigChanged, text)
          : Reason.of(change.path().startsWith("spec.containers")
              || change.path().startsWith("spec.initContainers")
          ? Kind.ReplaceBecauseContainersChanged : Kind.ReplaceBecausePodSettingsChanged, text);
      case FILES -> Reason.of(Kind.RefreshBecauseFilesChanged, text + " (its files are written into the running"
          + " VM in place, as the kubelet updates them; nothing restarts)");
      case RECORD -> Reason.of(Kind.UpdateBecauseMetadataChanged, text);
    };
  }

  /**
   * A change of the VM's size: Kubernetes resizes a pod in place (resizePolicy); QEMU's microvm has
   * no memory or CPU hotplug, so Peapod boots a new VM, and the reason says so.
   */
  private static boolean resize(FieldChange change) {
    return change.path().equals("spec.vm.memory") || change.path().equals("spec.vm.vcpus");
  }

  private static String describe(FieldChange change) {
    String path = change.path();
    Matcher container = CONTAINER.matcher(path);
    if (container.matches()) {
      String what = (container.group(1).equals("initContainers") ? "init container \"" : "container \"")
          + container.group(2) + "\"";
      String field = container.group(3);
      if (field == null) {
        return what + (change.before() == null ? " added" : change.after() == null ? " removed" : " changed");
      }
      if (field.equals("securityContext")) {
        return "securityContext of " + what + " changed (guest-init applies it when it starts the container,"
            + " so the container is replaced in the same VM)";
      }
      return field + " of " + what + " changed";
    }
    if (path.startsWith("spec.containers (order)")) {
      return "the order of containers changed";
    }
    if (path.startsWith("spec.initContainers (order)")) {
      return "the order of init containers changed";
    }
    if (path.equals("spec.configInputs") && change.impact() == Impact.RECORD) {
      return "the hashes of the host files it names are recorded";
    }
    Matcher hostFile = HOST_FILE.matcher(path);
    if (hostFile.matches()) {
      return "host file " + hostFile.group(1) + (change.before() == null ? " is hashed" : change.after() == null
          ? " is no longer used" : " changed (its containers read it when they start)");
    }
    Matcher downward = DOWNWARD.matcher(path);
    if (downward.matches()) {
      return "labels or annotations shown in volume \"" + downward.group(1) + "\" changed";
    }
    Matcher input = INPUT.matcher(path);
    if (input.matches()) {
      String namespace = input.group(2).equals("default") ? "" : input.group(2) + "/";
      return input.group(1) + " \"" + namespace + input.group(3) + "\""
          + (change.before() == null ? " is used" : change.after() == null ? " is no longer used" : " changed");
    }
    Matcher volume = VOLUME.matcher(path);
    if (volume.matches()) {
      return "volume \"" + volume.group(1) + "\""
          + (change.before() == null ? " added" : change.after() == null ? " removed" : " changed");
    }
    if (path.startsWith("spec.vm.")) {
      return "VM " + path.substring("spec.vm.".length()) + " changed";
    }
    if (path.startsWith("spec.dns")) {
      return "DNS settings changed";
    }
    if (path.startsWith("spec.securityContext")) {
      return "pod securityContext changed (fsGroup, supplementalGroups and sysctls are applied when the pod's"
          + " containers start, so they are replaced in the same VM)";
    }
    if (path.startsWith("spec.hostAliases")) {
      return "host aliases changed";
    }
    if (path.startsWith("metadata.")) {
      String field = path.substring("metadata.".length());
      int dot = field.indexOf('.');
      return (dot < 0 ? field : field.substring(0, dot)) + " changed";
    }
    if (path.startsWith("spec.")) {
      return words(path.substring("spec.".length())) + " changed";
    }
    return path + " changed";
  }

  /** {@code terminationGracePeriodSeconds} → {@code termination grace period seconds}. */
  private static String words(String camel) {
    int dot = camel.indexOf('.');
    String first = dot < 0 ? camel : camel.substring(0, dot);
    return first.replaceAll("([a-z])([A-Z])", "$1 $2").toLowerCase(java.util.Locale.ROOT);
  }
}
