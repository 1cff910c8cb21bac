package dev.hako.engine.network;

import dev.hako.engine.EngineException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;

import static org.junit.jupiter.api.Assertions.*;

/** The per-container network lock: an flock, so commands of one JVM and other processes take turns on it. */
class NetworkLockTest {
    @TempDir Path root;

    private Path containerDir() throws Exception {
        return Files.createDirectories(root.resolve("a".repeat(64)));
    }

    @Test
    void anotherThreadWaitsAndTheSameThreadIsRefused() throws Exception {
        Path dir = containerDir();
        NetworkManager.Lock held = NetworkManager.Lock.acquire(dir, true);
        try {
            var e = assertThrows(EngineException.class, () -> NetworkManager.Lock.acquire(dir, true));
            assertTrue(e.getMessage().contains("being changed by this thread already"), e.getMessage());
            assertNull(NetworkManager.Lock.acquire(dir, false), "a try from the holding thread");

            var tried = new Object[1];
            Thread.ofVirtual().start(() -> tried[0] = NetworkManager.Lock.acquire(dir, false)).join();
            assertNull(tried[0], "another thread (another command of this JVM) finds it held");

            var order = new StringBuffer();
            CountDownLatch waiting = new CountDownLatch(1);
            Thread waiter = Thread.ofVirtual().start(() -> {
                waiting.countDown();
                try (var l = NetworkManager.Lock.acquire(dir, true)) {
                    order.append("waiter;");
                }
            });
            waiting.await();
            order.append("holder releases;");
            held.close();
            held = null;
            waiter.join();
            assertEquals("holder releases;waiter;", order.toString());
        } finally {
            if (held != null) held.close();
        }
        try (var again = NetworkManager.Lock.acquire(dir, false)) {
            assertNotNull(again, "free again, and the thread may take it again");
        }
    }

    /** flock(1) holding network.lock from another process keeps a sweep out; its kill -9 lets it in. */
    @Test
    void aProcessHoldingItExcludesAndItsDeathReleases() throws Exception {
        Path dir = containerDir();
        Process holder = new ProcessBuilder("flock", "-x", "-o", dir.resolve("network.lock").toString(), "sh", "-c", "echo locked; exec sleep 600")
                .redirectErrorStream(true).start();
        List<ProcessHandle> child = List.of();
        try {
            assertEquals("locked", new BufferedReader(new InputStreamReader(holder.getInputStream())).readLine());
            child = holder.descendants().toList();
            assertNull(NetworkManager.Lock.acquire(dir, false));
            var got = new NetworkManager.Lock[1];
            Thread waiter = Thread.ofVirtual().start(() -> got[0] = NetworkManager.Lock.acquire(dir, true));
            holder.destroyForcibly();
            waiter.join();
            assertNotNull(got[0]);
            got[0].close();
        } finally {
            holder.destroyForcibly();
            child.forEach(ProcessHandle::destroyForcibly);
        }
    }

    @Test
    void aContainerWithoutItsDirectoryHasNothingToLock() {
        try (var l = NetworkManager.Lock.acquire(root.resolve("b".repeat(64)), true)) {
            assertNotNull(l);
        }
        assertFalse(Files.exists(root.resolve("b".repeat(64))));
    }
}
