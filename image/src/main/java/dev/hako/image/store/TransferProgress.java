package dev.hako.image.store;

import dev.hako.image.content.ContentStore;
import dev.hako.image.reference.Reference;
import dev.hako.image.registry.ProgressListener.BlobOutcome;
import dev.hako.oci.image.Descriptor;
import dev.hako.oci.image.Digest;
import dev.hako.oci.image.Manifest;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;

/**
 * Turns the registry client's blob events into docker's per-layer statuses for pull
 * ("Pulling fs layer", "Waiting", "Downloading", "Download complete", "Already exists") and push
 * ("Preparing", "Waiting", "Pushing", "Pushed", "Layer already exists", "Mounted from …"). The config blob
 * is not shown, as docker doesn't.
 */
final class TransferProgress implements dev.hako.image.registry.ProgressListener {
    private final ProgressListener out;
    private final ContentStore content;
    private final boolean push;
    private final Set<Digest> layers = ConcurrentHashMap.newKeySet();
    private volatile Digest config;
    private volatile boolean headerShown;
    private final BiConsumer<Descriptor, BlobOutcome> onLayerDone;

    TransferProgress(ProgressListener out, ContentStore content, boolean push, BiConsumer<Descriptor, BlobOutcome> onLayerDone) {
        this.out = out;
        this.content = content;
        this.push = push;
        this.onLayerDone = onLayerDone;
    }

    @Override
    public void resolved(Reference reference, Descriptor manifest) {
        if (!push && !headerShown) {
            headerShown = true;
            String what = reference.digest() != null ? reference.digest().toString() : reference.tag();
            out.message(what + ": Pulling from " + reference.repository());
        }
        try {
            if (content.has(manifest.digest())) {
                Manifest m = content.readManifest(manifest);
                config = m.config().digest();
                for (Descriptor l : m.layersOrEmpty()) {
                    if (layers.add(l.digest())) out.update(l.digest().shortHex(), push ? "Preparing" : "Pulling fs layer", -1, -1);
                }
            }
        } catch (RuntimeException e) {
            // the layer list is only for display; the transfer goes on without it
        }
    }

    private boolean shown(Descriptor blob) {
        if (blob.digest().equals(config)) return false;
        if (layers.contains(blob.digest())) return true;
        // no manifest seen yet: show everything that looks like a layer
        return config == null && !dev.hako.oci.image.MediaTypes.isConfig(blob.mediaType())
                && !dev.hako.oci.image.MediaTypes.isManifest(blob.mediaType())
                && !dev.hako.oci.image.MediaTypes.isIndex(blob.mediaType());
    }

    /** docker's order: every layer to transfer is listed first, then the ones queued behind the others wait. */
    @Override
    public void blobQueued(Descriptor blob, boolean waiting) {
        if (!shown(blob)) return;
        String id = blob.digest().shortHex();
        if (layers.add(blob.digest())) out.update(id, push ? "Preparing" : "Pulling fs layer", -1, -1);
        if (waiting) out.update(id, "Waiting", -1, -1);
    }

    @Override
    public void blobStarted(Descriptor blob, long offset) {
        if (shown(blob)) out.update(blob.digest().shortHex(), push ? "Pushing" : "Downloading", offset, blob.size());
    }

    @Override
    public void blobProgress(Descriptor blob, long done) {
        if (shown(blob)) out.update(blob.digest().shortHex(), push ? "Pushing" : "Downloading", done, blob.size());
    }

    @Override
    public void blobDone(Descriptor blob, BlobOutcome outcome) {
        if (shown(blob)) {
            String id = blob.digest().shortHex();
            switch (outcome) {
                case DOWNLOADED -> {
                    out.update(id, "Verifying Checksum", -1, -1);
                    out.update(id, "Download complete", -1, -1);
                }
                case ALREADY_LOCAL -> out.update(id, "Already exists", -1, -1);
                case PUSHED -> out.update(id, "Pushed", -1, -1);
                case ALREADY_REMOTE -> out.update(id, "Layer already exists", -1, -1);
                case MOUNTED -> out.update(id, "Mounted from another repository", -1, -1);
            }
        }
        if (onLayerDone != null && !blob.digest().equals(config)) onLayerDone.accept(blob, outcome);
    }
}
