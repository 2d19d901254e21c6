/** Applying layer tars to a root directory safely: whiteouts, links, ownership, and containment. */
package dev.peapod.images.layer;
