package dev.peapod.cli.plan;

import dev.peapod.apply.ActualStateReader;
import dev.peapod.apply.AppliedRecordStore;
import dev.peapod.cli.PeapodCommand;
import dev.peapod.plan.ActualState;
import dev.peapod.plan.DesiredPod;
import dev.peapod.plan.Plan;
import dev.peapod.plan.PlanOptions;
import dev.peapod.plan.Planner;
import dev.peapod.provider.qemu.QemuProvider;
import java.util.List;

/** The provider, the applied records and the planner over one Peapod home: what plan and apply share. */
final class Reconciliation implements AutoCloseable {

  final QemuProvider provider;
  final AppliedRecordStore records;
  private final Planner planner;

  Reconciliation(PeapodCommand root) {
    this.provider = new QemuProvider(root.environment().qemuConfig());
    this.records = AppliedRecordStore.in(root.environment().home());
    this.planner = new Planner(root.environment().clock());
  }

  ActualState actual() {
    return new ActualStateReader(provider, records).read();
  }

  Plan plan(List<DesiredPod> desired, PlanOptions options) {
    return planner.plan(desired, actual(), options);
  }

  @Override
  public void close() {
    provider.close();
  }
}
