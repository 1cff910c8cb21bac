package dev.hako.engine.lifecycle;

import dev.hako.kernel.fs.LockFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

import static org.junit.jupiter.api.Assertions.*;

/** A stop and a monitor-driven restart exclude each other across Lifecycle instances of one JVM, as across processes. */
class LifecycleLockTest {
    @TempDir Path root;
    @TempDir Path runRoot;

    @Test
    void aStopWaitsForARestartInProgressOfAnotherInstance() throws Exception {
        Path dir = root;
        var order = new StringBuffer();
        CountDownLatch restarting = new CountDownLatch(1), stopCalled = new CountDownLatch(1);
        Thread restart = Thread.ofVirtual().start(() -> new Lifecycle(root, runRoot).restartByPolicy(dir, () -> {
            restarting.countDown();
            try {
                stopCalled.await();
                // the lock file is held by an flock: nobody in this JVM or elsewhere can take it now
                assertNull(LockFile.tryExclusive(dir.resolve(LifecycleFiles.LOCK)));
                Thread.sleep(50); // give a stop that ignored the lock the chance to overtake us
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            order.append("restarted;");
        }, code -> order.append("failed;")));
        restarting.await();
        Thread stop = Thread.ofVirtual().start(() -> {
            stopCalled.countDown();
            new Lifecycle(root, runRoot).markStopped(dir); // another command's own Lifecycle
            order.append("stopped;");
        });
        restart.join();
        stop.join();
        assertEquals("restarted;stopped;", order.toString());
        assertTrue(new LifecycleFiles(dir).stopped());
        // and the restart that comes after the stop sees the mark and does nothing
        new Lifecycle(root, runRoot).restartByPolicy(dir, () -> order.append("restarted again;"), code -> { });
        assertEquals("restarted;stopped;", order.toString());
    }
}
