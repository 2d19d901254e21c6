/** Image references as Docker and Kubernetes users write them, parsed and normalised. */
package dev.peapod.images.reference;
