package dev.peapod.manifest.decode;

import dev.peapod.manifest.model.ClaimDecl;
import dev.peapod.manifest.model.ManifestKind;
import dev.peapod.manifest.model.ManifestOrigin;
import dev.peapod.manifest.model.PodManifest;
import dev.peapod.manifest.source.SourceDocument;
import dev.peapod.manifest.source.SourceMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Turns one document into a pod: picks the document kind from {@code apiVersion} and {@code
 * kind} (or the shape of a HyperContainer file, which has neither), decodes it, and returns a
 * pod only when the document had no errors.
 */
public final class DocumentDecoder {

  public static final String PEAPOD_API_VERSION = "peapod.dev/v1alpha1";
  public static final String PEAPOD_KIND = "PeaPod";

  /** A claim's kind: read beside the pods for its size and access modes. */
  public static final String CLAIM_KIND = "PersistentVolumeClaim";

  private final Problems problems;
  private final List<ClaimDecl> claims = new ArrayList<>();

  public DocumentDecoder(Problems problems) {
    this.problems = problems;
  }

  public Optional<PodManifest> decode(SourceDocument document) {
    if (!(document.root() instanceof SourceMap root)) {
      problems.error(document.root(), FieldPath.ROOT,
          "expected a pod document (an object), got " + document.root().describe());
      return Optional.empty();
    }
    int errorsBefore = problems.errorCount();
    if (text(root, "kind").filter(CLAIM_KIND::equals).isPresent()) {
      decodeClaim(root);
      return Optional.empty();
    }
    Optional<ManifestKind> kind = kindOf(root);
    Optional<PodManifest> pod = kind.flatMap(k -> decode(root, k));
    return problems.errorCount() == errorsBefore ? pod : Optional.empty();
  }

  /** The {@code kind: PersistentVolumeClaim} documents decoded so far, in document order. */
  public List<ClaimDecl> claims() {
    return List.copyOf(claims);
  }

  private void decodeClaim(SourceMap root) {
    Optional<String> apiVersion = text(root, "apiVersion");
    if (apiVersion.filter("v1"::equals).isEmpty()) {
      problems.error(root.entry("apiVersion").map(e -> e.keyPosition()).orElse(root.position()),
          FieldPath.ROOT.field("apiVersion"), apiVersion.isEmpty()
              ? "required field is missing (a kind: " + CLAIM_KIND + " document starts with apiVersion: v1)"
              : "unsupported apiVersion \"" + apiVersion.get() + "\" for kind " + CLAIM_KIND + ": expected v1");
      return;
    }
    int errorsBefore = problems.errorCount();
    Optional<ClaimDecl> claim = MapReader.open(root, Shapes.CLAIM, FieldPath.ROOT, problems)
        .flatMap(ClaimDocumentDecoder::decode);
    if (problems.errorCount() == errorsBefore) {
      claim.ifPresent(claims::add);
    }
  }

  private Optional<PodManifest> decode(SourceMap root, ManifestKind kind) {
    ManifestOrigin origin = new ManifestOrigin(
        problems.file(), root.position().line(), root.position().column(), kind, root);
    if (kind == ManifestKind.HYPERCONTAINER) {
      SourceMap folded = HyperKeyFolding.fold(root, Shapes.HYPER_POD, FieldPath.ROOT, problems);
      return MapReader.open(folded, Shapes.HYPER_POD, FieldPath.ROOT, problems)
          .map(HyperPodDecoder::decode)
          .map(d -> new PodManifest(origin, d.metadata(), d.spec()));
    }
    Shape document = kind == ManifestKind.PEAPOD ? Shapes.PEAPOD : Shapes.POD;
    Shape spec = kind == ManifestKind.PEAPOD ? Shapes.PEAPOD_SPEC : Shapes.POD_SPEC;
    return MapReader.open(root, document, FieldPath.ROOT, problems)
        .flatMap(doc -> KubernetesDecoder.decode(doc, spec))
        .map(d -> new PodManifest(origin, d.metadata(), d.spec()));
  }

  private Optional<ManifestKind> kindOf(SourceMap root) {
    Optional<String> apiVersion = text(root, "apiVersion");
    Optional<String> kind = text(root, "kind");
    if (apiVersion.isEmpty() && kind.isEmpty() && root.entry("apiVersion").isEmpty()
        && root.entry("kind").isEmpty() && root.entries().stream().anyMatch(
            e -> e.key().equalsIgnoreCase("id") || e.key().equalsIgnoreCase("containers"))) {
      return Optional.of(ManifestKind.HYPERCONTAINER);
    }
    if (kind.isEmpty() || apiVersion.isEmpty()) {
      String missing = kind.isEmpty() ? "kind" : "apiVersion";
      problems.error(root.entry(missing).map(e -> e.keyPosition()).orElse(root.position()),
          FieldPath.ROOT.field(missing), root.entry(missing).isPresent()
              ? "expected a string"
              : "required field is missing (" + startsWith(kind) + ")");
      return Optional.empty();
    }
    return switch (kind.get()) {
      case PEAPOD_KIND -> expectApiVersion(root, apiVersion.get(), PEAPOD_API_VERSION, ManifestKind.PEAPOD);
      case "Pod" -> expectApiVersion(root, apiVersion.get(), "v1", ManifestKind.KUBERNETES_POD);
      default -> {
        problems.error(root.get("kind").orElseThrow(), FieldPath.ROOT.field("kind"),
            "unsupported kind \"" + kind.get() + "\": expected " + PEAPOD_KIND + " ("
                + PEAPOD_API_VERSION + "), or Pod, ConfigMap, Secret or " + CLAIM_KIND + " (v1)");
        yield Optional.empty();
      }
    };
  }

  /** What the document should start with, for the kind it names (a Pod is {@code v1}). */
  private static String startsWith(Optional<String> kind) {
    if (kind.filter("Pod"::equals).isPresent()) {
      return "a kind: Pod document starts with apiVersion: v1";
    }
    return "a pod document starts with apiVersion: " + PEAPOD_API_VERSION + " and kind: "
        + PEAPOD_KIND + ", or apiVersion: v1 and kind: Pod";
  }

  private Optional<ManifestKind> expectApiVersion(
      SourceMap root, String apiVersion, String expected, ManifestKind kind) {
    if (apiVersion.equals(expected)) {
      return Optional.of(kind);
    }
    problems.error(root.get("apiVersion").orElseThrow(), FieldPath.ROOT.field("apiVersion"),
        "unsupported apiVersion \"" + apiVersion + "\" for kind "
            + (kind == ManifestKind.PEAPOD ? PEAPOD_KIND : "Pod") + ": expected " + expected);
    return Optional.empty();
  }

  private static Optional<String> text(SourceMap root, String field) {
    return root.get(field)
        .filter(n -> n instanceof dev.peapod.manifest.source.SourceScalar s
            && s.type() == dev.peapod.manifest.source.SourceScalar.ScalarType.STRING)
        .map(n -> ((dev.peapod.manifest.source.SourceScalar) n).text());
  }
}
