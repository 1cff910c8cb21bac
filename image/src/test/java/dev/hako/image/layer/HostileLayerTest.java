package dev.hako.image.layer;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * Crafted layers that try to write, link, chmod or delete outside the extraction target (SECURITY.md, images).
 * Each runs in both whiteout modes against a fresh target, next to a canary directory whose every byte, mode,
 * owner and mtime must stay the same, and nothing new may appear beside the target.
 */
class HostileLayerTest {
    Path base, outside, canary;
    Map<String, String> outsideBefore;
    List<String> baseBefore;

    @BeforeEach
    void setUp() throws IOException {
        base = Files.createTempDirectory("hako-test-layer-hostile-");
        outside = Files.createDirectory(base.resolve("outside"));
        canary = outside.resolve("canary");
        Files.writeString(canary, "canary");
        Files.setPosixFilePermissions(canary, PosixFilePermissions.fromString("rw-r--r--"));
        Files.createDirectory(outside.resolve("sub"));
        Files.writeString(outside.resolve("sub/inner"), "inner");
        for (Path p : List.of(canary, outside.resolve("sub/inner"), outside.resolve("sub"), outside))
            Files.setLastModifiedTime(p, FileTime.fromMillis(1_000_000_000_000L));
        outsideBefore = TestTars.snapshot(outside, true);
        baseBefore = list(base);
    }

    @AfterEach
    void tearDown() { TestTars.deleteTree(base); }

