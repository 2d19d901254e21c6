package dev.peapod.provider;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * A hypervisor layer that runs pods in VMs: the only thing the planner, the
 * controller loop and the CLI know about QEMU, Cloud Hypervisor or Firecracker.
 *
 * <p>Lifecycle: Absent → {@link #create} → Created → {@link #start} → Running →
 * {@link #stop} → Created → {@link #remove} → Absent. A Running pod takes a new
 * container set with {@link #replace} without a new boot.
 *
 * <p>Every call is synchronous and leaves the pod in a state that
 * {@link #inspect} reports truthfully, also when it fails half way. VMs outlive
 * the process that started them; a new provider instance re-adopts them from
 * its runtime directory. Implementations are safe for use from several threads,
 * but two processes changing the same pod must be serialised by the caller
 * (the state store's lock).
 */
public interface Provider extends AutoCloseable {

  /** Short lower-case name, e.g. {@code qemu}; recorded with every pod it owns. */
  String name();

  /**
   * Prepares everything a boot needs (runtime directory, image attachments)
   * and records the spec. The pod ends Created.
   *
   * @throws InvalidStateException if a pod of that name exists
   */
  PodStatus create(PodSpec spec);

  /**
   * Boots the pod's VM, runs its init containers to completion (see
   * {@link PodSpec#initContainers()}) and starts its containers; returns once every
   * app container's main process runs. The pod ends Running. A failure (a
   * container that cannot start, an init container that fails for good) is
   * reported as an exception after the VM was stopped again; the pod is left
   * Created, and its status message says why until the next start or stop.
   */
  PodStatus start(String pod);

  /**
   * {@link #start(String)} with the values of the Secrets the pod's spec refers to ({@link
   * ContainerSpec#secretEnv()}): given to the guest, never recorded. A pod that refers to a Secret
   * whose value is not in {@code secrets} is not started ({@link ProviderException} naming it).
   *
   * @throws UnsupportedOperationException if this provider cannot keep Secret values off its records
   */
  default PodStatus start(String pod, SecretValues secrets) {
    if (!secrets.isEmpty()) {
      throw new UnsupportedOperationException(name() + " cannot give Secret values to a guest");
    }
    return start(pod);
  }

  /**
   * Puts a new container set into the running VM of {@code pod}: the old
   * containers get {@code spec.terminationGracePeriod()} to exit, then the new
   * spec's init containers run again, in order and to completion, before its app
   * containers start, exactly as in a fresh start. The VM, its boot id and its
   * VM-level settings stay. If a new container fails, the VM is stopped and the
   * pod is left Created with the failure as its status message.
   * Images and host port forwards may change; a host port that cannot be
   * forwarded fails the replace before anything changed.
   *
   * @throws RecreateRequiredException when {@code spec} changes something only
   *     a new VM can have (each provider says what; for QEMU: vcpus, memory,
   *     kernel, hostPath volumes)
   */
  PodStatus replace(String pod, PodSpec spec);

  /** {@link #replace(String, PodSpec)} with the values of the Secrets {@code spec} refers to, as for {@link #start(String, SecretValues)}. */
  default PodStatus replace(String pod, PodSpec spec, SecretValues secrets) {
    if (!secrets.isEmpty()) {
      throw new UnsupportedOperationException(name() + " cannot give Secret values to a guest");
    }
    return replace(pod, spec);
  }

  /**
   * Writes the files of {@code spec}'s volumes of files ({@link VolumeSpec#files()}) into the running
   * VM of {@code pod} in place, as the kubelet updates a running pod's configMap volume: each volume
   * whose files differ from the recorded spec's gets a new revision, published atomically; no
   * container is touched, the boot id stays, and the spec is recorded. A container that mounted a
   * file of such a volume with a {@code subPath} keeps the file it started with, as in Kubernetes.
   *
   * @throws InvalidStateException if the pod is not Running
   * @throws ProviderException if {@code spec} differs from the recorded spec in anything but the
   *     files of its volumes of files (those changes are a {@link #replace})
   * @throws UnsupportedOperationException if this provider cannot (its callers then replace)
   */
  default PodStatus updateFiles(String pod, PodSpec spec) {
    throw new UnsupportedOperationException(name() + " cannot update a running pod's files in place");
  }

  /**
   * {@link #updateFiles(String, PodSpec)} with the values of the Secrets whose files {@code spec}'s
   * volumes hold ({@link VolumeFile#secret()}): given to the guest, never recorded. A volume of a
   * Secret's files is written again whenever this is called, since its recorded spec holds no bytes
   * to compare.
   */
  default PodStatus updateFiles(String pod, PodSpec spec, SecretValues secrets) {
    if (!secrets.isEmpty()) {
      throw new UnsupportedOperationException(name() + " cannot give Secret values to a guest");
    }
    return updateFiles(pod, spec);
  }

  /**
   * Gives the running VM of pod {@code from} to the Created pod {@code to}, whose containers then
   * replace {@code from}'s in it as {@link #replace} would put them: the VM and its boot id stay,
   * {@code from} ends Created (as after {@link #stop}, its spec and logs kept) and {@code to} ends
   * Running. HyperContainer's {@code replace -o OLD -n NEW}: a pod started without a boot.
   *
   * <p>Refused before anything changes ({@link InvalidStateException}, {@link
   * RecreateRequiredException} naming the field, {@link PodNotFoundException}) when either pod is
   * missing, {@code from} is not Running, {@code to} is not Created, {@code to}'s VM-level fields do not
   * fit the VM (what {@link #replace} would refuse), or a host port of {@code to} cannot be forwarded.
   * The caller holds both pods' locks.
   *
   * <p>Atomic from the caller's view: the moment the VM changes hands is one durable record that an
   * implementation writes before its first step, and every later step can be done again. A process
   * killed at any point leaves each pod in a state that {@link #inspect} reports truthfully (with a
   * message that the hand-over was interrupted), and the next {@link #start}, {@link #stop}, {@link
   * #replace}, {@link #remove} or {@code handOver} of either pod finishes it first; a kill after the VM
   * changed hands but before {@code to}'s containers ran leaves {@code to} Running with an interrupted
   * start, which {@link #start} turns into a fresh boot and {@link #stop} ends. How the VM changes
   * hands is the implementation's (QEMU moves its sockets, pid file and logs to the new pod's runtime
   * directory; a VMM with an API socket would move that socket and the VM's records alike).
   *
   * @return {@code to}'s status, Running
   * @throws UnsupportedOperationException if this provider cannot hand a VM over
   */
  default PodStatus handOver(String from, String to) {
    throw new UnsupportedOperationException(name() + " cannot hand a running VM over to another pod");
  }

  /** {@link #handOver(String, String)} with the values of the Secrets {@code to}'s spec refers to. */
  default PodStatus handOver(String from, String to, SecretValues secrets) {
    if (!secrets.isEmpty()) {
      throw new UnsupportedOperationException(name() + " cannot give Secret values to a guest");
    }
    return handOver(from, to);
  }

  /** Ends the VM after giving processes {@code grace} to exit. The pod ends Created. */
  PodStatus stop(String pod, Duration grace);

  /** Stops the pod if it runs, then deletes everything {@link #create} made. */
  void remove(String pod, Duration grace);

  /** The pod's actual state, or empty if this provider has no such pod. */
  Optional<PodStatus> inspect(String pod);

  /** Every pod this provider knows, in name order. */
  List<PodStatus> list();

  /**
   * Every pod this provider knows, in name order, as cheaply as the provider can tell it: the
   * lifecycle state, the VM and why it ended, but no round trip to any guest, so {@link
   * PodStatus#containers()} may be empty. What a long-running caller polls (the controller reads
   * it on every resync and drift check); it never competes with other clients for a guest.
   */
  default List<PodStatus> inventory() {
    return list();
  }

  /**
   * One pod as {@link #inventory()} tells it (no guest asked), or empty if this provider has no such
   * pod: what a pass over one pod reads, so that converging N pods does not read every pod's state
   * N times. Providers that can look at one pod alone override this.
   */
  default Optional<PodStatus> inventoryOf(String pod) {
    return inventory().stream().filter(p -> p.name().equals(pod)).findFirst();
  }

  /**
   * Every pod as {@link #inventory()} tells it, in name order, without the specs: what a plan reads.
   * Providers that can tell a pod's state without reading its spec override this.
   */
  default List<PodSummary> summaries() {
    return inventory().stream().map(PodSummary::of).toList();
  }

  /** One pod as {@link #summaries()} tells it, or empty if this provider has no such pod. */
  default Optional<PodSummary> summaryOf(String pod) {
    return inventoryOf(pod).map(PodSummary::of);
  }

  /**
   * Tells {@code listener} about pods whose VM ended or whose state another client changed, from
   * now until the returned handle is closed, without holding anything other clients need (no guest
   * connection, no lock). Events come on the provider's own thread and must be handled quickly;
   * they are hints to read {@link #inventory()} again (see {@link ProviderEvent}). A provider that
   * cannot push events returns a handle that never fires (the default): its callers keep polling.
   *
   * @return closes the watch; idempotent
   */
  default AutoCloseable watch(Consumer<ProviderEvent> listener) {
    return () -> {};
  }

  /**
   * Container output, oldest first. With {@link LogQuery#follow()} the stream
   * keeps producing records until it is closed or the pod is removed.
   */
  Stream<LogRecord> logs(String pod, LogQuery query);

  /** Runs a process inside a container of a running pod. */
  ExecSession exec(String pod, ExecSpec spec);

  /**
   * Attaches to the main process of a container of a running pod, as {@code kubectl attach} does:
   * its output from now on, its stdin when the container has one, its terminal's size. Detaching
   * leaves the process running.
   *
   * @throws PodNotFoundException if there is no such pod
   * @throws InvalidStateException if the pod is not Running
   * @throws ProviderException if the container does not exist, or {@code spec.stdin()} asks for
   *     the stdin of a container without {@link ContainerSpec.Stdio#stdin()}
   * @throws UnsupportedOperationException if this provider cannot attach
   */
  default AttachSession attach(String pod, AttachSpec spec) {
    throw new UnsupportedOperationException(name() + " cannot attach to a container");
  }

  @Override
  void close();
}
