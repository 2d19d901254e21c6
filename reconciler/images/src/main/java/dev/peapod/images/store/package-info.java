/** The on-disk store: content-addressed blobs, built images, references, locks and crash-safe writes. */
package dev.peapod.images.store;
