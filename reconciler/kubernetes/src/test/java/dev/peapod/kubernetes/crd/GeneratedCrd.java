package dev.peapod.kubernetes.crd;

import io.fabric8.crdv2.generator.CRDGenerator;
import io.fabric8.crdv2.generator.CRDPostProcessor;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import java.util.Comparator;
import java.util.List;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** The CRD as fabric8's crd-generator makes it from {@link PeaPod}, and where the chart keeps it. */
final class GeneratedCrd {
  private GeneratedCrd() {}

  static final Path REPO = Path.of(System.getProperty("peapod.repo", "../..")).toAbsolutePath().normalize();
  static final String FILE = "peapods.peapod.dev-v1.yml";
  static final Path COMMITTED = REPO.resolve("charts/peapod/crds").resolve(FILE);

  /** The printer columns as kubectl shows them, in the order KubeVirt users know. */
  static final List<String> COLUMNS = List.of("STATUS", "READY", "NODE", "BOOT", "AGE");

  /** The generator does not keep the annotations' order; kubectl shows columns in the CRD's. */
  private static HasMetadata columnsInOrder(HasMetadata crd) {
    ((CustomResourceDefinition) crd).getSpec().getVersions().forEach(v -> v.getAdditionalPrinterColumns()
        .sort(Comparator.comparingInt((CustomResourceColumnDefinition c) -> COLUMNS.indexOf(c.getName()))));
    return crd;
  }

  /** The generated CRD's YAML. */
  static String generate() {
    try {
      Path dir = Files.createTempDirectory("peapod-crd");
      new CRDGenerator().customResourceClasses(PeaPod.class).forCRDVersions("v1").inOutputDir(dir.toFile())
          .withParallelGenerationEnabled(false).withPostProcessor(new CRDPostProcessor() {
            @Override
            public HasMetadata process(HasMetadata crd, String version) {
              return columnsInOrder(crd);
            }
          }).generate();
      String yaml = Files.readString(dir.resolve(FILE), StandardCharsets.UTF_8);
      Files.delete(dir.resolve(FILE));
      Files.delete(dir);
      return yaml;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
