package dev.peapod.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/** A named series of samples, printed as {@code name: median unit (n=N, min..max)}. */
final class Stats {

  private final String name;
  private final String unit;
  private final List<Double> samples = new ArrayList<>();

  Stats(String name, String unit) {
    this.name = name;
    this.unit = unit;
  }

  void add(double sample) {
    samples.add(sample);
  }

  double median() {
    List<Double> sorted = new ArrayList<>(samples);
    Collections.sort(sorted);
    int n = sorted.size();
    if (n == 0) {
      return Double.NaN;
    }
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }

  /** Writes the samples, sorted, one a line, to {@code dir/NAME.dat} (what the bench scripts plot). */
  void write(java.nio.file.Path dir) throws java.io.IOException {
    List<Double> sorted = new ArrayList<>(samples);
    Collections.sort(sorted);
    StringBuilder text = new StringBuilder();
    sorted.forEach(v -> text.append(String.format(Locale.ROOT, "%.2f%n", v)));
    java.nio.file.Files.createDirectories(dir);
    java.nio.file.Files.writeString(dir.resolve(name + ".dat"), text);
  }

  String line() {
    List<Double> sorted = new ArrayList<>(samples);
    Collections.sort(sorted);
    return String.format(Locale.ROOT, "%s: %.2f %s (median, n=%d, min %.2f, max %.2f)", name,
        median(), unit, samples.size(), sorted.get(0), sorted.get(sorted.size() - 1));
  }
}
