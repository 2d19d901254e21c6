package dev.peapod.manifest.diag;

/** How bad a diagnostic is: an error rejects the pod document it is in, a warning does not. */
public enum Severity {
  ERROR,
  WARNING
}
