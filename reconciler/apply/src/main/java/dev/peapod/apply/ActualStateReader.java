package dev.peapod.apply;

import dev.peapod.plan.ActualPod;
import dev.peapod.plan.ActualState;
import dev.peapod.plan.AppliedRecord;
import dev.peapod.provider.PodSummary;
import dev.peapod.provider.Provider;
import dev.peapod.provider.VmInfo;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Reads the actual state afresh: the provider's inventory joined with the applied records, and a
 * revision over both. The revision changes when a pod appears or goes, changes lifecycle state,
 * boots a new VM (its boot id), or gets a new record or a pending change; a saved plan made
 * before any of that is stale.
 */
public final class ActualStateReader {

  private final Provider provider;
  private final AppliedRecordStore records;

  public ActualStateReader(Provider provider, AppliedRecordStore records) {
    this.provider = provider;
    this.records = records;
  }

  public ActualState read() {
    Map<String, PodSummary> pods = new TreeMap<>();
    // The inventory without specs: planning needs states and boot ids, never containers or the provider's
    // specs (it compares manifests with the applied records), and asks no guest.
    provider.summaries().forEach(p -> pods.put(p.name(), p));
    Map<String, AppliedRecord> applied = records.readAll();
    TreeMap<String, ActualPod> all = new TreeMap<>();
    pods.forEach((name, status) -> all.put(name, new ActualPod(name, Optional.of(status.state()), status.message(),
        Optional.ofNullable(applied.get(name)), status.recreateReason())));
    applied.forEach((name, record) -> all.putIfAbsent(name,
        new ActualPod(name, Optional.empty(), "", Optional.of(record))));
    return ActualState.of(new ArrayList<>(all.values()), revision(pods, applied));
  }

  /**
   * Only {@code pod}: its inventory entry and its record, and a revision over those alone. What a
   * pass over one pod plans against; a plan that needs to count other pods (the prune guards) is
   * made against {@link #read()}.
   */
  public ActualState readOne(String pod) {
    Map<String, PodSummary> pods = new TreeMap<>();
    provider.summaryOf(pod).ifPresent(p -> pods.put(p.name(), p));
    Map<String, AppliedRecord> applied = new TreeMap<>();
    records.read(pod).ifPresent(r -> applied.put(r.name(), r));
    PodSummary status = pods.get(pod);
    AppliedRecord record = applied.get(pod);
    if (status == null && record == null) {
      return ActualState.of(List.of(), revision(pods, applied));
    }
    return ActualState.of(List.of(new ActualPod(pod, Optional.ofNullable(status).map(PodSummary::state),
        status == null ? "" : status.message(), Optional.ofNullable(record),
        Optional.ofNullable(status).flatMap(PodSummary::recreateReason))), revision(pods, applied));
  }

  static String revision(Map<String, PodSummary> pods, Map<String, AppliedRecord> applied) {
    List<String> lines = new ArrayList<>();
    pods.forEach((name, status) -> lines.add("pod " + name + " " + status.state() + " "
        + status.vm().map(VmInfo::bootId).orElse("-")));
    applied.forEach((name, record) -> lines.add("record " + name + " " + record.managedBy() + " " + record.hash() + " "
        + record.pending().map(p -> p.action().verb() + "@" + p.since()).orElse("-")));
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      lines.forEach(l -> sha.update((l + "\n").getBytes(StandardCharsets.UTF_8)));
      return HexFormat.of().formatHex(sha.digest()).substring(0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
