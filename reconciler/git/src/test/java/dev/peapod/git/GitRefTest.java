package dev.peapod.git;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class GitRefTest {
  private static final String SHA = "0123456789abcdef0123456789abcdef01234567";

  @Test
  void textFormsParseToTheirKind() {
    assertEquals(GitRef.branch("main"), GitRef.parse("main"));
    assertEquals(GitRef.branch("release/1.x"), GitRef.parse("release/1.x"));
    assertEquals(GitRef.branch("main"), GitRef.parse("refs/heads/main"));
    assertEquals(GitRef.branch("main"), GitRef.parse("branch:main"));
    assertEquals(GitRef.tag("v1"), GitRef.parse("tag:v1"));
    assertEquals(GitRef.tag("v1"), GitRef.parse("refs/tags/v1"));
    assertEquals(GitRef.commit(SHA), GitRef.parse(SHA));
    assertEquals(GitRef.commit(SHA), GitRef.parse("commit:" + SHA.toUpperCase()));
    assertEquals(GitRef.branch(SHA), GitRef.parse("branch:" + SHA));
  }

  @Test
  void toStringGivesTextThatParsesBack() {
    for (GitRef ref : new GitRef[] {GitRef.branch("main"), GitRef.branch("a/b"), GitRef.tag("v1.2"), GitRef.commit(SHA), GitRef.branch(SHA)}) {
      assertEquals(ref, GitRef.parse(ref.toString()), ref.toString());
    }
    assertEquals("tag:v1", GitRef.tag("v1").toString());
    assertEquals("branch:" + SHA, GitRef.branch(SHA).toString());
  }

  @Test
  void displayNamesAreWhatFluxShows() {
    assertEquals("main", GitRef.parse("refs/heads/main").displayName());
    assertEquals("v1", GitRef.parse("tag:v1").displayName());
    assertNull(GitRef.parse(SHA).displayName());
  }

  @Test
  void badRefsAreRefusedWithTheirText() {
    assertEquals("git ref is empty: give a branch (main), a tag (tag:v1) or a commit id",
        assertThrows(IllegalArgumentException.class, () -> GitRef.parse(" ")).getMessage());
    assertEquals("commit id \"0123abc\" is not a full 40-digit hexadecimal SHA-1 (abbreviated ids are not accepted)",
        assertThrows(IllegalArgumentException.class, () -> GitRef.parse("commit:0123abc")).getMessage());
    assertEquals("branch name \"a..b\" is not a valid git ref name",
        assertThrows(IllegalArgumentException.class, () -> GitRef.parse("a..b")).getMessage());
    assertEquals("tag name \"\" is not a valid git ref name",
        assertThrows(IllegalArgumentException.class, () -> GitRef.parse("tag:")).getMessage());
    assertEquals("git ref \"refs/pull/1/head\": only refs/heads/... and refs/tags/... can be followed",
        assertThrows(IllegalArgumentException.class, () -> GitRef.parse("refs/pull/1/head")).getMessage());
  }
}
