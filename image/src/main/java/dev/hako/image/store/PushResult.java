package dev.hako.image.store;

import dev.hako.oci.image.Digest;

/** What docker prints at the end of a push: "{tag}: digest: {digest} size: {size}". */
public record PushResult(String reference, String tag, Digest digest, long size) {}
