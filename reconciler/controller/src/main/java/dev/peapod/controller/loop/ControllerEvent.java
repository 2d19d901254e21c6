package dev.peapod.controller.loop;

import java.time.Instant;

/**
 * Something the controller did or saw, as Kubernetes events say it: a type, a CamelCase reason
 * and the message the CLI would print.
 *
 * @param kind {@code pod} or {@code source}
 * @param name the pod's or source's name
 */
public record ControllerEvent(long id, Instant time, Type type, String reason, String kind, String name,
    String message) {

  public enum Type { Normal, Warning }
}
