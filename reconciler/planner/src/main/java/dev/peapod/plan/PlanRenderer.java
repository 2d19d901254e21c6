package dev.peapod.plan;

import dev.peapod.manifest.model.DesiredState;

/**
 * A plan as people read it, Terraform-style: one block per pod with its symbol, action, reasons
 * and field diff, then the summary line. Colour (ANSI) only when asked for; tests compare the
 * colourless text exactly.
 */
public final class PlanRenderer {

  private static final String RESET = "\u001b[0m";
  private static final String BOLD = "\u001b[1m";

  private final boolean colour;

  public PlanRenderer(boolean colour) {
    this.colour = colour;
  }

  public String render(Plan plan) {
    StringBuilder out = new StringBuilder();
    if (!plan.hasChanges()) {
      out.append(paint(BOLD, "No changes.")).append(' ')
          .append(plural(plan.unchanged(), "pod matches its manifest", "pods match their manifests"))
          .append(".\n");
      warnings(plan, out);
      conflicts(plan, out);
      return out.toString();
    }
    out.append("Peapod will perform these actions:\n");
    for (Change change : plan.changes()) {
      out.append('\n');
      change(change, out);
    }
    out.append('\n');
    warnings(plan, out);
    out.append(paint(BOLD, plan.summary()));
    if (plan.unchanged() > 0) {
      out.append(' ').append(plural(plan.unchanged(), "pod unchanged", "pods unchanged")).append('.');
    }
    out.append('\n');
    plan.refusal().ifPresent(r -> out.append('\n').append(paint(colourOf(Action.REMOVE), "Error: "))
        .append(r).append('\n'));
    conflicts(plan, out);
    return out.toString();
  }

  /** Pods declared here that another source owns: errors, after everything else. */
  private void conflicts(Plan plan, StringBuilder out) {
    for (Conflict conflict : plan.conflicts()) {
      out.append('\n').append(paint(colourOf(Action.REMOVE), "Error: ")).append(conflict.text()).append('\n');
    }
  }

  private void change(Change change, StringBuilder out) {
    String code = colourOf(change.action());
    out.append("  ").append(paint(code, change.action().symbol())).append(' ')
        .append(paint(BOLD, change.pod())).append(": ").append(what(change));
    if (!change.source().isEmpty()) {
      out.append("  (").append(change.source()).append(')');
    }
    out.append('\n');
    change.reasons().forEach(r -> out.append("      ").append(r).append('\n'));
    for (FieldChange field : change.diff()) {
      out.append("        ").append(paint(symbolColour(field), field.symbol())).append(' ')
          .append(field.path()).append(": ").append(values(field)).append('\n');
    }
  }

  /** {@code create, then start}, {@code replace (same VM)}, {@code recreate (new VM), stays Created}. */
  static String what(Change change) {
    Action action = change.action();
    boolean created = change.targetState().filter(s -> s == DesiredState.CREATED).isPresent();
    StringBuilder out = new StringBuilder(action.verb());
    if (!action.qualifier().isEmpty()) {
      out.append(' ').append(action.qualifier());
    }
    if (action == Action.CREATE) {
      out.append(created ? " (stays Created)" : ", then start");
    } else if (action == Action.RECREATE && created) {
      out.append(", stays Created");
    }
    return out.toString();
  }

  private static String values(FieldChange field) {
    if (field.before() == null) {
      return NormalizedPod.json(field.after());
    }
    if (field.after() == null) {
      return NormalizedPod.json(field.before());
    }
    return NormalizedPod.json(field.before()) + " -> " + NormalizedPod.json(field.after());
  }

  private void warnings(Plan plan, StringBuilder out) {
    for (String warning : plan.warnings()) {
      out.append(paint(colourOf(Action.STOP), "Warning: ")).append(warning).append('\n');
    }
    if (!plan.warnings().isEmpty() && plan.hasChanges()) {
      out.append('\n');
    }
  }

  private static String plural(int n, String one, String many) {
    return n + " " + (n == 1 ? one : many);
  }

  private static String colourOf(Action action) {
    return switch (action) {
      case CREATE, START -> "\u001b[32m";
      case REPLACE, UPDATE, REFRESH -> "\u001b[33m";
      case STOP -> "\u001b[36m";
      case RECREATE, REMOVE -> "\u001b[31m";
    };
  }

  private static String symbolColour(FieldChange field) {
    return switch (field.symbol()) {
      case "+" -> "\u001b[32m";
      case "-" -> "\u001b[31m";
      default -> "\u001b[33m";
    };
  }

  private String paint(String code, String text) {
    return colour ? code + text + RESET : text;
  }
}
