package dev.peapod.images.archive;

/**
 * One stretch of data in a sparse file; everything between segments is a hole.
 *
 * @param offset where the data starts in the file
 * @param length how many bytes of data follow in the archive
 */
public record SparseSegment(long offset, long length) {}
