package dev.peapod.controller.source;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A source's status at one moment, as {@code GET /v1/sources/{name}} and {@code peapod sources}
 * show it.
 *
 * @param diagnostics every problem of the last read ({@code file:line:col: path: message}), or its warnings
 * @param pods how many pods the last good revision declares
 * @param stalledPods pods that cannot converge until the source changes, with why
 */
public record SourceStatus(String name, String location, String owner, boolean suspended,
    String lastAttemptedRevision, String lastAppliedRevision, Instant lastSyncTime, long failures,
    List<String> diagnostics, List<Condition> conditions, int pods, Map<String, String> stalledPods) {

  /** The condition of {@code type}, whose status is then True, False or Unknown. */
  public Condition condition(String type) {
    return conditions.stream().filter(c -> c.type().equals(type)).findFirst().orElseThrow();
  }
}
