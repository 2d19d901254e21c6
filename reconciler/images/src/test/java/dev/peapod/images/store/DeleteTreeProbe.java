package dev.peapod.images.store;

import java.nio.file.Path;

/** Run by {@link TempSpaceTest} as another user: one {@link TempSpace#deleteTree}. */
public final class DeleteTreeProbe {
  private DeleteTreeProbe() {}

  public static void main(String[] args) throws Exception {
    TempSpace.deleteTree(Path.of(args[0]));
  }
}
