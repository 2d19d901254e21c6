package dev.peapod.git;

import java.nio.file.Path;
import java.util.Objects;

/**
 * How to authenticate to a git server. Secrets stay in files, named here by path and read at
 * every sync (so a rotated token is picked up without a restart); they never appear in
 * messages, {@code toString()} or logs.
 *
 * <ul>
 *   <li>{@link #none()} — anonymous ({@code git://}, public {@code http(s)://});
 *   <li>{@link #token(Path)} — an access token sent as the password of HTTP basic auth with user
 *       {@code x-access-token}, which GitHub, GitLab and Gitea accept for personal and app tokens;
 *       {@link #token(Path, String)} names another user (Bitbucket: {@code x-token-auth});
 *   <li>{@link #bearerToken(Path)} — a token sent as {@code Authorization: Bearer} (Flux's
 *       {@code bearerToken}: Azure DevOps, OAuth2-capable servers);
 *   <li>{@link #basic(Path)} — a file whose first line is {@code username:password};
 *   <li>{@link #ssh(Path, Path)} — an unencrypted OpenSSH private key file and a
 *       {@code known_hosts} file. The server's host key must be listed there: an unknown or a
 *       changed key is refused, never learnt. Nothing of the user's {@code ~/.ssh} is read.
 * </ul>
 */
public sealed interface GitCredentials {
  static GitCredentials none() {
    return None.INSTANCE;
  }

  static GitCredentials token(Path tokenFile) {
    return new Token(tokenFile, Token.DEFAULT_USERNAME);
  }

  static GitCredentials token(Path tokenFile, String username) {
    return new Token(tokenFile, username);
  }

  static GitCredentials bearerToken(Path tokenFile) {
    return new BearerToken(tokenFile);
  }

  static GitCredentials basic(Path usernamePasswordFile) {
    return new Basic(usernamePasswordFile);
  }

  static GitCredentials ssh(Path privateKeyFile, Path knownHostsFile) {
    return new Ssh(privateKeyFile, knownHostsFile);
  }

  /** Whether these credentials are for {@code http(s)://} servers. */
  default boolean isHttp() {
    return this instanceof Token || this instanceof BearerToken || this instanceof Basic;
  }

  /** Anonymous access. */
  enum None implements GitCredentials {
    INSTANCE;

    @Override
    public String toString() {
      return "no credentials";
    }
  }

  /** A token in a file, sent as the password of HTTP basic auth. */
  record Token(Path file, String username) implements GitCredentials {
    public static final String DEFAULT_USERNAME = "x-access-token";

    public Token {
      Objects.requireNonNull(file, "token file");
      if (username == null || username.isEmpty() || username.contains(":")) {
        throw new IllegalArgumentException("token user \"" + username + "\" must be non-empty and without ':'");
      }
    }

    @Override
    public String toString() {
      return "token from " + file;
    }
  }

  /** A token in a file, sent as {@code Authorization: Bearer <token>}. */
  record BearerToken(Path file) implements GitCredentials {
    public BearerToken {
      Objects.requireNonNull(file, "token file");
    }

    @Override
    public String toString() {
      return "bearer token from " + file;
    }
  }

  /** HTTP basic auth from a file whose first line is {@code username:password}. */
  record Basic(Path file) implements GitCredentials {
    public Basic {
      Objects.requireNonNull(file, "credentials file");
    }

    @Override
    public String toString() {
      return "username and password from " + file;
    }
  }

  /** An OpenSSH private key (not passphrase-protected) and the known_hosts file that vouches for the server. */
  record Ssh(Path privateKey, Path knownHosts) implements GitCredentials {
    public Ssh {
      Objects.requireNonNull(privateKey, "ssh private key file");
      Objects.requireNonNull(knownHosts, "known_hosts file");
    }

    @Override
    public String toString() {
      return "ssh key " + privateKey + " with known hosts " + knownHosts;
    }
  }
}
