package dev.hako.image.content;

import dev.hako.oci.image.Descriptor;
import dev.hako.oci.image.Digest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Writers in two processes share one digest: the second waits for the first and then finds the blob. */
class ContentStoreProcessTest {
    @TempDir Path tmp;

    static byte[] content(int size, long seed) {
        byte[] c = new byte[size];
        new Random(seed).nextBytes(c);
        return c;
    }

    @Test
    void writerInAnotherProcessIsWaitedFor() throws Exception {
        Path store = tmp.resolve("store");
        ContentStore s = ContentStore.open(store);
        byte[] c = content(300_000, 7);
        Descriptor d = new Descriptor("x", Digest.sha256(c), c.length);
        Path go = tmp.resolve("go");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                HoldWriterMain.class.getName(), store.toString(), go.toString(), "300000", "7").redirectErrorStream(true).start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream()))) {
            assertThat(out.readLine()).isEqualTo("locked");
            Thread opener = Thread.ofVirtual().start(() -> {
                try { Thread.sleep(200); Files.createFile(go); } catch (Exception e) { throw new RuntimeException(e); }
            });
            try (BlobWriter w = s.writer(d)) { // blocks until the child commits
                assertThat(w.alreadyExists()).as("the second writer must wait for the first, not write beside it").isTrue();
            }
            opener.join();
            assertThat(out.readLine()).isEqualTo("committed");
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(child.exitValue()).isZero();
        } finally {
            child.destroyForcibly();
        }
        assertThat(s.verify()).isEmpty();
        assertThat(s.has(d.digest())).isTrue();
    }
}
