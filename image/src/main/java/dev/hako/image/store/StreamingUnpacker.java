package dev.hako.image.store;

import dev.hako.image.layer.LayerStore;
import dev.hako.image.registry.BlobTap;
import dev.hako.oci.image.Descriptor;
import dev.hako.oci.image.Digest;
import dev.hako.oci.image.ImageConfig;
import dev.hako.oci.image.Manifest;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Unpacks each layer while it downloads (download → verify → decompress → untar in one pass): the registry client
 * tees the HTTP stream into the content store and into a {@link Pipe} read by {@link LayerStore#unpack}. The pipe
 * ends normally only after the client verified the blob's digest; otherwise it fails, the unpack throws and its
 * temp tree is deleted, so nothing unverified is committed. Best effort: whatever it did not do (a retried or
 * resumed download, a blob already stored) the caller's final {@link ImageService#unpackAll} pass does.
 */
final class StreamingUnpacker implements BlobTap.Factory, AutoCloseable {
    /** Unpacks one layer from {@code source}: (layer, parent chain, diffID, source) → uncompressed size. */
    interface Unpack {
        long unpack(Descriptor layer, Digest parentChain, Digest diffId, LayerStore.BlobSource source) throws Exception;
    }

    private final LayerStore layers;
    private final Unpack unpack;
    // unpacks block in flock(2) on their own layer's lock: platform threads, so no carrier is pinned
    private final ExecutorService pool = Executors.newThreadPerTaskExecutor(
            Thread.ofPlatform().daemon().name("hako-unpack-", 0).factory());
    private final List<Future<?>> jobs = new ArrayList<>();   // guarded by this

    StreamingUnpacker(LayerStore layers, Unpack unpack) {
        this.layers = layers;
        this.unpack = unpack;
    }

    @Override
    public BlobTap open(Manifest manifest, ImageConfig config, int index, Descriptor layer) {
        List<Digest> diffIds = config.diffIds();
        if (index < 0 || index >= diffIds.size()) return null;
        List<Digest> chains = LayerStore.chainIds(diffIds);
        if (layers.trusted(chains.get(index))) return null;
        Pipe pipe = new Pipe();
        Digest parent = index == 0 ? null : chains.get(index - 1);
        synchronized (this) {
            jobs.add(pool.submit(() -> {
                try {
                    unpack.unpack(layer, parent, diffIds.get(index), pipe::attach);
                } finally {
                    pipe.detach();
                }
                return null;
            }));
        }
        return pipe;
    }

    /** Waits for the started unpacks; their failures are left to the final pass to redo and report. */
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
    public void close() { pool.shutdownNow(); }

    /**
     * A bounded queue of chunks from the downloading thread to the unpacking one. Until the reader attaches (it may
     * wait for another process unpacking the same layer) the writer never blocks: when the queue is full the pipe
     * gives up, and the layer is unpacked from the store afterwards. A reader that stops early makes writes no-ops.
     */
    static final class Pipe extends dev.hako.image.layer.ChunkInputStream implements BlobTap {
        private static final int CHUNK = 128 << 10;
        private static final int CAPACITY = 32;            // chunks of up to 128 KiB: 4 MiB in flight at most
        /** Spare chunks shared by every pipe: a warm pull allocates none. */
        private static final dev.hako.image.layer.ChunkPool POOL = new dev.hako.image.layer.ChunkPool(CHUNK, 128);
        private static final Object END = new Object();
        private record Chunk(byte[] data, int length) {}
        /** How long a full pipe waits for its reader to start (it may queue behind another unpacker of the layer). */
        private static final long ATTACH_GRACE_MILLIS = 2000;
        private long unattachedWaits;                       // writer thread only
        private final BlockingQueue<Object> queue = new ArrayBlockingQueue<>(CAPACITY);
        private byte[] lent;                                // writer thread only: the array buffer() gave out
        private volatile boolean attached, detached, failed;
        private boolean eof;
        private IOException error;

        InputStream attach() throws IOException {
            if (failed) throw new IOException("streamed layer download was abandoned; unpacking from the store instead");
            attached = true;
            return this;
        }

        void detach() {
            detached = true;
            queue.clear();
        }

        // ---- writer side (the download) ----

        @Override
        public byte[] buffer() {
            if (detached || failed) return null;
            if (lent == null) lent = POOL.take();
            return lent;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            if (b == lent && off == 0 && len > 0 && !detached && !failed) {   // our own array: handed over as it is
                lent = null;
                offer(new Chunk(b, len));
                return;
            }
            while (len > 0 && !detached && !failed) {
                int n = Math.min(len, CHUNK);
                byte[] copy = POOL.take();
                System.arraycopy(b, off, copy, 0, n);
                offer(new Chunk(copy, n));
                off += n;
                len -= n;
            }
        }

        @Override
        public void finish() {
            if (!failed) offer(END);
        }

        @Override
        public void abandon(Exception cause) {
            if (failed) return;
            failed = true;
            queue.clear();
            queue.offer(new IOException("layer download failed or was not verified: " + cause, cause));
        }

        private void offer(Object o) {
            try {
                while (!detached && !failed) {
                    if (queue.offer(o, 100, TimeUnit.MILLISECONDS)) return;
                    if (!attached && (unattachedWaits += 100) >= ATTACH_GRACE_MILLIS) {
                        abandon(new IOException("layer unpack did not start in time"));
                        return;
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                abandon(e);
            }
        }

        /** True when the reader has taken every chunk written so far (for tests). */
        boolean drained() { return queue.isEmpty(); }

        // ---- reader side (the unpack) ----

        @Override
        protected boolean fill() throws IOException {
            // sticky: a reader that swallowed the error (GZIPInputStream does, probing for another member) must
            // not see a clean end on its next read
            if (error != null) throw new IOException(error.getMessage(), error);
            if (eof) return false;
            Object o;
            try {
                o = queue.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while streaming a layer");
            }
            if (o == END) { eof = true; return false; }
            if (o instanceof IOException e) { error = e; throw new IOException(e.getMessage(), e); }
            POOL.give(current);
            Chunk c = (Chunk) o;
            current = c.data();
            limit = c.length();
            pos = 0;
            return true;
        }

        @Override
        public void close() { detach(); }
    }
}
