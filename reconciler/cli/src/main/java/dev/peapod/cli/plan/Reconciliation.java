package dev.peapod.cli.plan;

import dev.peapod.cli.PeapodCommand;
import dev.peapod.cli.image.LocalImages;
import dev.peapod.cli.output.Output;
import dev.peapod.engine.Engine;
import dev.peapod.engine.source.DesiredSnapshot;
import dev.peapod.engine.source.DirectorySource;
import dev.peapod.plan.ActualState;
import dev.peapod.provider.qemu.QemuProvider;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

/** The engine as plan and apply use it: the QEMU provider over this command's Peapod home. */
final class Reconciliation {
  private Reconciliation() {}

  /** @param command who holds the pod locks while pods change ({@code peapod apply -f pods/}) */
  static Engine engine(PeapodCommand root, String command) {
    var environment = root.environment();
    return new Engine(new QemuProvider(environment.qemuConfig()), environment.home(),
        () -> LocalImages.open(environment), Engine.fileLocks(environment.home(), command), environment.clock());
  }

  /** An engine and the actual state it read, for a plan. */
  record Beside(Engine engine, ActualState actual) {}

  /**
   * The engine and the actual state, made and read on a thread of their own from now on: a plan
   * reads them beside the manifests, which need nothing of them, so on two cores the two reads
   * (~0.1-0.3 s each for 1,000 pods, most of it interpreted or freshly compiled code) overlap
   * instead of queueing (bench/RESULTS.md, session 8). The engine is made there too, so that a
   * manifest error is still reported before anything the provider's set-up could say. A daemon
   * thread; a command whose manifests fail has {@link #abandon} wait for it and close its engine.
   */
  static FutureTask<Beside> readActualBeside(PeapodCommand root, String command) {
    FutureTask<Beside> task = new FutureTask<>(() -> {
      Engine engine = engine(root, command);
      try {
        return new Beside(engine, engine.actual());
      } catch (RuntimeException | Error e) {
        engine.close();
        throw e;
      }
    });
    Thread reader = new Thread(task, "peapod-actual-state");
    reader.setDaemon(true);
    reader.start();
    return task;
  }

  /** What {@link #readActualBeside} made and read; its exception as it was thrown there. */
  static Beside await(FutureTask<Beside> task) {
    try {
      return task.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while reading the actual state", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException runtime) {
        throw runtime;
      }
      if (e.getCause() instanceof Error error) {
        throw error;
      }
      throw new IllegalStateException(e.getCause());
    }
  }

  /**
   * For a read whose result is not wanted (the manifests failed): waits for it to end, whatever it
   * found, and closes its engine, so that nothing is left reading or open.
   */
  static void abandon(FutureTask<Beside> task) {
    boolean interrupted = false;
    while (true) {
      try {
        task.get().engine().close();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      } catch (ExecutionException | RuntimeException e) {
        break; // its own failure, or its engine's close: the manifests' error is the one to report
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
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
