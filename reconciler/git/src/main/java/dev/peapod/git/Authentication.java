package dev.peapod.git;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.eclipse.jgit.api.TransportCommand;
import org.eclipse.jgit.lib.StoredConfig;
import org.eclipse.jgit.transport.SshTransport;
import org.eclipse.jgit.transport.TransportHttp;
import org.eclipse.jgit.transport.UsernamePasswordCredentialsProvider;
import org.eclipse.jgit.transport.sshd.SshdSessionFactory;
import org.eclipse.jgit.transport.sshd.SshdSessionFactoryBuilder;

/**
 * Puts a source's {@link GitCredentials} on JGit transport commands. Secret files are read at
 * every use. For ssh, a session factory of our own: only the given key and known_hosts file, no
 * {@code ~/.ssh/config}, no agent, public-key authentication only.
 */
final class Authentication implements AutoCloseable {
  private final GitCredentials credentials;
  private final KnownHostsCheck hostKeys;
  private final SshdSessionFactory sshFactory;

  Authentication(GitCredentials credentials, Path sshHome) {
    this.credentials = credentials;
    if (credentials instanceof GitCredentials.Ssh ssh) {
      Path key = ssh.privateKey().toAbsolutePath();
      hostKeys = new KnownHostsCheck(ssh.knownHosts().toAbsolutePath());
      sshFactory = new SshdSessionFactoryBuilder()
          .setHomeDirectory(sshHome.toFile())
          .setSshDirectory(sshHome.toFile())
          .setConfigStoreFactory((home, configFile, localUser) -> null)
          .setDefaultIdentities(dir -> List.of(key))
          .setDefaultKnownHostsFiles(dir -> List.of(ssh.knownHosts().toAbsolutePath()))
          .setServerKeyDatabase((home, dir) -> hostKeys)
          .setPreferredAuthentications("publickey")
          .setConnectorFactory(null)
          .build(null);
    } else {
      hostKeys = null;
      sshFactory = null;
    }
  }

  /** Why the ssh server's host key was refused in the last fetch; null if it was not. */
  String hostKeyRejection() {
    return hostKeys == null ? null : hostKeys.rejection();
  }

  /** Configures {@code command} (and the repository's http settings) for one fetch. */
  void apply(TransportCommand<?, ?> command, StoredConfig repoConfig) throws GitSyncException {
    // Secrets must not be replayed to wherever a redirect points.
    repoConfig.setString("http", null, "followRedirects", credentials == GitCredentials.none() ? "initial" : "false");
    if (credentials instanceof GitCredentials.Token token) {
      String secret = readSecret(token.file(), "token file");
      basic(command, token.username(), secret);
    } else if (credentials instanceof GitCredentials.Basic basic) {
      String line = readSecret(basic.file(), "credentials file").lines().findFirst().orElse("");
      int colon = line.indexOf(':');
      if (colon <= 0) {
        throw new GitSyncException(GitSyncException.Reason.CREDENTIALS_UNREADABLE,
            "credentials file " + basic.file() + ": the first line must be username:password");
      }
      basic(command, line.substring(0, colon), line.substring(colon + 1));
    } else if (credentials instanceof GitCredentials.BearerToken bearer) {
      String secret = readSecret(bearer.file(), "token file");
      command.setTransportConfigCallback(transport -> {
        if (transport instanceof TransportHttp http) {
          http.setAdditionalHeaders(Map.of("Authorization", "Bearer " + secret));
        }
      });
    } else if (credentials instanceof GitCredentials.Ssh ssh) {
      checkReadable(ssh.privateKey(), "ssh private key");
      checkReadable(ssh.knownHosts(), "known_hosts file");
      hostKeys.reset();
      command.setTransportConfigCallback(transport -> {
        if (transport instanceof SshTransport sshTransport) {
          sshTransport.setSshSessionFactory(sshFactory);
        }
      });
    }
  }

  private static void basic(TransportCommand<?, ?> command, String username, String password) {
    command.setCredentialsProvider(new UsernamePasswordCredentialsProvider(username, password));
    // Sent with the first request: saves the round trip of a 401 challenge on every poll.
    command.setTransportConfigCallback(transport -> {
      if (transport instanceof TransportHttp http) {
        http.setPreemptiveBasicAuthentication(username, password);
      }
    });
  }

  private static String readSecret(Path file, String what) throws GitSyncException {
    checkReadable(file, what);
    String secret;
    try {
      secret = Files.readString(file, StandardCharsets.UTF_8).strip();
    } catch (IOException e) {
      throw unreadable(file, what, e);
    }
    if (secret.isEmpty()) {
      throw new GitSyncException(GitSyncException.Reason.CREDENTIALS_UNREADABLE, what + " " + file + " is empty");
    }
    return secret;
  }

  private static void checkReadable(Path file, String what) throws GitSyncException {
    try (var in = Files.newInputStream(file)) {
      // opening is the check
    } catch (IOException e) {
      throw unreadable(file, what, e);
    }
  }

  private static GitSyncException unreadable(Path file, String what, IOException e) {
    String why = e instanceof NoSuchFileException ? "does not exist"
        : e instanceof AccessDeniedException ? "cannot be read (permission denied)"
        : "cannot be read (" + e.getMessage() + ")";
    return new GitSyncException(GitSyncException.Reason.CREDENTIALS_UNREADABLE, what + " " + file + " " + why, e);
  }

  @Override
  public void close() {
    if (sshFactory != null) {
      sshFactory.close();
    }
  }
}
