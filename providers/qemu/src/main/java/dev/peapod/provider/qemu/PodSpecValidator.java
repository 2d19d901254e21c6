package dev.peapod.provider.qemu;

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

  /** microvm has 24 virtio-mmio slots; serial, net and rng take three. */
  static final int MAX_IMAGES = 16;
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
    }
    Set<String> containers = new HashSet<>();
    Set<String> images = new HashSet<>();
    for (ContainerSpec c : spec.allContainers()) {
      check(pod, null, DnsLabel.problem("container name", c.name()));
      if (!containers.add(c.name())) {
        fail(pod, c.name(), "container name is used twice");
      }
      validateContainer(pod, c, volumes);
      images.add(c.image().id());
    }
    if (images.size() > MAX_IMAGES) {
      fail(pod, null, "uses " + images.size() + " distinct images; a VM takes at most " + MAX_IMAGES);
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
      if (m.subPath().startsWith("/") || m.subPath().contains("..")) {
        fail(pod, c.name(), "subPath \"" + m.subPath() + "\" must be relative and must not contain \"..\"");
      }
    }
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
