package dev.hako.image.layer;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Spare byte arrays of one size, kept across layers and pulls: a warm pull (the CLI service's JVM) then hands its
 * data between threads in arrays it already has, instead of allocating (and zeroing, and later copying in GC)
 * tens of MB each time. Holds at most {@code max} arrays; what does not fit is left to the GC.
 */
public final class ChunkPool {
    private final int size;
    private final int max;
    private final ConcurrentLinkedQueue<byte[]> spare = new ConcurrentLinkedQueue<>();
    private final AtomicInteger count = new AtomicInteger();

    public ChunkPool(int size, int max) {
        this.size = size;
        this.max = max;
    }

    public int size() { return size; }

    /** A spare array, or a new one: its content is garbage. */
    public byte[] take() {
        byte[] b = spare.poll();
        if (b == null) return new byte[size];
        count.decrementAndGet();
        return b;
    }

    /** Gives an array back; the caller must not use it again. Arrays of another size are ignored. */
    public void give(byte[] b) {
        if (b == null || b.length != size) return;
        if (count.incrementAndGet() > max) { count.decrementAndGet(); return; }
        spare.offer(b);
    }
}
