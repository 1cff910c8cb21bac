package dev.hako.image.store;

import dev.hako.image.content.ContentStore;
import dev.hako.image.reference.Reference;
import dev.hako.image.registry.ProgressListener.BlobOutcome;
import dev.hako.oci.image.Descriptor;
import dev.hako.oci.image.Digest;
import dev.hako.oci.image.MediaTypes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The registry client's blob events as docker's per-layer status lines. */
class TransferProgressTest {
    @TempDir Path tmp;

    final List<String> lines = new ArrayList<>();
    final ProgressListener out = new ProgressListener() {
        @Override public void message(String line) { lines.add(line); }
        @Override public void update(String id, String status, long current, long total) { lines.add(id + ": " + status); }
    };

    static Descriptor blob(String mediaType, String seed) {
        byte[] b = seed.getBytes(StandardCharsets.UTF_8);
        return new Descriptor(mediaType, Digest.sha256(b), b.length);
    }

    @Test
    void layersQueuedBehindOthersSayWaitingUntilTheyStart() {
        TransferProgress p = new TransferProgress(out, ContentStore.open(tmp.resolve("c")), false, null);
        Descriptor config = blob(MediaTypes.OCI_CONFIG, "config");
        Descriptor a = blob(MediaTypes.OCI_LAYER_GZIP, "a"), b = blob(MediaTypes.OCI_LAYER_GZIP, "b");
        p.resolved(Reference.parse("example.com/x:1"), blob(MediaTypes.OCI_MANIFEST, "m"));
        p.blobQueued(config, false);
        p.blobQueued(a, false);
        p.blobQueued(b, true);
        p.blobStarted(a, 0);
        p.blobDone(a, BlobOutcome.DOWNLOADED);
        p.blobStarted(b, 0);
        String ida = a.digest().shortHex(), idb = b.digest().shortHex();
        assertThat(lines).containsExactly("1: Pulling from x",
                ida + ": Pulling fs layer", idb + ": Pulling fs layer", idb + ": Waiting",
                ida + ": Downloading", ida + ": Verifying Checksum", ida + ": Download complete",
                idb + ": Downloading");
    }

    @Test
    void aPushListsLayersAsPreparingThenWaiting() {
        TransferProgress p = new TransferProgress(out, ContentStore.open(tmp.resolve("c")), true, null);
        Descriptor a = blob(MediaTypes.OCI_LAYER_GZIP, "a"), b = blob(MediaTypes.OCI_LAYER_GZIP, "b");
        p.blobQueued(a, false);
        p.blobQueued(b, true);
        assertThat(lines).containsExactly(a.digest().shortHex() + ": Preparing", b.digest().shortHex() + ": Preparing",
                b.digest().shortHex() + ": Waiting");
    }
}