    private static List<String> list(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /** Extracts the layer in both modes; returns the failures (null where it succeeded). */
    private Throwable[] attack(Consumer<TestTars.Builder> layer) throws IOException {
        return attack(null, layer);
    }

    private Throwable[] attack(Consumer<TestTars.Builder> lower, Consumer<TestTars.Builder> layer) throws IOException {
        Throwable[] results = new Throwable[2];
        int i = 0;
        for (ExtractOptions o : new ExtractOptions[] {
                ExtractOptions.overlay().withDevices(ExtractOptions.DevicePolicy.CREATE), ExtractOptions.flatten()}) {
            Path target = Files.createDirectory(base.resolve("target"));
            try {
                if (lower != null)
                    LayerExtractor.extract(new ByteArrayInputStream(TestTars.tar(lower)), target, o);
                byte[] tar = TestTars.tar(layer);
                results[i++] = catchThrowable(() -> LayerExtractor.extract(new ByteArrayInputStream(tar), target, o));
                assertThat(TestTars.snapshot(outside, true)).as(o.whiteouts() + ": outside untouched").isEqualTo(outsideBefore);
                assertThat(list(base)).as("nothing new beside the target").isEqualTo(
                        Stream.concat(baseBefore.stream(), Stream.of("target")).sorted().toList());
            } finally {
                TestTars.deleteTree(target);
            }
        }
        return results;
    }

    @Test
    void absoluteSymlinkThenWriteThroughIt() throws IOException {
        Throwable[] r = attack(b -> b.symlink("evil", outside.toString()).file("evil/canary", "pwned")
                .file("evil/new", "pwned").dir("evil/sub", 0777).file("evil/sub/inner", "pwned"));
        assertThat(r).containsOnlyNulls(); // contained, not refused: the writes land inside the target
    }

    @Test
    void relativeSymlinkUpAndOut() throws IOException {
        Throwable[] r = attack(b -> b.symlink("up", "../outside").file("up/canary", "pwned")
                .symlink("deep/up2", "../../../../../../../../" + outside).file("deep/up2/canary", "pwned"));
        assertThat(r).containsOnlyNulls();
    }

    @Test
    void dotDotEntriesAreRefused() throws IOException {
        for (String name : new String[] {"../outside/canary", "a/../../outside/canary", "./../outside/new"}) {
            Throwable[] r = attack(b -> b.file(name, "pwned"));
            for (Throwable t : r) assertThat(t).isInstanceOf(LayerException.class).hasMessageContaining("'..'");
        }
    }

    @Test
    void absoluteEntryNamesStayInside() throws IOException {
        Throwable[] r = attack(b -> b.file(canary.toString(), "pwned").file(outside + "/new", "pwned"));
        assertThat(r).containsOnlyNulls();
    }

    @Test
    void hardlinksAbsoluteRelativeAndUpAndOut() throws IOException {
        Throwable[] abs = attack(b -> b.hardlink("h", canary.toString()));
        for (Throwable t : abs) assertThat(t).isInstanceOf(LayerException.class).hasMessageContaining("not found");
        Throwable[] up = attack(b -> b.hardlink("h", "../outside/canary"));
        for (Throwable t : up) assertThat(t).isInstanceOf(LayerException.class).hasMessageContaining("'..'");
        Throwable[] viaSymlink = attack(b -> b.symlink("s", outside.toString()).hardlink("h", "s/canary"));
        for (Throwable t : viaSymlink) assertThat(t).isInstanceOf(LayerException.class).hasMessageContaining("not found");
        Throwable[] viaRelSymlink = attack(b -> b.symlink("s", "../outside").hardlink("h", "s/canary"));
        for (Throwable t : viaRelSymlink) assertThat(t).isInstanceOf(LayerException.class);
        assertThat(Files.getAttribute(canary, "unix:nlink")).isEqualTo(1);
    }

    @Test
    void hardlinkToSymlinkThenChmodAndChown() throws IOException {
        Throwable[] r = attack(b -> {
            b.symlink("s", canary.toString());
            TarArchiveEntry h = b.entry("h", TarConstants.LF_LINK);
            h.setLinkName("s");
            h.setMode(04777);
            h.setUserId(4242);
            b.put(h, null);
            TarArchiveEntry again = b.entry("s", TarConstants.LF_LINK); // link onto itself through the symlink
            again.setLinkName("h");
            again.setMode(04777);
            b.put(again, null);
            b.dir("h", 0777);
        });
        assertThat(r).containsOnlyNulls();
        assertThat(Files.getAttribute(canary, "unix:nlink")).isEqualTo(1);
    }

    @Test
    void directoryReplacingASymlink() throws IOException {
        Throwable[] r = attack(b -> {
            b.symlink("d", outside.toString());
            TarArchiveEntry d = b.entry("d/", TarConstants.LF_DIR);
            d.setMode(0777);
            d.setUserId(4242);
            b.put(d, null);
            b.file("d/canary", "pwned").file("d/new", "pwned");
        });
        assertThat(r).containsOnlyNulls();
    }

    @Test
    void directoryReplacingASymlinkFromALowerLayer() throws IOException {
        Throwable[] r = attack(l -> l.symlink("d", outside.toString()), b -> {
            TarArchiveEntry d = b.entry("d/", TarConstants.LF_DIR);
            d.setMode(0777);
            b.put(d, null);
            b.file("d/canary", "pwned");
        });
        assertThat(r).containsOnlyNulls();
    }

    @Test
    void symlinkChains() throws IOException {
        Throwable[] r = attack(b -> b.symlink("a", "b").symlink("b", "c/../d").dir("c", 0755).symlink("d", "e")
                .symlink("e", outside.toString()).file("a/canary", "pwned").file("a/sub/inner", "pwned")
                .symlink("loop1", "loop2").symlink("loop2", "loop1"));
        assertThat(r).containsOnlyNulls();
        Throwable[] loop = attack(b -> b.symlink("loop1", "loop2").symlink("loop2", "loop1").file("loop1/x", "x"));
        for (Throwable t : loop) assertThat(t).isInstanceOf(LayerException.class).hasMessageContaining("ELOOP");
    }

    @Test
    void whiteoutsAimedOutside() throws IOException {
        Throwable[] up = attack(b -> b.file("../.wh.canary", ""));
        for (Throwable t : up) assertThat(t).isInstanceOf(LayerException.class);
        Throwable[] upOpaque = attack(b -> b.file("../outside/.wh..wh..opq", ""));
        for (Throwable t : upOpaque) assertThat(t).isInstanceOf(LayerException.class);
        // under a symlinked parent the whiteout stays inside
        Throwable[] viaSymlink = attack(b -> b.symlink("p", outside.toString()).file("p/.wh.canary", "")
                .file("p/.wh.sub", "").symlink("q", "../outside").file("q/.wh..wh..opq", ""));
        assertThat(viaSymlink).containsOnlyNulls();
        Throwable[] viaLowerSymlink = attack(l -> l.symlink("p", outside.toString()).symlink("r", "../outside"),
                b -> b.file("p/.wh.canary", "").file("r/.wh..wh..opq", "").file("r/.wh.sub", ""));
        assertThat(viaLowerSymlink).containsOnlyNulls();
    }

    @Test
    void deviceNodesAreCreatedOnlyInside() throws IOException {
        Throwable[] r = attack(b -> b.symlink("dev", outside.toString())
                .device("dev/sda", TarConstants.LF_BLK, 8, 0, 0666).device("dev/canary", TarConstants.LF_CHR, 1, 1, 0666)
                .device("mem", TarConstants.LF_CHR, 1, 1, 0666));
        assertThat(r).containsOnlyNulls();
    }

    @Test
    void fileOverAnExistingSymlinkReplacesTheSymlink() throws IOException {
        Throwable[] same = attack(b -> b.symlink("f", canary.toString()).file("f", "pwned")
                .symlink("g", "../outside/canary").file("g", "pwned"));
        assertThat(same).containsOnlyNulls();
        Throwable[] lower = attack(l -> l.symlink("f", canary.toString()).symlink("g", "../outside/canary"),
                b -> b.file("f", "pwned").file("g", "pwned").device("f", TarConstants.LF_FIFO, 0, 0, 0777));
        assertThat(lower).containsOnlyNulls();
    }

    @Test
    void symlinksOfLowerLayersAreFollowedOnlyInside() throws IOException {
        Path lower = Files.createDirectory(base.resolve("lower"));
        Path upper = Files.createDirectory(base.resolve("upper"));
        try {
            byte[] l = TestTars.tar(b -> b.symlink("abs", outside.toString()).symlink("rel", "../../outside")
                    .symlink("root", "/").symlink("dot", "..").symlink("loop", "loop"));
            LayerExtractor.extract(new ByteArrayInputStream(l), lower, ExtractOptions.overlay());
            byte[] u = TestTars.tar(b -> b.file("abs/canary", "pwned").file("rel/canary", "pwned")
                    .file("root/" + outside.toString().substring(1) + "/canary", "pwned").file("dot/dot/new", "pwned")
                    .hardlink("h", "rel/canary").file("abs/.wh.canary", "").file("rel/sub/.wh..wh..opq", ""));
            ExtractResult r = LayerExtractor.extract(new ByteArrayInputStream(u), upper, ExtractOptions.overlay(), List.of(lower));
            assertThat(r.entries()).isEqualTo(7);
            try (dev.hako.kernel.fs.RootedDir d = dev.hako.kernel.fs.RootedDir.open(upper)) {
                assertThat(d.lstat(outside.toString().substring(1) + "/canary").isWhiteout()).as("whiteout, inside").isTrue();
            }
            assertThat(upper.resolve("outside/canary")).hasContent("pwned");
            assertThat(upper.resolve("new")).hasContent("pwned");
            byte[] loop = TestTars.tar(b -> b.file("loop/x", "x"));
            assertThat(catchThrowable(() -> LayerExtractor.extract(new ByteArrayInputStream(loop), upper,
                    ExtractOptions.overlay(), List.of(lower)))).isInstanceOf(LayerException.class)
                    .hasMessageContaining("symbolic links");
        } finally {
            TestTars.deleteTree(lower);
            TestTars.deleteTree(upper);
        }
        assertThat(TestTars.snapshot(outside, true)).isEqualTo(outsideBefore);
        assertThat(list(base)).isEqualTo(baseBefore);
    }

    @Test
    void metadataOfTheRootEntryStaysOnTheTarget() throws IOException {
        Throwable[] r = attack(b -> {
            TarArchiveEntry e = b.entry("./", TarConstants.LF_DIR);
            e.setMode(0700);
            b.put(e, null);
            TarArchiveEntry up = b.entry("../", TarConstants.LF_DIR);
            up.setMode(0777);
            b.put(up, null);
        });
        for (Throwable t : r) assertThat(t).isInstanceOf(LayerException.class).hasMessageContaining("'..'");
    }
}
