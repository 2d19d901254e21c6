package dev.peapod.cli.plan;

import dev.peapod.cli.PeapodCommand;
import dev.peapod.cli.image.LocalImages;
import dev.peapod.cli.output.Output;
import dev.peapod.engine.Engine;
import dev.peapod.engine.source.DesiredSnapshot;
import dev.peapod.engine.source.DirectorySource;
import dev.peapod.provider.qemu.QemuProvider;

/** The engine as plan and apply use it: the QEMU provider over this command's Peapod home. */
final class Reconciliation {
  private Reconciliation() {}

  /** @param command who holds the pod locks while pods change ({@code peapod apply -f pods/}) */
  static Engine engine(PeapodCommand root, String command) {
    var environment = root.environment();
    return new Engine(new QemuProvider(environment.qemuConfig()), environment.home(),
        () -> LocalImages.open(environment), Engine.fileLocks(environment.home(), command), environment.clock());
  }

  /**
   * The declared pods; warnings go to stderr. Unchanged files come from the manifest cache in
   * {@code $PEAPOD_HOME/cache} ({@link dev.peapod.engine.source.ManifestCache}) unless
   * {@code PEAPOD_MANIFEST_CACHE=off}.
   */
  static DesiredSnapshot read(PeapodCommand root, DirectorySource source, Output output) {
    var environment = root.environment();
    boolean cached = !"off".equals(environment.env().get("PEAPOD_MANIFEST_CACHE"));
    DesiredSnapshot snapshot = (cached ? source.cachedIn(environment.home()) : source).read();
    snapshot.warnings().forEach(w -> output.err().println(w));
    output.err().flush();
    return snapshot;
  }
}
