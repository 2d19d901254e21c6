/** The image store API: pull, load, list, inspect, remove and prune OCI images as erofs root filesystems, and the typed errors they raise. */
package dev.peapod.images;
