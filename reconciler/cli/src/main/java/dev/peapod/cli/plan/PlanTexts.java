package dev.peapod.cli.plan;

import dev.peapod.manifest.model.DesiredState;
import dev.peapod.plan.Change;

/** The words apply's progress uses for a finished change. */
final class PlanTexts {
  private PlanTexts() {}

  static String done(Change change) {
    boolean running = change.targetState().orElse(DesiredState.CREATED) == DesiredState.RUNNING;
    return switch (change.action()) {
      case CREATE -> running ? "created and started" : "created";
      case START -> "started";
      case REPLACE -> "replaced";
      case UPDATE -> "updated";
      case REFRESH -> "files updated in place";
      case RECREATE -> running ? "recreated and started" : "recreated";
      case STOP -> "stopped";
      case REMOVE -> "removed";
    };
  }
}
