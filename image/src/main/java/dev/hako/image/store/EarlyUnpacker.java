package dev.hako.image.store;

import dev.hako.image.content.ContentStore;
import dev.hako.image.reference.Reference;
import dev.hako.image.registry.RegistryClient;
import dev.hako.oci.Json;
import dev.hako.oci.image.Descriptor;
import dev.hako.oci.image.Digest;
import dev.hako.oci.image.ImageConfig;
import dev.hako.oci.image.Manifest;
import dev.hako.oci.image.MediaTypes;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Starts unpacking each layer as soon as its blob is stored, while the other blobs still download
 * (docker's download → extract overlap). A layer's position (hence its DiffID and parent ChainID) comes
 * from the manifest, fetched by digest in the background when the registry client has resolved it, and
 * from the config once that blob is in. Best effort: whatever it did not do, or did wrong, the caller's
 * final {@link ImageService#unpackAll} pass does (unpacking an existing layer is a no-op).
 */
final class EarlyUnpacker implements dev.hako.image.registry.ProgressListener, AutoCloseable {
    /** Unpacks one layer: (layer, parent chain, diffID) → uncompressed size. */
    interface Unpack {
        long unpack(Descriptor layer, Digest parentChain, Digest diffId) throws Exception;
    }

    private final RegistryClient client;
    private final ContentStore content;
    private final Unpack unpack;
    // unpacks block in flock(2) waiting for their parent layer: platform threads, so no carrier is pinned
    private final ExecutorService pool = Executors.newThreadPerTaskExecutor(Thread.ofPlatform().daemon().name("hako-unpack-", 0).factory());
    private final ExecutorService io = Executors.newVirtualThreadPerTaskExecutor();
    private volatile Manifest manifest;
    private volatile ImageConfig config;
    private final java.util.Set<Digest> stored = ConcurrentHashMap.newKeySet();
    private final List<Future<?>> jobs = new ArrayList<>();   // guarded by this
    private int next;                                         // guarded by this: the lowest layer not started

    EarlyUnpacker(RegistryClient client, ContentStore content, Unpack unpack) {
        this.client = client;
        this.content = content;
        this.unpack = unpack;
    }

    @Override
    public void resolved(Reference reference, Descriptor manifestDesc) {
        Reference byDigest = reference.withDigest(manifestDesc.digest());
        io.submit(() -> {
            try {
                if (client.getManifest(byDigest).document() instanceof Manifest m) {
                    manifest = m;
                    advance();
                }
            } catch (RuntimeException e) {
                // no early unpacking; the final pass does it all
            }
        });
    }

    @Override
    public void blobDone(Descriptor blob, BlobOutcome outcome) {
        if (MediaTypes.isConfig(blob.mediaType())) {
            io.submit(() -> {
                try {
                    config = Json.parse(content.read(blob, ContentStore.MAX_CONFIG_SIZE), ImageConfig.class);
                    advance();
                } catch (RuntimeException e) {
                    // as above
                }
            });
            return;
        }
        stored.add(blob.digest());
        advance();
    }

    /** Starts layers bottom-up as far as they are stored, so a layer's parent is always done or in progress. */
    private synchronized void advance() {
        Manifest m = manifest;
        ImageConfig c = config;
        if (m == null || c == null) return;
        List<Descriptor> layers = m.layersOrEmpty();
        List<Digest> diffIds = c.diffIds();
        if (diffIds.size() != layers.size()) return;
        List<Digest> chains = ImageService.chainIds(diffIds);
        while (next < layers.size() && stored.contains(layers.get(next).digest())) {
            int i = next++;
            jobs.add(pool.submit(() -> {
                unpack.unpack(layers.get(i), i == 0 ? null : chains.get(i - 1), diffIds.get(i));
                return null;
            }));
        }
    }

    /** Waits for the started unpacks; their failures are left to the final pass to report. */
    void await() {
        List<Future<?>> started;
        synchronized (this) { started = new ArrayList<>(jobs); }
        for (Future<?> f : started) {
            try {
                f.get();
            } catch (Exception e) {
                // redone (and reported) by the final pass
            }
        }
    }

    @Override
    public void close() {
        io.shutdownNow();
        pool.shutdownNow();
    }

    /** Sends every event to both listeners. */
    static dev.hako.image.registry.ProgressListener tee(dev.hako.image.registry.ProgressListener a,
                                                       dev.hako.image.registry.ProgressListener b) {
        return new dev.hako.image.registry.ProgressListener() {
            @Override public void resolved(Reference r, Descriptor m) { a.resolved(r, m); b.resolved(r, m); }
            @Override public void blobStarted(Descriptor blob, long offset) { a.blobStarted(blob, offset); b.blobStarted(blob, offset); }
            @Override public void blobProgress(Descriptor blob, long done) { a.blobProgress(blob, done); b.blobProgress(blob, done); }
            @Override public void blobDone(Descriptor blob, BlobOutcome o) { a.blobDone(blob, o); b.blobDone(blob, o); }
        };
    }
}
