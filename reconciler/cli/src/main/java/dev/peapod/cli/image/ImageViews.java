package dev.peapod.cli.image;

import dev.peapod.cli.output.HumanUnits;
import dev.peapod.cli.output.Table;
import dev.peapod.images.StoredImage;
import dev.peapod.images.oci.ImageConfig;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * How images look on the command line: the {@code image ls} table and the JSON/YAML shapes of
 * {@code ls} and {@code inspect}. One place, so {@code pull}, {@code load} and {@code ls} show
 * an image the same way. Key names are the CLI's contract with scripts: add, never rename.
 */
final class ImageViews {
  /** Shown for an image no reference points at, as Docker does. */
  static final String NO_REFERENCE = "<none>";

  private ImageViews() {}

  /** One row per reference (a dangling image gets one {@code <none>} row), newest image first. */
  static Table table(List<StoredImage> images, Instant now) {
    Table table = new Table("REFERENCE", "ID", "SIZE", "CREATED");
    for (StoredImage image : images) {
      List<String> references = image.references().isEmpty() ? List.of(NO_REFERENCE) : image.references();
      for (String reference : references) {
        table.row(reference, image.shortId(), HumanUnits.size(image.rootfsBytes()),
            HumanUnits.ago(created(image), now));
      }
    }
    return table;
  }

  /** What {@code image ls -o json} lists per image. */
  static Map<String, Object> summary(StoredImage image) {
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("id", image.id().toString());
    data.put("shortId", image.shortId());
    data.put("references", image.references());
    data.put("size", image.rootfsBytes());
    data.put("created", created(image).toString());
    data.put("rootfs", image.rootfs().toString());
    return data;
  }

  /** What {@code image inspect} shows: the summary plus where it came from and its config defaults. */
  static Map<String, Object> details(StoredImage image) {
    ImageConfig config = image.config();
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("id", image.id().toString());
    data.put("references", image.references());
    data.put("manifest", image.manifest().toString());
    data.put("size", image.rootfsBytes());
    data.put("created", created(image).toString());
    data.put("built", image.built().toString());
    data.put("source", image.source());
    data.put("rootfs", image.rootfs().toString());
    data.put("os", config.os());
    data.put("architecture", config.architecture());
    // Docker's spelling of the runtime defaults, so `jq .[0].config.Cmd` works as people expect.
    Map<String, Object> defaults = new LinkedHashMap<>();
    defaults.put("Entrypoint", config.entrypoint());
    defaults.put("Cmd", config.cmd());
    defaults.put("Env", config.env());
    defaults.put("WorkingDir", config.workingDir());
    defaults.put("User", config.user());
    defaults.put("ExposedPorts", new ArrayList<>(new TreeSet<>(config.exposedPorts())));
    defaults.put("Labels", new TreeMap<>(config.labels()));
    data.put("config", defaults);
    data.put("layers", config.diffIds().stream().map(Object::toString).toList());
    return data;
  }

  /** When the image was made: its config's {@code created}, else when the store built it. */
  static Instant created(StoredImage image) {
    String created = image.config().created();
    if (created != null && !created.isBlank()) {
      try {
        return OffsetDateTime.parse(created).toInstant();
      } catch (DateTimeParseException e) {
        // some builders write odd dates; the build time is the next best answer
      }
    }
    return image.built();
  }
}
