package dev.hako.image.store;

import dev.hako.oci.image.Digest;

/**
 * @param image     the local image now
 * @param reference the normalized reference pulled (docker.io/library/busybox:latest)
 * @param digest    the digest the registry served for it (index or manifest): docker's "Digest:" line
 * @param updated   false when the same image was already there under that name ("Image is up to date")
 */
public record PullResult(ImageRecord image, String reference, Digest digest, boolean updated) {}
