package dev.peapod.engine;

import java.time.Duration;

/**
 * What a reconcile loop reports for its metrics. The controller's work queue and the Kubernetes
 * node agent report the same passes, changes and boots, so that one dashboard (the chart's
 * Grafana dashboard) shows either; the controller's {@code ControllerMetrics} records them as
 * {@code peapod_reconcile_duration_seconds}, {@code peapod_actions_total} and
 * {@code peapod_boot_duration_seconds}.
 */
public interface ReconcileMetrics {

  /** Reports nothing: for loops run without a metrics registry (tests, the CLI). */
  ReconcileMetrics NONE = new ReconcileMetrics() {
    @Override
    public void reconciled(Duration took, String result) {}

    @Override
    public void action(String action, boolean succeeded) {}

    @Override
    public void boot(String kind, Duration took) {}
  };

  /** One pass over one pod: how long, and how it ended ({@code converged}, {@code retry}, ...). */
  void reconciled(Duration took, String result);

  /** A change carried out ({@code create}, {@code replace}, ...) and whether it succeeded. */
  void action(String action, boolean succeeded);

  /** A VM booted for a change, cold or from a template, and how long it took to be ready. */
  void boot(String kind, Duration took);

  /**
   * A read of every pod's state, and what asked for it ({@code peapod_actual_reads_total{trigger}}):
   * what a loop that plans against a cached read still pays.
   */
  default void actualRead(String trigger) {}
}
