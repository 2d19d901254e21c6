package dev.peapod.git;

import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.eclipse.jgit.transport.URIish;

/**
 * One git source of desired state: where the repository is, what to follow in it, which
 * directory inside it holds the manifests, and how to authenticate.
 *
 * @param url {@code git://}, {@code http://}, {@code https://}, {@code ssh://} (or the scp-like
 *     {@code user@host:path}) or {@code file://}; without a password in it (credentials live in files)
 * @param ref branch, tag or commit ({@link GitRef})
 * @param path a directory inside the repository, relative, '/'-separated, without {@code ..};
 *     {@code ""} or {@code "."} is the root. Kept normalised ({@code "./prod/"} becomes {@code "prod"})
 * @param credentials {@link GitCredentials#none()} when the server needs none
 */
public record GitSourceSpec(String url, GitRef ref, String path, GitCredentials credentials) {
  public GitSourceSpec {
    Objects.requireNonNull(ref, "ref");
    credentials = credentials == null ? GitCredentials.none() : credentials;
    String scheme = checkUrl(url);
    path = normalisePath(path);
    if (credentials.isHttp() && !scheme.startsWith("http")) {
      throw new IllegalArgumentException("git source " + url + ": " + credentials + " is for http(s):// URLs");
    }
    if (credentials instanceof GitCredentials.Ssh && !scheme.equals("ssh")) {
      throw new IllegalArgumentException("git source " + url + ": an ssh key is for ssh:// URLs");
    }
  }

  /** A spec without credentials. */
  public GitSourceSpec(String url, GitRef ref, String path) {
    this(url, ref, path, GitCredentials.none());
  }

  /** {@code <url>#<ref>//<path>}: how the source is named in messages (no secrets in it). */
  public String describe() {
    return url + "#" + ref + "//" + path;
  }

  /** The scheme JGit will use: git, http, https, ssh or file. */
  static String checkUrl(String url) {
    if (url == null || url.isBlank()) {
      throw new IllegalArgumentException("git source URL is empty");
    }
    URIish uri;
    try {
      uri = new URIish(url);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("git source URL \"" + url + "\" is not a URL: " + e.getReason());
    }
    if (uri.getPass() != null) {
      throw new IllegalArgumentException("git source URL " + uri.setPass(null)
          + " contains a password: put credentials in a file and name it in the source's credentials");
    }
    String scheme = uri.getScheme() == null ? null : uri.getScheme().toLowerCase(Locale.ROOT);
    if (scheme == null) {
      // scp-like user@host:path is ssh; a plain local path is a file URL.
      scheme = uri.getHost() != null ? "ssh" : "file";
    }
    if (scheme.equals("git+ssh") || scheme.equals("ssh+git")) {
      scheme = "ssh";
    }
    if (!List.of("git", "http", "https", "ssh", "file").contains(scheme)) {
      throw new IllegalArgumentException("git source URL " + url + ": scheme " + scheme
          + " is not supported (git, http, https, ssh, file)");
    }
    if (!scheme.equals("file") && (uri.getHost() == null || uri.getHost().isEmpty())) {
      throw new IllegalArgumentException("git source URL " + url + " names no host");
    }
    return scheme;
  }

  static String normalisePath(String path) {
    if (path == null) {
      return "";
    }
    if (path.startsWith("/") || path.startsWith("\\") || path.matches("^[A-Za-z]:.*")) {
      throw new IllegalArgumentException("path \"" + path + "\" inside the repository must be relative (e.g. \"prod\" or \".\")");
    }
    if (path.indexOf('\0') >= 0 || path.indexOf('\\') >= 0) {
      throw new IllegalArgumentException("path \"" + path.replace("\0", "\\0") + "\" inside the repository contains '\\' or a NUL character");
    }
    List<String> parts = new ArrayList<>();
    for (String part : path.split("/")) {
      if (part.isEmpty() || part.equals(".")) {
        continue;
      }
      if (part.equals("..")) {
        throw new IllegalArgumentException("path \"" + path + "\" inside the repository must not contain \"..\"");
      }
      parts.add(part);
    }
    return String.join("/", parts);
  }
}
