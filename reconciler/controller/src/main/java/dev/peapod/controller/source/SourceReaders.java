package dev.peapod.controller.source;

import dev.peapod.controller.config.ControllerConfig.SourceConfig;
import dev.peapod.engine.Engine;
import dev.peapod.engine.ReconcileMetrics;
import dev.peapod.engine.source.DesiredStateSource;
import dev.peapod.engine.source.DirectorySource;
import dev.peapod.git.GitCredentials;
import dev.peapod.git.GitMirror;
import dev.peapod.git.GitRef;
import dev.peapod.git.GitSourceSpec;
import dev.peapod.kubernetes.NodeAgent;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;

/** The reader of each kind of source location. */
public final class SourceReaders {
  private SourceReaders() {}

  /**
   * @param home {@code $PEAPOD_HOME}; git checkouts live under {@code sources/NAME}
   * @throws IllegalArgumentException for a location this build cannot read
   */
  public static DesiredStateSource reader(String name, SourceLocation location, SourceConfig config, Path home) {
    if (location instanceof SourceLocation.Kubernetes) {
      throw new IllegalArgumentException("source " + name + ": a k8s: source is run by its node agent (kubernetesAgent)");
    }
    if (location instanceof SourceLocation.Directory dir) {
      return new DirectorySource(List.of(dir.path()), location.owner());
    }
    SourceLocation.Git git = (SourceLocation.Git) location;
    GitSourceSpec spec = new GitSourceSpec(git.url(), GitRef.parse(git.ref()), git.path(), credentials(name, config));
    return new GitSource(new GitMirror(home.resolve("sources").resolve(name), spec, config.timeout()), location.owner());
  }

  /**
   * Starts the node agent of a {@code k8s:} source. The Kubernetes client is loaded here and only
   * here (NodeAgent is resolved when this first runs), so file and git sources never load it.
   *
   * @param engines an engine per pass, as the controller's workers open them
   * @param metrics where the agent reports its passes, changes, boots and reads of the actual state
   * @param driftInterval how long the agent's resyncs may plan against the state they last read
   * @return the running agent; closing it stops it (the VMs keep running)
   */
  public static NodeAgentSource.Agent kubernetesAgent(SourceLocation.Kubernetes location, SourceConfig config,
      Supplier<Engine> engines, ReconcileMetrics metrics, Duration driftInterval) {
    String node = location.node().isEmpty() ? NodeAgent.defaultNode() : location.node();
    NodeAgent agent = NodeAgent.connect(node, engines, config.interval()).reportTo(metrics)
        .driftInterval(driftInterval);
    agent.start();
    return new NodeAgentSource.Agent() {
      @Override
      public String node() {
        return agent.node();
      }

      @Override
      public boolean synced() {
        return agent.synced();
      }

      @Override
      public int queueDepth() {
        return agent.queueDepth();
      }

      @Override
      public int pods() {
        return agent.podsOwned();
      }

      @Override
      public void close() {
        agent.close();
      }
    };
  }

  /** At most one kind of credentials per source; none for public repositories. */
  static GitCredentials credentials(String name, SourceConfig config) {
    int given = (config.tokenFile().isPresent() ? 1 : 0) + (config.basicAuth().isPresent() ? 1 : 0)
        + (config.sshKeyFile().isPresent() ? 1 : 0);
    if (given > 1) {
      throw new IllegalArgumentException("source " + name + ": give one of token-file, basic-auth, ssh-key-file");
    }
    if (config.tokenFile().isPresent()) {
      return GitCredentials.token(Path.of(config.tokenFile().get()));
    }
    if (config.basicAuth().isPresent()) {
      return GitCredentials.basic(Path.of(config.basicAuth().get()));
    }
    if (config.sshKeyFile().isPresent()) {
      return GitCredentials.ssh(Path.of(config.sshKeyFile().get()), Path.of(config.knownHostsFile().orElseThrow(
          () -> new IllegalArgumentException("source " + name + ": ssh-key-file needs known-hosts-file"))));
    }
    return GitCredentials.none();
  }
}
