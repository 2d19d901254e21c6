/** The OCI distribution API client: auth, mirrors, retries, and pulling images into the blob store. */
package dev.peapod.images.registry;
