package dev.hako.image.layer;

import java.lang.ref.SoftReference;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Spare byte arrays of one size, kept across layers and pulls: a warm pull (the CLI service's JVM) then hands its
 * data between threads in arrays it already has, instead of allocating (and zeroing, and later copying in GC)
 * tens of MB each time. Holds at most {@code max} arrays, softly: the GC may still take them back when memory
 * runs short (a long-lived service keeps them only while the heap has room).
 */
public final class ChunkPool {
    private final int size;
    private final int max;
    private final ConcurrentLinkedQueue<SoftReference<byte[]>> spare = new ConcurrentLinkedQueue<>();
    private final AtomicInteger count = new AtomicInteger();

    public ChunkPool(int size, int max) {
        this.size = size;
        this.max = max;
    }

    public int size() { return size; }

    /** A spare array, or a new one: its content is garbage. */
    public byte[] take() {
        for (SoftReference<byte[]> r; (r = spare.poll()) != null; ) {
            count.decrementAndGet();
            byte[] b = r.get();
            if (b != null) return b;
        }
        return new byte[size];
    }

    /** Gives an array back; the caller must not use it again. Arrays of another size are ignored. */
    public void give(byte[] b) {
        if (b == null || b.length != size) return;
        if (count.incrementAndGet() > max) { count.decrementAndGet(); return; }
        spare.offer(new SoftReference<>(b));
    }
}
