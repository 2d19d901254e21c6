package dev.peapod.manifest.model;

/** {@code spec.vm.accel}: which accelerator the VM uses. */
public enum Accel implements ManifestNamed {
  /** KVM when usable, else TCG; the default. */
  AUTO("auto"),
  KVM("kvm"),
  TCG("tcg");

  private final String manifestName;

  Accel(String manifestName) {
    this.manifestName = manifestName;
  }

  public String manifestName() {
    return manifestName;
  }
}
