/** The OCI image and Docker v2 schema 2 data model: digests, descriptors, manifests, indexes, configs, media types. */
package dev.peapod.images.oci;
