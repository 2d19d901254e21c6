package dev.peapod.images.it;

import dev.peapod.images.PullListener;
import dev.peapod.images.oci.Descriptor;
import dev.peapod.images.oci.Digest;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Remembers listener calls as short strings, e.g. "building", "layerDone cached=false". */
final class RecordingListener implements PullListener {
  final List<String> events = new CopyOnWriteArrayList<>();

  @Override
  public void alreadyPresent(String image, Digest imageId) {
    events.add("alreadyPresent");
  }

  @Override
  public void layerStarted(Descriptor layer) {
    events.add("layerStarted");
  }

  @Override
  public void layerDone(Descriptor layer, boolean cached) {
    events.add("layerDone cached=" + cached);
  }

  @Override
  public void retrying(String what, int attempt, Duration delay, String reason) {
    events.add("retrying " + reason);
  }

  @Override
  public void building(String image, Digest imageId) {
    events.add("building");
  }

  @Override
  public void warning(String image, String message) {
    events.add("warning " + message);
  }

  long count(String prefix) {
    return events.stream().filter(e -> e.startsWith(prefix)).count();
  }
}
