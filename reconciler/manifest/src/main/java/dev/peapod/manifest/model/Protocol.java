package dev.peapod.manifest.model;

/** Port protocol; Kubernetes' SCTP is rejected since the VM's user-mode network has none. */
public enum Protocol {
  TCP,
  UDP
}
