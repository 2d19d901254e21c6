package dev.peapod.provider.qemu;

import java.time.Duration;

/**
 * How big the warm pool may be (see {@link WarmPool}): VMs restored from a template before any pod
 * asks, waiting at READY with no pod.
 *
 * @param perShape how many VMs wait per recently used VM shape; 0 turns the pool off. The
 *     default, 1, means an idle machine pays for at most one VM per shape.
 * @param memoryMiB how much guest RAM all pool VMs together may have; a shape whose next VM would
 *     go over it gets none
 * @param idle how long after the last start of a shape its pool VMs still wait; then they are
 *     stopped and their keeper ends (a shape is "recently used" for this long)
 */
public record WarmPoolConfig(int perShape, int memoryMiB, Duration idle) {

  public static final int DEFAULT_PER_SHAPE = 1;
  public static final int DEFAULT_MEMORY_MIB = 1024;
  public static final Duration DEFAULT_IDLE = Duration.ofMinutes(10);
  /** The default pool. */
  public static final WarmPoolConfig DEFAULT = new WarmPoolConfig(DEFAULT_PER_SHAPE, DEFAULT_MEMORY_MIB, DEFAULT_IDLE);
  /** No pool: every start restores a template or boots cold. */
  public static final WarmPoolConfig OFF = new WarmPoolConfig(0, DEFAULT_MEMORY_MIB, DEFAULT_IDLE);

  public WarmPoolConfig {
    if (perShape < 0 || perShape > 64) {
      throw new IllegalArgumentException("the warm pool holds 0 to 64 VMs per shape, not " + perShape);
    }
    if (memoryMiB < 0) {
      throw new IllegalArgumentException("the warm pool's memory budget cannot be negative: " + memoryMiB + " MiB");
    }
    if (idle == null || idle.isNegative() || idle.isZero()) {
      throw new IllegalArgumentException("the warm pool's idle time must be positive, not " + idle);
    }
  }

  /** Whether there is a pool at all. */
  public boolean enabled() {
    return perShape > 0 && memoryMiB > 0;
  }
}
