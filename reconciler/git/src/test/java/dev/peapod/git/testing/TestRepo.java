package dev.peapod.git.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A bare repository under a server's root, changed the way people change one: commits in a
 * working clone made with Debian's git, then pushed (or force-pushed).
 */
public final class TestRepo {
  private final Path bare;
  private final Path work;

  private TestRepo(Path bare, Path work) {
    this.bare = bare;
    this.work = work;
  }

  /** {@code serveRoot/NAME.git}, with a working clone in {@code workRoot/NAME} on branch main. */
  public static TestRepo create(Path serveRoot, Path workRoot, String name) {
    Path bare = serveRoot.resolve(name + ".git");
    Path work = workRoot.resolve(name);
    Commands.run(null, "git", "init", "-q", "--bare", "-b", "main", bare.toString());
    Commands.run(null, "git", "init", "-q", "-b", "main", work.toString());
    git(work, "remote", "add", "origin", bare.toString());
    return new TestRepo(bare, work);
  }

  public Path bare() {
    return bare;
  }

  public Path work() {
    return work;
  }

  public TestRepo write(String path, String content) {
    try {
      Path file = work.resolve(path);
      Files.createDirectories(file.getParent());
      Files.writeString(file, content);
      return this;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public TestRepo symlink(String path, String target) {
    try {
      Path link = work.resolve(path);
      Files.createDirectories(link.getParent());
      Files.deleteIfExists(link);
      Files.createSymbolicLink(link, Path.of(target));
      return this;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public TestRepo delete(String path) {
    git(work, "rm", "-q", "-r", path);
    return this;
  }

  /** Commits everything ({@link #head()} is then its id). */
  public TestRepo commit(String message) {
    git(work, "add", "-A");
    git(work, "commit", "-q", "--allow-empty", "-m", message);
    return this;
  }

  public String head() {
    return git(work, "rev-parse", "HEAD").strip();
  }

  /** git push of every branch and tag. */
  public TestRepo push() {
    git(work, "push", "-q", "origin", "--all");
    git(work, "push", "-q", "origin", "--tags");
    return this;
  }

  public TestRepo forcePush() {
    git(work, "push", "-q", "--force", "origin", "--all");
    return this;
  }

  public TestRepo tag(String name, boolean annotated) {
    if (annotated) {
      git(work, "tag", "-a", "-m", "release " + name, name);
    } else {
      git(work, "tag", name);
    }
    return this;
  }

  /** Moves the branch back (history rewritten, as before a force-push). */
  public TestRepo resetHard(String commit) {
    git(work, "reset", "-q", "--hard", commit);
    return this;
  }

  public String git(String... args) {
    return git(work, args);
  }

  private static String git(Path dir, String... args) {
    String[] command = new String[args.length + 5];
    command[0] = "git";
    command[1] = "-c";
    command[2] = "user.name=Peapod Test";
    command[3] = "-c";
    command[4] = "user.email=test@peapod.invalid";
    System.arraycopy(args, 0, command, 5, args.length);
    return Commands.run(dir, command);
  }
}
