package dev.hako.image.layer;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Reads its source on a separate thread into a few chunks ahead of the consumer, so decompression and hashing
 * (in the source) overlap with writing files (in the consumer). Errors of the source surface in the consumer's
 * next read; closing stops the reader.
 */
final class ReadAhead extends ChunkInputStream {
    private static final int CHUNK = 1 << 20;
    private static final Object EOF = new Object();

    private record Chunk(byte[] data, int length) {}

    private final BlockingQueue<Object> queue = new ArrayBlockingQueue<>(4);
    private final java.util.Queue<byte[]> free = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private final Thread reader;
    private boolean done;

    ReadAhead(InputStream source) {
        reader = Thread.ofPlatform().daemon().name("hako-layer-read-ahead").start(() -> {
            try {
                while (true) {
                    byte[] spare = free.poll();   // recycled by the consumer: no 1 MiB allocation per chunk
                    byte[] buf = spare != null ? spare : new byte[CHUNK];
                    int n = 0;
                    while (n < CHUNK) {
                        int r = source.read(buf, n, CHUNK - n);
                        if (r < 0) break;
                        n += r;
                    }
                    if (n > 0) queue.put(new Chunk(buf, n));
                    if (n < CHUNK) { queue.put(EOF); return; }
                }
            } catch (InterruptedException e) {
                // closed by the consumer
            } catch (Throwable t) {
                try { queue.put(t); } catch (InterruptedException ignored) { }
            }
        });
    }

    @Override
    protected boolean fill() throws IOException {
        if (done) return false;
        Object o;
        try {
            o = queue.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while reading a layer");
        }
        if (o == EOF) { done = true; return false; }
        if (o instanceof RuntimeException r) { done = true; throw r; }
        if (o instanceof IOException e) { done = true; throw new IOException(e.getMessage(), e); }
        if (o instanceof Error e) { done = true; throw e; }
        if (o instanceof Throwable t) { done = true; throw new IOException(t); }
        if (current.length == CHUNK && free.size() < 8) free.offer(current);
        Chunk c = (Chunk) o;
        current = c.data();
        limit = c.length();
        pos = 0;
        return true;
    }

    /** Stops the reader; it may still be inside a blocking read of the source until the owner closes that. */
    @Override
    public void close() {
        done = true;
        reader.interrupt();
    }
}
