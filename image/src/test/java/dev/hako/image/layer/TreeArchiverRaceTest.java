package dev.hako.image.layer;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The export side of the symlink-race class (moby CVE-2018-15664): while a tree is archived, a "container"
 * keeps swapping a directory for a symlink to a host directory. The archive must never contain host content.
 */
class TreeArchiverRaceTest {
    Path base, tree, host;

    @BeforeEach
    void setUp() throws IOException {
        base = Files.createTempDirectory("hako-test-layer-race-");
        tree = Files.createDirectory(base.resolve("tree"));
        host = Files.createDirectory(base.resolve("host"));
        Files.writeString(host.resolve("secret"), "HOST-SECRET-CANARY");
        Files.createDirectory(tree.resolve("w"));
        Files.writeString(tree.resolve("w/secret"), "container file");
    }

    @AfterEach
    void tearDown() { TestTars.deleteTree(base); }

    @Test
    void archivingARacingTreeNeverReadsOutside() throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong swaps = new AtomicLong();
        Files.createSymbolicLink(tree.resolve("w-alt"), host);
        Thread swapper = Thread.ofPlatform().start(() -> {
            // atomically exchange w (a real directory) and w-alt (a symlink to the host directory), over and over
            try (dev.hako.kernel.fs.RootedDir d = dev.hako.kernel.fs.RootedDir.open(tree)) {
                while (!stop.get()) {
                    d.rename("w", "w-alt", dev.hako.kernel.fs.Fs.RENAME_EXCHANGE);
                    swaps.incrementAndGet();
                }
            }
        });
        try {
            for (int i = 0; i < 200; i++) {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                try {
                    TreeArchiver.write(tree, out, TreeArchiver.Mode.PLAIN);
                } catch (RuntimeException e) {
                    continue; // a vanished entry may fail the walk; what matters is what was read
                }
                String tar = out.toString(StandardCharsets.ISO_8859_1);
                assertThat(tar).doesNotContain("HOST-SECRET-CANARY");
                // and the archive extracts to something that stays inside
                Path x = Files.createDirectory(base.resolve("x" + i));
                LayerExtractor.extract(new ByteArrayInputStream(out.toByteArray()), x, ExtractOptions.flatten());
                TestTars.deleteTree(x);
            }
        } finally {
            stop.set(true);
            swapper.join();
        }
        assertThat(swaps.get()).as("the race really ran").isGreaterThan(10);
        assertThat(host.resolve("secret")).hasContent("HOST-SECRET-CANARY");
        try (var s = Files.list(host)) {
            assertThat(s.count()).isEqualTo(1);
        }
    }
}
