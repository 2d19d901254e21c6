package dev.peapod.controller.loop;

import java.time.Clock;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * The last events (a bounded ring: memory stays flat however long the controller runs), and
 * listeners that get each new one ({@code GET /v1/events} streams them).
 */
public final class EventLog {

  /** Every event is logged too, so the journal of {@code peapod serve} tells the same story. */
  private static final Logger LOG = Logger.getLogger("dev.peapod.controller.events");

  private final int capacity;
  private final Clock clock;
  private final ArrayDeque<ControllerEvent> events = new ArrayDeque<>();
  private final List<Consumer<ControllerEvent>> listeners = new CopyOnWriteArrayList<>();
  private long nextId = 1;

  public EventLog(int capacity, Clock clock) {
    this.capacity = capacity;
    this.clock = clock;
  }

  public void normal(String reason, String kind, String name, String message) {
    add(ControllerEvent.Type.Normal, reason, kind, name, message);
  }

  public void warning(String reason, String kind, String name, String message) {
    add(ControllerEvent.Type.Warning, reason, kind, name, message);
  }

  private void add(ControllerEvent.Type type, String reason, String kind, String name, String message) {
    ControllerEvent event;
    synchronized (this) {
      event = new ControllerEvent(nextId++, clock.instant(), type, reason, kind, name, message);
      events.addLast(event);
      while (events.size() > capacity) {
        events.removeFirst();
      }
    }
    if (type == ControllerEvent.Type.Warning) {
      LOG.warnf("%s %s %s: %s", kind, name, reason, message);
    } else {
      LOG.infof("%s %s %s: %s", kind, name, reason, message);
    }
    for (Consumer<ControllerEvent> listener : listeners) {
      listener.accept(event);
    }
  }

  /** The last {@code limit} events about {@code kind}/{@code name} (both null: all), oldest first. */
  public synchronized List<ControllerEvent> recent(String kind, String name, int limit) {
    List<ControllerEvent> matching = events.stream()
        .filter(e -> kind == null || (e.kind().equals(kind) && e.name().equals(name)))
        .toList();
    return matching.subList(Math.max(0, matching.size() - limit), matching.size());
  }

  /** Calls {@code listener} with every event from now on, until the returned handle is run. */
  public Runnable subscribe(Consumer<ControllerEvent> listener) {
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }
}
