package dev.peapod.controller.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * What {@code peapod serve} is told, from its flags ({@link dev.peapod.controller.ServeMain} turns
 * them into these properties) or a config file ({@code --config FILE}, Quarkus config:
 * {@code peapod.sources.web.url=git:git://host/pods.git#main//prod}).
 */
@ConfigMapping(prefix = "peapod")
public interface ControllerConfig {

  /** {@code $PEAPOD_HOME}; default as for the CLI (/var/lib/peapod for root). */
  Optional<String> home();

  /**
   * Warm pool VMs per recently used VM shape ({@code peapod.warm-pool}, as {@code PEAPOD_WARM_POOL});
   * 0 turns the pool off. While the controller runs it keeps the pool (see the QEMU provider's
   * WarmPool).
   */
  Optional<Integer> warmPool();

  /** MiB of guest RAM all warm pool VMs together may have ({@code PEAPOD_WARM_POOL_MEMORY}). */
  Optional<Integer> warmPoolMemory();

  /** How many pods change at once. */
  @WithDefault("2")
  int workers();

  /**
   * How often the VMs' states are read (no guest is asked) and every source planned again even
   * though the provider announced nothing: the safety net under its events (a VM that ended and a
   * pod changed by another client are announced at once, see {@code Provider.watch}), and the
   * longest a cached actual state is planned against.
   */
  @WithDefault("30s")
  Duration driftInterval();

  /** The sources of desired state, by name. */
  Map<String, SourceConfig> sources();

  Api api();

  /** The API: always on {@code $PEAPOD_HOME/peapod.sock}; on TCP only when {@link #listen()} is set. */
  interface Api {
    /** {@code HOST:PORT} to serve on TCP as well, where every request needs the bearer token. */
    Optional<String> listen();
  }

  /** One source, with the knobs Flux users know from GitRepository and Kustomization. */
  interface SourceConfig {

    /** {@code dir:PATH} or {@code git:URL#REF//PATH} (REF a branch, {@code tag:NAME} or a commit id). */
    String url();

    /** How often the source is read and its pods are planned, also when nothing announced a change. */
    @WithDefault("1m")
    Duration interval();

    /** How soon a read that failed is tried again. */
    @WithDefault("10s")
    Duration retryInterval();

    /** How long one read (a git fetch) may take. */
    @WithDefault("2m")
    Duration timeout();

    /** A suspended source changes nothing: hand changes to its pods stay. */
    @WithDefault("false")
    boolean suspend();

    /** Whether pods this source created and no longer declares are removed. */
    @WithDefault("true")
    boolean prune();

    /** How many pods one plan may remove; more (or all of them) is refused. */
    @WithDefault("5")
    int maxRemovals();

    /**
     * Health gate: after a replace or recreate, the pod's containers must run, without restarting,
     * for this long ({@code minReadySeconds}) ...
     */
    @WithDefault("0s")
    Duration minReady();

    /**
     * ... within this long after the change ({@code progressDeadlineSeconds}); if not, the source's
     * previous revision is put back (the same VM where the change was a replace) and the new
     * revision is marked failed until a newer one arrives.
     */
    @WithDefault("60s")
    Duration progressDeadline();

    /** A file holding the secret that webhook requests are signed with (HMAC-SHA256). */
    Optional<String> webhookSecretFile();

    /** git over http(s): a file holding a token; or {@code user:password} with {@link #basicAuth()}. */
    Optional<String> tokenFile();

    /** git over http(s): a file holding {@code username:password} (the property names the file). */
    Optional<String> basicAuth();

    /** git over ssh: the private key file. */
    Optional<String> sshKeyFile();

    /** git over ssh: the known_hosts file the server's key is checked against. */
    Optional<String> knownHostsFile();
  }
}
