package dev.peapod.git;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class GitSourceSpecTest {
  private static final GitRef MAIN = GitRef.branch("main");

  private static String refused(String url, String path, GitCredentials credentials) {
    return assertThrows(IllegalArgumentException.class, () -> new GitSourceSpec(url, MAIN, path, credentials)).getMessage();
  }

  @Test
  void pathsAreNormalised() {
    assertEquals("", new GitSourceSpec("git://h/r.git", MAIN, "").path());
    assertEquals("", new GitSourceSpec("git://h/r.git", MAIN, ".").path());
    assertEquals("", new GitSourceSpec("git://h/r.git", MAIN, null).path());
    assertEquals("prod/eu", new GitSourceSpec("git://h/r.git", MAIN, "./prod//eu/").path());
    assertEquals("git://h/r.git#main//prod", new GitSourceSpec("git://h/r.git", MAIN, "prod").describe());
  }

  @Test
  void pathsThatLeaveTheRepositoryAreRefused() {
    assertEquals("path \"../etc\" inside the repository must not contain \"..\"", refused("git://h/r.git", "../etc", null));
    assertEquals("path \"prod/../../x\" inside the repository must not contain \"..\"", refused("git://h/r.git", "prod/../../x", null));
    assertEquals("path \"/etc\" inside the repository must be relative (e.g. \"prod\" or \".\")", refused("git://h/r.git", "/etc", null));
    assertEquals("path \"a\\b\" inside the repository contains '\\' or a NUL character", refused("git://h/r.git", "a\\b", null));
  }

  @Test
  void urlsAreChecked() {
    assertEquals("git source URL is empty", refused("", "", null));
    assertEquals("git source URL ftp://h/r.git: scheme ftp is not supported (git, http, https, ssh, file)", refused("ftp://h/r.git", "", null));
    assertEquals("git source URL https://bob@h/r.git contains a password: put credentials in a file and name it in the source's credentials",
        refused("https://bob:hunter2@h/r.git", "", null));
    new GitSourceSpec("git@github.com:org/repo.git", MAIN, "", GitCredentials.ssh(Path.of("k"), Path.of("kh")));
    new GitSourceSpec("ssh://git@h:2222/r.git", MAIN, "");
    new GitSourceSpec("https://h/r.git", MAIN, "");
  }

  @Test
  void credentialsMustFitTheScheme() {
    assertEquals("git source git://h/r.git: token from t is for http(s):// URLs", refused("git://h/r.git", "", GitCredentials.token(Path.of("t"))));
    assertEquals("git source https://h/r.git: an ssh key is for ssh:// URLs",
        refused("https://h/r.git", "", GitCredentials.ssh(Path.of("k"), Path.of("kh"))));
  }
}
