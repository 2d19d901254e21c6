package dev.peapod.engine;

import dev.peapod.apply.ActualStateReader;
import dev.peapod.apply.AppliedRecordStore;
import dev.peapod.apply.ApplyListener;
import dev.peapod.apply.ApplyResult;
import dev.peapod.apply.PlanExecutor;
import dev.peapod.apply.PodLocks;
import dev.peapod.apply.PodRecords;
import dev.peapod.apply.PodSpecFactory;
import dev.peapod.engine.lock.PodLock;
import dev.peapod.engine.source.DesiredSnapshot;
import dev.peapod.engine.spec.HostPathAllowList;
import dev.peapod.engine.spec.ManifestToPodSpec;
import dev.peapod.engine.spec.StoreImageSource;
import dev.peapod.images.ImageStore;
import dev.peapod.plan.Action;
import dev.peapod.plan.ActualState;
import dev.peapod.plan.Plan;
import dev.peapod.plan.PlanOptions;
import dev.peapod.plan.Planner;
import dev.peapod.provider.Provider;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Set;
import java.util.function.Supplier;

/**
 * One Peapod home driven through one provider: what the CLI's {@code plan}/{@code apply} and pod
 * commands, the controller loop and the Kubernetes agent share. It reads the actual state (the
 * provider's inventory and the applied records), plans a source's desired state against it with
 * the one {@link Planner}, and carries plans out with the one {@link PlanExecutor}, under the
 * same per-pod locks the hand-run commands take.
 *
 * <p>The image store is opened on first use (a plan with nothing to do never touches it) and
 * closed with the engine.
 */
public final class Engine implements AutoCloseable {

  private final Provider provider;
  private final Path home;
  private final Supplier<ImageStore> imageStoreOpener;
  private final PodLocks locks;
  private final Clock clock;
  private final boolean closesImages;
  private final AppliedRecordStore records;
  private final Planner planner;
  private ImageStore images;

  /**
   * @param provider runs the pods; the engine closes it
   * @param home {@code $PEAPOD_HOME}: records, locks
   * @param imageStoreOpener opens the image store when a change first needs an image
   * @param locks the per-pod locks ({@link #fileLocks} for processes sharing a home)
   */
  public Engine(Provider provider, Path home, Supplier<ImageStore> imageStoreOpener, PodLocks locks, Clock clock) {
    this(provider, home, imageStoreOpener, locks, clock, true);
  }

  /**
   * An engine over an image store that outlives it (the controller keeps one store open and makes
   * an engine, with its own provider, per pass): closing the engine leaves the store open.
   */
  public static Engine withSharedImages(Provider provider, Path home, ImageStore images, PodLocks locks, Clock clock) {
    return new Engine(provider, home, () -> images, locks, clock, false);
  }

  private Engine(Provider provider, Path home, Supplier<ImageStore> imageStoreOpener, PodLocks locks, Clock clock,
      boolean closesImages) {
    this.closesImages = closesImages;
    this.provider = provider;
    this.home = home;
    this.imageStoreOpener = imageStoreOpener;
    this.locks = locks;
    this.clock = clock;
    this.records = AppliedRecordStore.in(home);
    this.planner = new Planner(clock);
  }

  /** The lock files of {@code home}, held in the name of {@code command} ({@code peapod apply -f pods/}). */
  public static PodLocks fileLocks(Path home, String command) {
    return pod -> PodLock.acquire(home, pod, command);
  }

  public Provider provider() {
    return provider;
  }

  public Path home() {
    return home;
  }

  public Clock clock() {
    return clock;
  }

  /** The one path every pod change is recorded through. */
  public PodRecords records() {
    return new PodRecords(records, clock);
  }

  public ActualState actual() {
    return new ActualStateReader(provider, records).read();
  }

  /** A plan for {@code snapshot}'s pods, for the owner {@code options} names. */
  public Plan plan(DesiredSnapshot snapshot, PlanOptions options) {
    return planner.plan(snapshot.pods(), actual(), options);
  }

  /** Only {@code pod}: its provider state and record, as a pass over one pod reads them. */
  public ActualState actualOf(String pod) {
    return new ActualStateReader(provider, records).readOne(pod);
  }

  /**
   * Only {@code pod}, as the controller plans each key of its work queue: against that pod's state
   * alone, so that converging N pods reads N pods' states, not N times N. A removal is planned again
   * against every pod when the prune guards must count how many its owner has.
   */
  public Plan planOne(DesiredSnapshot snapshot, String pod, PlanOptions options) {
    PlanOptions one = options.withTargets(Set.of(pod));
    Plan plan = planner.plan(snapshot.pods(), actualOf(pod), one);
    boolean countsOthers = !options.allowMassRemoval()
        && plan.changes().stream().anyMatch(c -> c.action() == Action.REMOVE);
    return countsOthers ? planner.plan(snapshot.pods(), actual(), one) : plan;
  }

  /**
   * Only {@code pod}, against an actual state read once for many such plans (a resync of a node
   * agent's PeaPods, each its own source).
   */
  public Plan planOne(DesiredSnapshot snapshot, String pod, PlanOptions options, ActualState actual) {
    return planner.plan(snapshot.pods(), actual, options.withTargets(Set.of(pod)));
  }

  /** An executor for one plan: {@link PlanExecutor#interrupt()} stops it taking new changes. */
  public PlanExecutor executor(int parallelism, ApplyListener listener) {
    return new PlanExecutor(provider, records, specFactory(), locks, parallelism, listener, clock);
  }

  /** Carries out {@code plan}; one pod's failure does not stop the others. */
  public ApplyResult apply(Plan plan, int parallelism, ApplyListener listener) {
    return executor(parallelism, listener).apply(plan);
  }

  /** The image store, opened now if it was not yet. */
  public synchronized ImageStore images() {
    if (images == null) {
      images = imageStoreOpener.get();
    }
    return images;
  }

  /**
   * Manifests become provider specs with images from the store. Pods are prepared in parallel,
   * so pulls report no progress of their own (their lines would fight); warnings go to the
   * change's progress.
   */
  private PodSpecFactory specFactory() {
    return (manifest, progress) -> {
      ManifestToPodSpec.Result result = new ManifestToPodSpec(StoreImageSource.quiet(images()),
          HostPathAllowList.load(home, System.getenv())).convert(manifest);
      result.warnings().forEach(w -> progress.accept("warning: " + w));
      return result.spec();
    };
  }

  @Override
  public void close() {
    try {
      provider.close();
    } finally {
      synchronized (this) {
        if (images != null && closesImages) {
          images.close();
        }
      }
    }
  }
}
