package dev.hako.image.registry;

import dev.hako.image.reference.Reference;
import dev.hako.oci.image.Descriptor;

/**
 * Callbacks for progress output during pull and push. Called from several (virtual) threads at once,
 * one blob per thread; implementations must be thread-safe and cheap.
 */
public interface ProgressListener {
    ProgressListener NONE = new ProgressListener() {};

    /** The manifest to pull or push has been resolved (the platform manifest when it came from an index). */
    default void resolved(Reference reference, Descriptor manifest) {}

    /**
     * A blob is queued for transfer, in the image's order. {@code waiting}: more blobs than parallel transfers,
     * it starts when an earlier one is done (docker's "Waiting"); {@link #blobStarted} follows when it does.
     */
    default void blobQueued(Descriptor blob, boolean waiting) {}

    /** A blob transfer starts at {@code offset} (non-zero when resuming a partial download). */
    default void blobStarted(Descriptor blob, long offset) {}

    /** {@code done} bytes of {@code blob} are transferred so far. */
    default void blobProgress(Descriptor blob, long done) {}

    /** A blob is finished, with how. */
    default void blobDone(Descriptor blob, BlobOutcome outcome) {}

    /** How a blob was handled. */
    enum BlobOutcome {
        /** Downloaded and verified. */
        DOWNLOADED,
        /** Already in the local store: nothing downloaded. */
        ALREADY_LOCAL,
        /** Uploaded. */
        PUSHED,
        /** The registry already had it (HEAD): nothing uploaded. */
        ALREADY_REMOTE,
        /** Mounted from another repository of the same registry: nothing uploaded. */
        MOUNTED
    }
}
