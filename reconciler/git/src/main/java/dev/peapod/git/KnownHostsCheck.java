package dev.peapod.git;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.eclipse.jgit.internal.transport.sshd.OpenSshServerKeyDatabase;
import org.eclipse.jgit.transport.CredentialsProvider;
import org.eclipse.jgit.transport.sshd.ServerKeyDatabase;

/**
 * Server host keys are checked against one known_hosts file, strictly: a host that is not listed,
 * or listed with another key, is refused; nothing is ever added to the file and nobody is asked.
 * JGit's OpenSSH-format reader does the matching (hashed names, {@code [host]:port}, revoked keys);
 * this class pins the policy and remembers why a key was refused, since JGit itself only reports
 * that the key "did not validate".
 */
final class KnownHostsCheck implements ServerKeyDatabase {
  private final Path knownHosts;
  private final OpenSshServerKeyDatabase delegate;
  private volatile String rejection;

  KnownHostsCheck(Path knownHosts) {
    this.knownHosts = knownHosts;
    this.delegate = new OpenSshServerKeyDatabase(false, List.of(knownHosts));
  }

  /** Why the last key was refused, in words; null when none was. */
  String rejection() {
    return rejection;
  }

  void reset() {
    rejection = null;
  }

  @Override
  public List<PublicKey> lookup(String connectAddress, InetSocketAddress remoteAddress, Configuration config) {
    return delegate.lookup(connectAddress, remoteAddress, strict(config));
  }

  @Override
  public boolean accept(String connectAddress, InetSocketAddress remoteAddress, PublicKey serverKey,
      Configuration config, CredentialsProvider provider) {
    if (!Files.isReadable(knownHosts)) {
      rejection = "the known_hosts file " + knownHosts + " cannot be read, so the host key of " + connectAddress
          + " cannot be checked";
      return false;
    }
    Configuration strict = strict(config);
    if (delegate.accept(connectAddress, remoteAddress, serverKey, strict, null)) {
      return true;
    }
    List<PublicKey> known = delegate.lookup(connectAddress, remoteAddress, strict);
    String offered = KeyUtils.getFingerPrint(serverKey);
    if (known.isEmpty()) {
      rejection = "the host key of " + connectAddress + " (" + offered + ") is not in the known_hosts file "
          + knownHosts + ": refused (add the server's key there to trust it)";
    } else {
      rejection = "the host key of " + connectAddress + " (" + offered + ") differs from the one in the known_hosts file "
          + knownHosts + " (" + known.stream().map(KeyUtils::getFingerPrint).collect(Collectors.joining(", "))
          + "): refused; the server's key changed or someone is between it and us";
    }
    return false;
  }

  private Configuration strict(Configuration config) {
    String file = knownHosts.toString();
    return new Configuration() {
      @Override
      public List<String> getUserKnownHostsFiles() {
        return List.of(file);
      }

      @Override
      public List<String> getGlobalKnownHostsFiles() {
        return List.of();
      }

      @Override
      public StrictHostKeyChecking getStrictHostKeyChecking() {
        return StrictHostKeyChecking.REQUIRE_MATCH;
      }

      @Override
      public boolean getHashKnownHosts() {
        return false;
      }

      @Override
      public String getUsername() {
        return config == null ? null : config.getUsername();
      }
    };
  }
}
