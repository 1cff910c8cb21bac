package dev.hako.kernel.fs;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.Executors;

import static org.junit.jupiter.api.Assertions.*;

/** flock locks held from threads of this JVM and from other processes (util-linux flock(1)), for real. */
class LockFileTest {
    @TempDir Path dir;

    /** Many holders in one JVM, each on its own open file: never two inside at once (FileChannel.lock throws here). */
    @Test
    void holdersInOneJvmExcludeEachOther() throws Exception {
        Path f = dir.resolve("a.lock");
        AtomicInteger inside = new AtomicInteger(), most = new AtomicInteger(), rounds = new AtomicInteger();
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> all = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                all.add(pool.submit(() -> {
                    for (int i = 0; i < 20; i++) {
                        try (LockFile l = LockFile.exclusive(f)) {
                            most.accumulateAndGet(inside.incrementAndGet(), Math::max);
                            Thread.yield();
                            rounds.incrementAndGet();
                            inside.decrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> x : all) x.get(60, TimeUnit.SECONDS);
        }
        assertEquals(160, rounds.get());
        assertEquals(1, most.get(), "two holders were inside at once");
    }

    @Test
    void tryExclusiveSeesAHolderOfThisJvmAndSharedLocksCoexist() {
        Path f = dir.resolve("b.lock");
        try (LockFile held = LockFile.exclusive(f)) {
            assertNull(LockFile.tryExclusive(f), "a second holder in the same thread and JVM");
            assertNull(LockFile.tryShared(f));
        }
        try (LockFile s1 = LockFile.shared(f); LockFile s2 = LockFile.tryShared(f)) {
            assertNotNull(s2, "shared locks coexist");
            assertNull(LockFile.tryExclusive(f), "shared holders keep an exclusive one out");
        }
        try (LockFile again = LockFile.tryExclusive(f)) {
            assertNotNull(again, "released on close");
        }
    }

    @Test
    void aWaiterIsInterruptible() throws Exception {
        Path f = dir.resolve("c.lock");
        try (LockFile held = LockFile.exclusive(f)) {
            CountDownLatch started = new CountDownLatch(1);
            var failure = new Throwable[1];
            Thread waiter = Thread.ofVirtual().start(() -> {
                started.countDown();
                try (LockFile l = LockFile.exclusive(f)) {
                    failure[0] = new AssertionError("got a lock that is held");
                } catch (Throwable e) {
                    failure[0] = e;
                }
            });
            started.await();
            waiter.interrupt();
            waiter.join();
            assertInstanceOf(UncheckedIOException.class, failure[0], String.valueOf(failure[0]));
            assertInstanceOf(InterruptedIOException.class, failure[0].getCause());
            assertTrue(failure[0].getMessage().contains(f.toString()), failure[0].getMessage());
        }
    }

    /** deleteAndClose: a waiter that opened the old file retries on a new one rather than locking a deleted file. */
    @Test
    void aWaiterOnADeletedFileRetries() throws Exception {
        Path f = dir.resolve("d.lock");
        LockFile first = LockFile.exclusive(f);
        var got = new LockFile[1];
        Thread waiter = Thread.ofVirtual().start(() -> got[0] = LockFile.exclusive(f));
        first.deleteAndClose();
        waiter.join();
        try (LockFile l = got[0]) {
            assertTrue(Files.exists(f), "the waiter holds a file that is there");
            assertNull(LockFile.tryExclusive(f), "and it is the one others lock");
        }
    }

    /** flock(1) in another process excludes us and we it; kill -9 of that holder releases the lock. */
    @Test
    void anotherProcessExcludesAndItsKillReleases() throws Exception {
        Path f = dir.resolve("e.lock");
        // -o: the lock stays with flock itself, not the sleeping child; kill -9 of flock is the holder's death
        Process holder = new ProcessBuilder("flock", "-x", "-o", f.toString(), "sh", "-c", "echo locked; exec sleep 600")
                .redirectErrorStream(true).start();
        List<ProcessHandle> child = List.of();
        try {
            var out = new BufferedReader(new InputStreamReader(holder.getInputStream()));
            assertEquals("locked", out.readLine());
            child = holder.descendants().toList(); // the sh that becomes sleep
            assertNull(LockFile.tryExclusive(f), "the other process holds it");
            var got = new LockFile[1];
            Thread waiter = Thread.ofVirtual().start(() -> got[0] = LockFile.exclusive(f));
            holder.destroyForcibly(); // SIGKILL to flock; its sleep child holds no lock
            waiter.join();
            try (LockFile l = got[0]) {
                assertNotNull(l);
                // and now we hold it: flock(1) -n fails with 1
                Process probe = new ProcessBuilder("flock", "-x", "-n", f.toString(), "true").start();
                assertEquals(1, probe.waitFor(), "flock(1) got a lock we hold");
            }
        } finally {
            holder.destroyForcibly();
            child.forEach(ProcessHandle::destroyForcibly);
        }
    }

    @Test
    void reentrantForItsThreadExclusiveAcrossInstances() throws Exception {
        Path f = dir.resolve("r.lock");
        ReentrantFileLock a = new ReentrantFileLock(f), b = new ReentrantFileLock(f);
        try (var outer = a.lock()) {
            try (var inner = a.lock()) {
                assertTrue(a.isHeldByCurrentThread());
            }
            assertNull(LockFile.tryExclusive(f), "still held after the inner hold closed");
            // another instance (another command of this JVM) waits, from another thread as from this one
            var got = new ReentrantFileLock.Held[1];
            CountDownLatch trying = new CountDownLatch(1);
            Thread other = Thread.ofVirtual().start(() -> {
                trying.countDown();
                got[0] = b.lock();
                got[0].close();
            });
            trying.await();
            assertFalse(b.isHeldByCurrentThread());
            outer.close();
            other.join();
            assertNotNull(got[0]);
        }
        try (LockFile l = LockFile.tryExclusive(f)) {
            assertNotNull(l, "released after the outer hold closed");
        }
    }

    /** The same holders as the first test through two ReentrantFileLock instances shared by 4 threads each. */
    @Test
    void reentrantLocksOfTwoInstancesNeverOverlap() throws Exception {
        Path f = dir.resolve("s.lock");
        ReentrantFileLock[] locks = {new ReentrantFileLock(f), new ReentrantFileLock(f)};
        AtomicInteger inside = new AtomicInteger(), most = new AtomicInteger();
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> all = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                ReentrantFileLock lock = locks[t % 2];
                all.add(pool.submit(() -> {
                    for (int i = 0; i < 20; i++) {
                        try (var h = lock.lock(); var again = lock.lock()) {
                            most.accumulateAndGet(inside.incrementAndGet(), Math::max);
                            Thread.yield();
                            inside.decrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> x : all) x.get(60, TimeUnit.SECONDS);
        }
        assertEquals(1, most.get(), "two holders were inside at once");
    }
}
