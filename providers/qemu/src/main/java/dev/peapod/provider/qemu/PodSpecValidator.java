package dev.peapod.provider.qemu;

import dev.peapod.mounts.MountDestinations;
import dev.peapod.provider.ContainerSpec;
import dev.peapod.provider.PodSpec;
import dev.peapod.provider.PortForward;
import dev.peapod.provider.ProviderException;
import dev.peapod.provider.VolumeMount;
import dev.peapod.provider.VolumeSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Checks a pod spec before anything is written or launched, so every problem
 * surfaces as a {@link ProviderException} naming the pod and container rather
 * than as a QEMU or guest failure later. Names become paths, QEMU option
 * values and guest mount points, hence the strict DNS-label rule.
 */
final class PodSpecValidator {

  /** virtio-mmio slots of a microvm. */
  private static final int MMIO_SLOTS = 24;
  /** Devices every VM has: virtio-serial, net, rng, balloon and the 9p image share. */
  private static final int FIXED_DEVICES = 5;
  /** Images that get a virtio-blk device at launch; the rest come through the image share. */
  static final int MAX_BLOCK_IMAGES = 16;
  /** hostPath volumes, each a virtio-9p device. */
  static final int MAX_HOST_PATHS = 8;
  private static final Pattern HOSTNAME =
      Pattern.compile("(?i)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

  private PodSpecValidator() {}

  /** Checks names, references and that the files the pod needs exist. */
  static void validate(PodSpec spec, Path kernel, Path initrd) {
    String pod = spec.name();
    check(pod, null, DnsLabel.problem("pod name", pod));
    if (spec.hostname().length() > 253 || !HOSTNAME.matcher(spec.hostname()).matches()) {
      fail(pod, null, "hostname \"" + spec.hostname() + "\" is not a valid host name");
    }
    Set<String> volumes = new HashSet<>();
    for (VolumeSpec v : spec.volumes()) {
      check(pod, null, DnsLabel.problem("volume name", v.name()));
      if (!volumes.add(v.name())) {
        fail(pod, null, "volume \"" + v.name() + "\" is declared twice");
      }
      if (v.image() != null && !Files.isRegularFile(v.image().path())) {
        fail(pod, null, "image file " + v.image().path() + " of volume \"" + v.name() + "\" does not exist");
      }
    }
    dev.peapod.provider.FileSet.problem(spec.volumes()).ifPresent(problem -> fail(pod, null, problem));
    int hostPaths = HostShares.of(spec, Path.of("host-files")).size(); // checks each hostPath's type against the host
    if (hostPaths > MAX_HOST_PATHS) {
      fail(pod, null, "has " + hostPaths + " hostPath volumes; a VM takes at most " + MAX_HOST_PATHS);
    }
    Set<String> containers = new HashSet<>();
    for (ContainerSpec c : spec.allContainers()) {
      check(pod, null, DnsLabel.problem("container name", c.name()));
      if (!containers.add(c.name())) {
        fail(pod, c.name(), "container name is used twice");
      }
      validateContainer(pod, c, volumes);
    }
    Set<String> hostPorts = new HashSet<>();
    for (PortForward p : spec.ports()) {
      if (!hostPorts.add(p.protocol() + " " + p.hostIp() + ":" + p.hostPort())) {
        fail(pod, null, "host port " + p.hostIp() + ":" + p.hostPort() + " is forwarded twice");
      }
    }
    requireFile(pod, kernel, "kernel");
    requireFile(pod, initrd, "initrd");
  }

  /** How many images get a block device in a VM with {@code hostShares} hostPath devices. */
  static int blockDeviceSlots(int hostShares) {
    return Math.min(MAX_BLOCK_IMAGES, MMIO_SLOTS - FIXED_DEVICES - hostShares);
  }

  private static void validateContainer(String pod, ContainerSpec c, Set<String> volumes) {
    if (c.command().isEmpty()) {
      fail(pod, c.name(), "has no command");
    }
    if (!c.workingDir().isEmpty() && !c.workingDir().startsWith("/")) {
      fail(pod, c.name(), "workingDir \"" + c.workingDir() + "\" is not absolute");
    }
    Path image = c.image().path();
    if (!Files.isRegularFile(image)) {
      fail(pod, c.name(), "image file " + image + " does not exist");
    }
    for (VolumeMount m : c.mounts()) {
      if (!volumes.contains(m.volume())) {
        fail(pod, c.name(), "mounts volume \"" + m.volume() + "\", which the pod does not declare");
      }
      if (!m.mountPath().startsWith("/")) {
        fail(pod, c.name(), "mountPath \"" + m.mountPath() + "\" is not absolute");
      }
      check(pod, c.name(), mountPathProblem(m.mountPath()));
      if (m.subPath().startsWith("/") || m.subPath().contains("..")) {
        fail(pod, c.name(), "subPath \"" + m.subPath() + "\" must be relative and must not contain \"..\"");
      }
    }
  }

  /**
   * The pod file's rule (common/mounts, which the manifest's decoder applies too) for callers of the
   * provider API, whom only guest-init refused before, at start.
   */
  static String mountPathProblem(String path) {
    return MountDestinations.refusal(path).map(r -> r instanceof MountDestinations.Shadows sh
        ? "mountPath \"" + path + "\" " + sh.wouldShadow()
        : "mountPath \"" + path + "\" must not contain \"..\"").orElse(null);
  }

  private static void requireFile(String pod, Path file, String what) {
    if (!Files.isRegularFile(file)) {
      fail(pod, null, what + " " + file + " does not exist");
    }
  }

  private static void check(String pod, String container, String problem) {
    if (problem != null) {
      fail(pod, container, problem);
    }
  }

  private static void fail(String pod, String container, String message) {
    throw new ProviderException(pod, container, message, null);
  }
}
