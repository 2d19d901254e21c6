package dev.peapod.manifest.canonical;

import dev.peapod.manifest.model.EnvSource;
import dev.peapod.manifest.model.FileProjection;
import dev.peapod.manifest.model.PodManifest;
import dev.peapod.manifest.model.VolumeDecl;
import dev.peapod.manifest.model.VolumeSource;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The part of a pod's metadata its downward API files show: labels and annotations, which the
 * kubelet writes again into a running pod's downwardAPI volume when they change. Hashed per volume
 * for {@link CanonicalForm#FILE_INPUTS}, so that a label change a volume shows plans as an update of
 * its files rather than of the record only.
 */
final class DownwardValues {
  private DownwardValues() {}

  private static final Pattern ONE = Pattern.compile("metadata\\.(labels|annotations)\\['([^']+)'\\]");

  /** {@code downwardAPI/VOLUME} to the hash of what its label and annotation files hold; empty if none. */
  static Map<String, String> hashes(PodManifest pod) {
    Map<String, String> out = new TreeMap<>();
    for (VolumeDecl volume : pod.spec().volumes()) {
      if (!(volume.source() instanceof VolumeSource.Files files)) {
        continue;
      }
      StringBuilder shown = new StringBuilder();
      for (FileProjection source : files.sources()) {
        if (source instanceof FileProjection.DownwardItems items) {
          for (FileProjection.DownwardFile item : items.items()) {
            if (item.source() instanceof EnvSource.FieldRef field) {
              shown.append(value(pod, field.fieldPath()));
            }
          }
        }
      }
      if (shown.length() > 0) {
        out.put("downwardAPI/" + volume.name(), sha256(shown.toString().getBytes(StandardCharsets.UTF_8)));
      }
    }
    return out;
  }

  private static String value(PodManifest pod, String path) {
    Matcher one = ONE.matcher(path);
    if (one.matches()) {
      Map<String, String> map = one.group(1).equals("labels") ? pod.metadata().labels() : pod.metadata().annotations();
      return path + "=" + map.getOrDefault(one.group(2), "") + "\n";
    }
    return switch (path) {
      case "metadata.labels" -> path + "=" + new TreeMap<>(pod.metadata().labels()) + "\n";
      case "metadata.annotations" -> path + "=" + new TreeMap<>(pod.metadata().annotations()) + "\n";
      default -> ""; // fixed for the pod's life: name, namespace, uid
    };
  }

  static String sha256(byte[] bytes) {
    try {
      return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
