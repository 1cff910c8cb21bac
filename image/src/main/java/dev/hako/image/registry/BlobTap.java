package dev.hako.image.registry;

import dev.hako.oci.image.Descriptor;
import dev.hako.oci.image.ImageConfig;
import dev.hako.oci.image.Manifest;

/**
 * Receives a layer's bytes while they are downloaded, in order from the first byte, so the caller can unpack in
 * the same pass (download → verify → decompress → untar). The blob is stored and verified as always; the tap
 * learns the outcome last: {@link #finish} only after the digest and size matched, {@link #abandon} on anything
 * else (a wrong digest, a retry that resumes mid-blob, an error). A consumer must commit nothing before finish.
 */
public interface BlobTap {
    /**
     * The next bytes of the blob. The caller reuses the array (the tap copies what it keeps), except the one the
     * last {@link #buffer} call returned: that one the tap takes over, with no copy. Must not block forever.
     */
    void write(byte[] b, int off, int len);

    /**
     * An array the caller may read the next bytes into and then pass to {@link #write}, which keeps it instead of
     * copying; null when the tap has none to give (the caller uses its own).
     */
    default byte[] buffer() { return null; }

    /** Every byte was written and the blob verified against its descriptor. */
    void finish();

    /** The bytes written so far are not (or not known to be) the verified blob; discard them. */
    void abandon(Exception cause);

    /** Opens taps per layer; may return null for layers it does not want to stream. */
    @FunctionalInterface
    interface Factory {
        /** Layer {@code index} of {@code manifest}; {@code config} is stored and validated. */
        BlobTap open(Manifest manifest, ImageConfig config, int index, Descriptor layer);
    }
}
