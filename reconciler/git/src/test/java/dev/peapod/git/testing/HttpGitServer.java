package dev.peapod.git.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

/**
 * The smart HTTP protocol as servers really speak it: Debian's {@code git http-backend} run as a
 * CGI program by lighttpd on 127.0.0.1 and a free port, with a config file written here. Three
 * URL spaces serve the same repositories:
 * <ul>
 *   <li>{@code /git/NAME.git} — anonymous;
 *   <li>{@code /basic/NAME.git} — HTTP basic auth (lighttpd's mod_auth, plain user file);
 *   <li>{@code /bearer/NAME.git} — {@code Authorization: Bearer TOKEN}, checked by a CGI wrapper
 *       before it runs git http-backend (lighttpd's mod_auth has no bearer scheme).
 * </ul>
 */
public final class HttpGitServer implements AutoCloseable {
  public static final String BACKEND = "/usr/lib/git-core/git-http-backend";

  private final Path repos;
  private final int port;
  private final Process process;

  /**
   * @param users lines of {@code user:password} for /basic
   * @param bearerToken the token /bearer accepts
   */
  public HttpGitServer(Path dir, Path repos, List<String> users, String bearerToken) throws IOException {
    this.repos = repos;
    this.port = Commands.freePort();
    Files.createDirectories(dir);
    Path userFile = dir.resolve("users");
    Files.write(userFile, users);
    Path bearer = dir.resolve("bearer-backend");
    Files.writeString(bearer, """
        #!/bin/sh
        if [ "$HTTP_AUTHORIZATION" != "Bearer %s" ]; then
          printf 'Status: 401 Unauthorized\\r\\nWWW-Authenticate: Bearer realm="git"\\r\\nContent-Type: text/plain\\r\\n\\r\\nno\\n'
          exit 0
        fi
        exec %s
        """.formatted(bearerToken, BACKEND));
    Files.setPosixFilePermissions(bearer, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path log = dir.resolve("error.log");
    Path config = dir.resolve("lighttpd.conf");
    Files.writeString(config, """
        server.modules = ("mod_alias", "mod_cgi", "mod_setenv", "mod_auth", "mod_authn_file")
        server.document-root = "%1$s"
        server.bind = "127.0.0.1"
        server.port = %2$d
        server.errorlog = "%3$s"
        server.pid-file = "%4$s"
        auth.backend = "plain"
        auth.backend.plain.userfile = "%5$s"
        setenv.add-environment = ("GIT_PROJECT_ROOT" => "%6$s", "GIT_HTTP_EXPORT_ALL" => "")
        cgi.assign = ("" => "")
        alias.url = ("/git" => "%7$s", "/basic" => "%7$s", "/bearer" => "%8$s")
        $HTTP["url"] =~ "^/basic" {
          auth.require = ("" => ("method" => "basic", "realm" => "git", "require" => "valid-user"))
        }
        """.formatted(dir, port, log, dir.resolve("lighttpd.pid"), userFile, repos, BACKEND, bearer));
    process = new ProcessBuilder("/usr/sbin/lighttpd", "-D", "-f", config.toString())
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("lighttpd.out").toFile()))
        .start();
    Commands.awaitPort(port, process, dir.resolve("lighttpd.out"));
  }

  /** {@code http://127.0.0.1:PORT/SPACE/NAME.git}, SPACE one of git, basic, bearer. */
  public String url(String space, String name) {
    return "http://127.0.0.1:" + port + "/" + space + "/" + name + ".git";
  }

  public Path repos() {
    return repos;
  }

  @Override
  public void close() {
    Commands.stop(process);
  }
}
