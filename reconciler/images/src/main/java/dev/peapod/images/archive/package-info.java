/** Tar reading and loading images from OCI layouts, OCI archives and docker-save archives. */
package dev.peapod.images.archive;
