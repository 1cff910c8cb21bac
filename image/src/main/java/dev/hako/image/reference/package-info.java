/** Image references: docker-style names, normalized ({@code busybox} → {@code docker.io/library/busybox:latest}). */
package dev.hako.image.reference;
