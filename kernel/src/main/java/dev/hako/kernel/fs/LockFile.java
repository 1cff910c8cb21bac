package dev.hako.kernel.fs;

import dev.hako.kernel.SyscallException;

import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * An flock(2) lock held on a file. flock locks belong to the open file description, so two holders in one JVM
 * exclude each other exactly like two processes do (FileChannel.lock can't: fcntl locks are per process, and a
 * second channel in the same JVM throws OverlappingFileLockException), and a holder killed with -9 releases it.
 * <p>
 * Waiting polls with LOCK_NB and a short backoff, so a waiting virtual thread doesn't pin a carrier and an
 * interrupt ends the wait. The file is opened O_CLOEXEC: a process we spawn (a container's monitor) never
 * inherits a lock. Not reentrant: the same thread taking the same file twice waits for itself (see
 * {@link ReentrantFileLock} for that).
 */
public final class LockFile implements AutoCloseable {
    private static final long MAX_BACKOFF_MS = 50;

    private final Path path;
    private int fd;

    private LockFile(Path path, int fd) {
        this.path = path;
        this.fd = fd;
    }

    /** Blocks until the exclusive lock is held; the file is created if missing (its directory must exist). */
    public static LockFile exclusive(Path path) { return acquire(path, true, true); }

    /** Blocks until a shared lock is held. */
    public static LockFile shared(Path path) { return acquire(path, false, true); }

    /** The exclusive lock, or null if someone (another process or another holder in this JVM) holds it now. */
    public static LockFile tryExclusive(Path path) { return acquire(path, true, false); }

    /** The shared lock, or null if someone holds it exclusively now. */
    public static LockFile tryShared(Path path) { return acquire(path, false, false); }

    public Path path() { return path; }

    private static LockFile acquire(Path path, boolean exclusive, boolean wait) {
        String what = path.toString();
        long sleepMs = 1;
        while (true) {
            int fd = Fs.openat(Fs.AT_FDCWD, what, Fs.O_RDWR | Fs.O_CREAT | Fs.O_CLOEXEC | Fs.O_NOFOLLOW, 0600, what);
            boolean locked;
            try {
                locked = Fs.flock(fd, (exclusive ? Fs.LOCK_EX : Fs.LOCK_SH) | Fs.LOCK_NB, what);
                // The holder before us may have deleted the file (deleteAndClose); then our lock guards nothing: retry.
                if (locked && sameFile(fd, what)) return new LockFile(path, fd);
            } catch (RuntimeException e) {
                Fs.close(fd);
                throw e;
            }
            Fs.close(fd);
            if (locked) continue;
            if (!wait) return null;
            try {
                Thread.sleep(sleepMs);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new UncheckedIOException(new InterruptedIOException("interrupted waiting for the lock " + path));
            }
            sleepMs = Math.min(sleepMs * 2, MAX_BACKOFF_MS);
        }
    }

    private static boolean sameFile(int fd, String path) {
        Stat held = Fs.fstat(fd, path);
        Stat now;
        try {
            now = Fs.lstatOrNull(Fs.AT_FDCWD, path, path);
        } catch (SyscallException e) {
            return false;
        }
        return now != null && now.ino() == held.ino() && now.devMajor() == held.devMajor() && now.devMinor() == held.devMinor();
    }

    /** Removes the lock file while still holding it, then releases; waiters retry on a fresh file. */
    public void deleteAndClose() {
        if (fd < 0) return;
        try {
            Fs.unlinkat(Fs.AT_FDCWD, path.toString(), 0, path.toString());
        } catch (SyscallException ignored) {
            // gone already, or not ours to remove: releasing is what matters
        }
        close();
    }

    /** Releases the lock (closing our open file description is what releases an flock). Idempotent. */
    @Override
    public void close() {
        if (fd >= 0) {
            int f = fd;
            fd = -1;
            Fs.close(f);
        }
    }
}
