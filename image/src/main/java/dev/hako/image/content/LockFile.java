package dev.hako.image.content;

import dev.hako.kernel.Native;
import dev.hako.kernel.SyscallException;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * An flock(2) lock on a file. flock locks belong to the open file description, so two holders in the
 * same JVM exclude each other like two processes do (FileChannel.lock can't: it is per process), and a
 * holder killed with -9 releases it. Waiting polls with LOCK_NB so virtual threads don't pin a carrier.
 */
final class LockFile implements AutoCloseable {
    private static final int O_RDWR = 2, O_CREAT = 0100, O_CLOEXEC = 02000000;
    private static final int LOCK_SH = 1, LOCK_EX = 2, LOCK_NB = 4;
    private static final int EWOULDBLOCK = 11, EINTR = 4;
    private static final MethodHandle OPEN = Native.function("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    private static final MethodHandle FLOCK = Native.function("flock", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle CLOSE = Native.plainFunction("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));

    private final Path path;
    private int fd;

    private LockFile(Path path, int fd) { this.path = path; this.fd = fd; }

    /** Blocks until the exclusive lock is held. */
    static LockFile exclusive(Path path) { return acquire(path, true, true); }

    /** Blocks until a shared lock is held. */
    static LockFile shared(Path path) { return acquire(path, false, true); }

    /** The exclusive lock, or null if someone holds the file locked now. */
    static LockFile tryExclusive(Path path) { return acquire(path, true, false); }

    private static LockFile acquire(Path path, boolean exclusive, boolean wait) {
        long sleepMs = 2;
        while (true) {
            int fd = open(path);
            boolean locked;
            try {
                locked = flock(fd, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB, path);
            } catch (RuntimeException e) {
                close(fd);
                throw e;
            }
            if (locked) {
                // The holder before us may have deleted the file; then our lock guards nothing: retry.
                if (sameFile(fd, path)) return new LockFile(path, fd);
                close(fd);
                continue;
            }
            close(fd);
            if (!wait) return null;
            try {
                Thread.sleep(sleepMs);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ContentException("interrupted waiting for lock " + path, e);
            }
            sleepMs = Math.min(sleepMs * 2, 50);
        }
    }

    private static boolean sameFile(int fd, Path path) {
        try {
            Object held = Files.readAttributes(Path.of("/proc/self/fd/" + fd), BasicFileAttributes.class).fileKey();
            Object now = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
            return Objects.equals(held, now);
        } catch (IOException e) {
            return false;
        }
    }

    /** Removes the lock file while still holding it, then releases; waiters retry on a fresh file. */
    void deleteAndClose() {
        try { Files.deleteIfExists(path); } catch (IOException ignored) { }
        close();
    }

    @Override
    public void close() {
        if (fd >= 0) { close(fd); fd = -1; }
    }

    private static int open(Path path) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment err = Native.errnoSegment(a);
            while (true) {
                int fd = (int) OPEN.invokeExact(err, a.allocateFrom(path.toString()), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
                if (fd >= 0) return fd;
                if (Native.errno(err) != EINTR) throw new SyscallException("open", path.toString(), Native.errno(err));
            }
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    private static boolean flock(int fd, int op, Path path) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment err = Native.errnoSegment(a);
            while (true) {
                int r = (int) FLOCK.invokeExact(err, fd, op);
                if (r == 0) return true;
                int e = Native.errno(err);
                if (e == EINTR) continue;
                if (e == EWOULDBLOCK) return false;
                throw new SyscallException("flock", path.toString(), e);
            }
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    private static void close(int fd) {
        try {
            int r = (int) CLOSE.invokeExact(fd);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }
}
