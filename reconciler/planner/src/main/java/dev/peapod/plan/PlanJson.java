package dev.peapod.plan;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The plan as JSON, for scripts ({@code peapod plan --json}) and saved plans. The shape is
 * published as {@code peapod-plan.schema.json} (a JSON Schema next to this class) and kept stable:
 * fields are only ever added, and {@code formatVersion} changes if one's meaning does.
 *
 * <pre>{@code
 * {"formatVersion": "1", "stateRevision": "…", "createdAt": "2026-…Z",
 *  "summary": {"create": 1, "start": 0, "replace": 1, "update": 0, "recreate": 0, "stop": 0, "remove": 0},
 *  "unchanged": 3, "refusal": null, "warnings": [], "owner": "dir:/srv/pods",
 *  "conflicts": [{"pod": "db", "owner": "git:git://host/pods.git#main//prod", "source": "pods/db.yaml"}],
 *  "changes": [{"pod": "web", "action": "replace", "symbol": "~", "targetState": "Running",
 *               "source": "pods/web.yaml", "desiredHash": "…",
 *               "reasons": [{"kind": "ReplaceBecauseContainersChanged", "text": "image of container \"web\" changed"}],
 *               "diff": [{"path": "spec.containers[web].image", "op": "~", "before": "web:1", "after": "web:2",
 *                         "impact": "containers"}]}]}
 * }</pre>
 */
public final class PlanJson {
  private PlanJson() {}

  public static final String FORMAT_VERSION = "1";

  static final ObjectMapper MAPPER = new ObjectMapper()
      .enable(SerializationFeature.INDENT_OUTPUT)
      .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);

  /** The plan as a JSON tree. */
  public static ObjectNode toJson(Plan plan) {
    ObjectNode root = MAPPER.createObjectNode();
    root.put("formatVersion", FORMAT_VERSION);
    root.put("stateRevision", plan.stateRevision());
    root.put("createdAt", plan.createdAt().toString());
    ObjectNode summary = root.putObject("summary");
    plan.counts().forEach((action, n) -> summary.put(action.verb(), n));
    root.put("unchanged", plan.unchanged());
    if (plan.refusal().isPresent()) {
      root.put("refusal", plan.refusal().get());
    } else {
      root.putNull("refusal");
    }
    ArrayNode warnings = root.putArray("warnings");
    plan.warnings().forEach(warnings::add);
    root.put("owner", plan.owner());
    ArrayNode conflicts = root.putArray("conflicts");
    plan.conflicts().forEach(c -> conflicts.addObject().put("pod", c.pod()).put("owner", c.owner())
        .put("source", c.source()));
    ArrayNode changes = root.putArray("changes");
    plan.changes().forEach(c -> changes.add(change(c)));
    return root;
  }

  public static String write(Plan plan) {
    try {
      return MAPPER.writeValueAsString(toJson(plan)) + "\n";
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("a JSON tree always serialises", e);
    }
  }

  private static ObjectNode change(Change change) {
    ObjectNode out = MAPPER.createObjectNode();
    out.put("pod", change.pod());
    out.put("action", change.action().verb());
    out.put("symbol", change.action().symbol());
    if (change.targetState().isPresent()) {
      out.put("targetState", change.targetState().get().manifestName());
    } else {
      out.putNull("targetState");
    }
    out.put("source", change.source());
    out.put("desiredHash", change.desired().map(DesiredPod::hash).orElse(""));
    ArrayNode reasons = out.putArray("reasons");
    change.reasons().forEach(r -> reasons.addObject().put("kind", r.kind().name()).put("text", r.text()));
    ArrayNode diff = out.putArray("diff");
    for (FieldChange field : change.diff()) {
      ObjectNode f = diff.addObject();
      f.put("path", field.path());
      f.put("op", field.symbol());
      f.set("before", MAPPER.valueToTree(field.before()));
      f.set("after", MAPPER.valueToTree(field.after()));
      f.put("impact", field.impact().name().toLowerCase(java.util.Locale.ROOT));
    }
    return out;
  }
}
