package dev.hako.kernel.fs;

import java.nio.file.Path;

/**
 * A store's lock on one file ({@link LockFile}, exclusive), reentrant for the thread that holds it through this
 * instance. Every other holder waits on the flock itself: another thread of this instance, another instance in
 * this JVM (each command of a warm JVM builds its own stores) or another process. A holder count per instance,
 * not a JVM-wide table: two instances exclude each other through the kernel, as two processes do.
 */
public final class ReentrantFileLock {
    private final Path file;
    // guarded by this (short sections only: the wait for the flock happens outside)
    private Thread owner;
    private int holds;
    private LockFile held;

    /** @param file the lock file; its directory must exist when {@link #lock} is called */
    public ReentrantFileLock(Path file) { this.file = file; }

    public Path file() { return file; }

    /** Blocks (interruptibly, without pinning a carrier) until this thread holds the lock; close to release. */
    public Held lock() {
        Thread me = Thread.currentThread();
        synchronized (this) {
            if (owner == me) {
                holds++;
                return new Held(this);
            }
        }
        LockFile l = LockFile.exclusive(file);
        synchronized (this) {
            held = l;
            holds = 1;
            owner = me;
        }
        return new Held(this);
    }

    public synchronized boolean isHeldByCurrentThread() { return owner == Thread.currentThread(); }

    private void release() {
        LockFile l;
        synchronized (this) {
            if (owner != Thread.currentThread()) throw new IllegalMonitorStateException("lock " + file + " is not held by this thread");
            if (--holds > 0) return;
            l = held;
            held = null;
            owner = null;
        }
        l.close();
    }

    /** One hold; closing it twice releases once. */
    public static final class Held implements AutoCloseable {
        private final ReentrantFileLock lock;
        private boolean closed;

        private Held(ReentrantFileLock lock) { this.lock = lock; }

        @Override
        public void close() {
            if (closed) return;
            closed = true;
            lock.release();
        }
    }
}
