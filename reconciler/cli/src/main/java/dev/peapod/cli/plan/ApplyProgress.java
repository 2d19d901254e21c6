package dev.peapod.cli.plan;

import dev.peapod.apply.ApplyListener;
import dev.peapod.apply.Outcome;
import dev.peapod.cli.output.HumanUnits;
import dev.peapod.cli.output.Output;
import dev.peapod.plan.Change;

/**
 * One line per slow step and one per finished change, each prefixed with the pod, as Terraform
 * prints its progress: {@code web: booting...}, {@code web: created and started in 2.1s}. Lines
 * from pods applied in parallel interleave, whole.
 */
final class ApplyProgress implements ApplyListener {

  private final Output output;

  ApplyProgress(Output output) {
    this.output = output;
  }

  @Override
  public void step(Change change, String what) {
    line(change.pod() + ": " + what + "...");
  }

  @Override
  public void finished(Outcome outcome) {
    Change change = outcome.change();
    switch (outcome.status()) {
      case DONE -> line(change.pod() + ": " + PlanTexts.done(change) + " in " + HumanUnits.duration(outcome.took()));
      case FAILED -> line(change.pod() + ": " + change.action().verb() + " failed after "
          + HumanUnits.duration(outcome.took()) + ": " + outcome.error());
      case NOT_STARTED -> line(change.pod() + ": not started (" + outcome.error() + ")");
    }
  }

  private synchronized void line(String text) {
    output.line(text);
  }
}
