package dev.peapod.git.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A real OpenSSH server ({@code /usr/sbin/sshd}) on 127.0.0.1 and a free port, with its own host
 * key and one authorized client key, both generated here with ssh-keygen. Clients log in as the
 * user running the tests, with public keys only, and run {@code git-upload-pack} through their
 * shell as they would on any git server reached over ssh.
 */
public final class SshGitServer implements AutoCloseable {
  private final Path dir;
  private final int port;
  private final Process process;
  private final Path clientKey;
  private final String user = System.getProperty("user.name");

  public SshGitServer(Path dir) throws IOException {
    this.dir = dir;
    this.port = Commands.freePort();
    Files.createDirectories(dir);
    Path hostKey = dir.resolve("host_ed25519");
    clientKey = dir.resolve("client_ed25519");
    keygen(hostKey);
    keygen(clientKey);
    Files.copy(dir.resolve("client_ed25519.pub"), dir.resolve("authorized_keys"));
    // sshd refuses to start without its privilege separation directory (made by the service normally).
    Path privsep = Path.of("/run/sshd");
    if (!Files.isDirectory(privsep)) {
      Files.createDirectories(privsep);
    }
    Path config = dir.resolve("sshd_config");
    Files.writeString(config, """
        ListenAddress 127.0.0.1
        Port %d
        HostKey %s
        PidFile %s
        AuthorizedKeysFile %s
        AllowUsers %s
        StrictModes no
        UsePAM no
        PubkeyAuthentication yes
        PasswordAuthentication no
        KbdInteractiveAuthentication no
        PermitRootLogin prohibit-password
        LogLevel VERBOSE
        """.formatted(port, hostKey, dir.resolve("sshd.pid"), dir.resolve("authorized_keys"), user));
    Path log = dir.resolve("sshd.log");
    process = new ProcessBuilder("/usr/sbin/sshd", "-D", "-e", "-f", config.toString())
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
        .start();
    Commands.awaitPort(port, process, log);
  }

  /** A new ed25519 key pair at {@code file} and {@code file.pub}, without passphrase. */
  public static void keygen(Path file) {
    Commands.run(null, "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "peapod-test", "-f", file.toString());
  }

  /** {@code ssh://USER@127.0.0.1:PORT/ABSOLUTE/PATH}. */
  public String url(Path repository) {
    return "ssh://" + user + "@127.0.0.1:" + port + repository.toAbsolutePath();
  }

  public Path clientKey() {
    return clientKey;
  }

  /** A known_hosts file listing this server's real host key. */
  public Path knownHosts(Path file) throws IOException {
    return knownHosts(file, dir.resolve("host_ed25519.pub"));
  }

  /** A known_hosts file that lists {@code publicKey} for this server's address. */
  public Path knownHosts(Path file, Path publicKey) throws IOException {
    String[] key = Files.readString(publicKey).strip().split(" ");
    Files.write(file, List.of("[127.0.0.1]:" + port + " " + key[0] + " " + key[1]));
    return file;
  }

  public Path log() {
    return dir.resolve("sshd.log");
  }

  @Override
  public void close() {
    Commands.stop(process);
  }
}
