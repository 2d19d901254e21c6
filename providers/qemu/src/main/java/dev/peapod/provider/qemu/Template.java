package dev.peapod.provider.qemu;

import java.nio.file.Path;

/**
 * A complete template VM on disk (see {@link TemplateCatalogue}).
 *
 * @param key its {@link TemplateKey}
 * @param dir {@code <state>/templates/<key>}
 */
record Template(String key, Path dir) {

  /** The guest RAM file (sparse). */
  Path ram() {
    return dir.resolve("ram");
  }

  /** The device state QEMU wrote, without the RAM. */
  Path state() {
    return dir.resolve("state");
  }
}
