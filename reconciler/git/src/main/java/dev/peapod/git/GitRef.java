package dev.peapod.git;

import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;
import org.eclipse.jgit.lib.Repository;

/**
 * What to follow in a repository: a branch, a tag or one commit.
 *
 * <p>Written as text ({@link #parse}, and {@link #toString} gives it back):
 * <ul>
 *   <li>{@code main}, {@code release/1.x}, {@code branch:main}, {@code refs/heads/main} — a branch;
 *   <li>{@code tag:v1}, {@code refs/tags/v1} — a tag (annotated or not: the commit it points at);
 *   <li>a full 40-digit hexadecimal commit id, or {@code commit:<id>} — that commit.
 * </ul>
 * A bare name is a branch, as in Flux's {@code ref.branch}. The prefixes cannot clash with names,
 * since git forbids ':' in ref names; a branch whose name is 40 hex digits is written
 * {@code branch:<name>}. Abbreviated commit ids are refused: they can become ambiguous later.
 */
public sealed interface GitRef {
  /** The ref name as Flux shows it before {@code @sha1:} ({@code main}, {@code v1}); null for a commit. */
  String displayName();

  static GitRef branch(String name) {
    return new Branch(name);
  }

  static GitRef tag(String name) {
    return new Tag(name);
  }

  static GitRef commit(String sha) {
    return new Commit(sha);
  }

  /**
   * Reads the textual form described on {@link GitRef}.
   *
   * @throws IllegalArgumentException naming the text and what is wrong with it
   */
  static GitRef parse(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("git ref is empty: give a branch (main), a tag (tag:v1) or a commit id");
    }
    String ref = text.strip();
    if (ref.startsWith("refs/heads/")) {
      return branch(ref.substring("refs/heads/".length()));
    }
    if (ref.startsWith("refs/tags/")) {
      return tag(ref.substring("refs/tags/".length()));
    }
    if (ref.startsWith("branch:")) {
      return branch(ref.substring("branch:".length()));
    }
    if (ref.startsWith("tag:")) {
      return tag(ref.substring("tag:".length()));
    }
    if (ref.startsWith("commit:")) {
      return commit(ref.substring("commit:".length()));
    }
    if (Commit.FULL_ID.matcher(ref).matches()) {
      return commit(ref);
    }
    if (ref.startsWith("refs/")) {
      throw new IllegalArgumentException("git ref \"" + ref + "\": only refs/heads/... and refs/tags/... can be followed");
    }
    return branch(ref);
  }

  /** A branch: every sync follows its newest commit, force-pushes included. */
  record Branch(String name) implements GitRef {
    public Branch {
      name = checkName("branch", name);
    }

    /** The full ref name on the server. */
    public String refName() {
      return "refs/heads/" + name;
    }

    @Override
    public String displayName() {
      return name;
    }

    @Override
    public String toString() {
      return Commit.FULL_ID.matcher(name).matches() ? "branch:" + name : name;
    }
  }

  /** A tag, annotated or lightweight; the revision is the commit it points at. */
  record Tag(String name) implements GitRef {
    public Tag {
      name = checkName("tag", name);
    }

    public String refName() {
      return "refs/tags/" + name;
    }

    @Override
    public String displayName() {
      return name;
    }

    @Override
    public String toString() {
      return "tag:" + name;
    }
  }

  /** One commit, by its full 40-digit SHA-1 id (lower case). */
  record Commit(String sha) implements GitRef {
    static final Pattern FULL_ID = Pattern.compile("[0-9a-fA-F]{40}");

    public Commit {
      Objects.requireNonNull(sha, "sha");
      if (!FULL_ID.matcher(sha).matches()) {
        throw new IllegalArgumentException("commit id \"" + sha + "\" is not a full 40-digit hexadecimal SHA-1"
            + (sha.matches("[0-9a-fA-F]{4,39}") ? " (abbreviated ids are not accepted)" : ""));
      }
      sha = sha.toLowerCase(Locale.ROOT);
    }

    @Override
    public String displayName() {
      return null;
    }

    @Override
    public String toString() {
      return sha;
    }
  }

  private static String checkName(String kind, String name) {
    Objects.requireNonNull(name, kind);
    String prefix = kind.equals("branch") ? "refs/heads/" : "refs/tags/";
    if (name.isEmpty() || !Repository.isValidRefName(prefix + name)) {
      throw new IllegalArgumentException(kind + " name \"" + name + "\" is not a valid git ref name");
    }
    return name;
  }
}
