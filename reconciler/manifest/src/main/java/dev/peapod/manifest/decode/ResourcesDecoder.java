package dev.peapod.manifest.decode;

import dev.peapod.manifest.model.Quantity;
import dev.peapod.manifest.model.ResourceList;
import dev.peapod.manifest.model.Resources;
import dev.peapod.manifest.source.SourceMap;
import dev.peapod.manifest.source.SourceNode;
import java.util.Optional;
import java.util.function.LongConsumer;

/** A container's {@code resources}: cpu and memory only, non-negative, requests within limits. */
final class ResourcesDecoder {
  private ResourcesDecoder() {}

  static Resources decode(MapReader r) {
    return decode(r, null);
  }

  /**
   * Like {@link #decode(MapReader)}, where {@code pids} (not null) takes a pod-level {@code
   * limits.pids}: a PID limit means something only for the whole pod.
   */
  static Resources decode(MapReader r, LongConsumer pids) {
    Optional<SourceMap> limitsNode = mapField(r, "limits");
    Optional<SourceMap> requestsNode = mapField(r, "requests");
    ResourceList limits = limitsNode.map(n -> list(n, r.path("limits"), r.problems(), pids))
        .orElse(ResourceList.NONE);
    ResourceList requests = requestsNode.map(n -> list(n, r.path("requests"), r.problems(), null))
        .orElse(ResourceList.NONE);
    r.finish();
    requestsNode.ifPresent(n -> {
      withinLimit("cpu", requests.cpu(), limits.cpu(), n, r);
      withinLimit("memory", requests.memory(), limits.memory(), n, r);
    });
    return new Resources(limits, requests);
  }

  private static Optional<SourceMap> mapField(MapReader r, String field) {
    Optional<SourceNode> node = r.node(field);
    if (node.isPresent() && !(node.get() instanceof SourceMap)) {
      r.problems().error(node.get(), r.path(field), "expected an object, got " + node.get().describe());
      return Optional.empty();
    }
    return node.map(SourceMap.class::cast);
  }

  private static ResourceList list(SourceMap map, FieldPath path, Problems problems, LongConsumer pids) {
    Optional<Quantity> cpu = Optional.empty();
    Optional<Quantity> memory = Optional.empty();
    for (SourceMap.Entry entry : map.entries()) {
      FieldPath at = path.field(entry.key());
      if (entry.key().equals("pids") && pids != null) {
        MapReader.asQuantity(entry.value(), at, problems).ifPresent(q -> {
          if (q.signum() <= 0 || q.toWholeCeil() > VmDecoder.MAX_PIDS) {
            problems.error(entry.value(), at, "must be between 1 and " + VmDecoder.MAX_PIDS + ", got " + q);
          } else {
            pids.accept(q.toWholeCeil());
          }
        });
        continue;
      }
      if (!entry.key().equals("cpu") && !entry.key().equals("memory")) {
        problems.error(entry.keyPosition(), at, ResourceNames.whyUnsupported(entry.key()));
        continue;
      }
      Optional<Quantity> value = MapReader.asQuantity(entry.value(), at, problems);
      if (value.isPresent() && value.get().signum() < 0) {
        problems.error(entry.value(), at, "must not be negative, got " + value.get());
        value = Optional.empty();
      }
      if (entry.key().equals("cpu")) {
        cpu = value;
      } else {
        memory = value;
      }
    }
    return new ResourceList(cpu, memory);
  }

  private static void withinLimit(String resource, Optional<Quantity> request,
      Optional<Quantity> limit, SourceMap requests, MapReader r) {
    if (request.isPresent() && limit.isPresent() && request.get().compareTo(limit.get()) > 0) {
      SourceNode at = requests.get(resource).orElseThrow();
      r.problems().error(at, r.path("requests").field(resource), "must be less than or equal to"
          + " the " + resource + " limit (" + limit.get() + "), got " + request.get());
    }
  }
}
