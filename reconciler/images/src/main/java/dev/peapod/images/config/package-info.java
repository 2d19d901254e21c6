/** Docker's and Kubernetes' rules for turning an image config and a container spec into a process. */
package dev.peapod.images.config;
