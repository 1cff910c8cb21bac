package dev.hako.image.registry;

import dev.hako.oci.image.Descriptor;

import java.util.concurrent.Callable;
import java.util.concurrent.Semaphore;

/**
 * At most n blob transfers of one image at once, started in the image's order as docker's transfer manager does:
 * the first n take a slot as they are queued, the others are announced as waiting ({@link ProgressListener#blobQueued})
 * and take a slot in turn. Blobs that need no transfer (already in the local store) take none.
 */
final class TransferQueue {
    /** One blob's transfer. */
    @FunctionalInterface
    interface Transfer {
        void run() throws Exception;
    }

    private final Semaphore slots;
    private final ProgressListener progress;

    TransferQueue(int parallel, ProgressListener progress) {
        this.slots = new Semaphore(parallel, true);   // fair: queued blobs start in the order they were queued
        this.progress = progress;
    }

    /**
     * Queues {@code blob}; call on the submitting thread, in the image's order. Returns the task to run on any
     * thread: it waits for its slot when it had to queue, then transfers.
     */
    Callable<Void> queue(Descriptor blob, boolean needsSlot, Transfer transfer) {
        boolean holding = needsSlot && slots.tryAcquire();
        if (needsSlot) progress.blobQueued(blob, !holding);
        return () -> {
            if (needsSlot && !holding) slots.acquire();
            try {
                transfer.run();
            } finally {
                if (needsSlot) slots.release();
            }
            return null;
        };
    }
}
