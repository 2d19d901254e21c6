package dev.peapod.images.store;

/**
 * What one reference points at, an entry of {@code refs.json}.
 *
 * @param image the image id (config digest)
 * @param manifest the manifest digest the reference resolved to
 * @param index the index digest when the reference resolved to an index, else null
 * @param updated when the reference was last pulled or loaded, ISO-8601
 */
public record RefRecord(String image, String manifest, String index, String updated) {}
