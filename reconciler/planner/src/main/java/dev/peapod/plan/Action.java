package dev.peapod.plan;

/**
 * What apply does to one pod. The symbol is what people read in a plan; the
 * order of the constants is the order of the summary line.
 */
public enum Action {
  /** A new pod: storage prepared, images pulled, then booted unless it is desired Created. */
  CREATE("+", "create"),
  /** A Created pod (or one whose VM died) booted again with its recorded spec. */
  START(">", "start"),
  /** New containers in the running VM; the boot id stays. */
  REPLACE("~", "replace", "(same VM)"),
  /** Only labels or annotations changed: the record is rewritten, nothing restarts. */
  UPDATE("~", "update", "(metadata only)"),
  /**
   * Only what volumes of files show changed (a ConfigMap no variable uses, labels a downwardAPI
   * file shows): the files are written into the running VM in place, nothing restarts, as the
   * kubelet updates such volumes. Left out of the summary line when there is none.
   */
  REFRESH("~", "refresh", "(files in place)"),
  /** The pod is removed and created again; it gets a new VM. */
  RECREATE("-/+", "recreate", "(new VM)"),
  /** The VM ends; the pod stays Created. */
  STOP("■", "stop"),
  /** The pod and its storage go (prune). */
  REMOVE("-", "remove");

  private final String symbol;
  private final String verb;
  private final String qualifier;

  Action(String symbol, String verb) {
    this(symbol, verb, "");
  }

  Action(String symbol, String verb, String qualifier) {
    this.symbol = symbol;
    this.verb = verb;
    this.qualifier = qualifier;
  }

  /** {@code +}, {@code >}, {@code ~}, {@code -/+}, {@code ■} or {@code -}. */
  public String symbol() {
    return symbol;
  }

  /** The word in the plan and in the JSON ({@code "replace"}). */
  public String verb() {
    return verb;
  }

  /** What people should know about how it is done, e.g. {@code (same VM)}; empty if nothing. */
  public String qualifier() {
    return qualifier;
  }
}
