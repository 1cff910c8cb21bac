package dev.hako.image.layer;

import dev.hako.kernel.fs.RootedDir;
import dev.hako.kernel.fs.Stat;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static dev.hako.image.layer.TestTars.MTIME;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LayerExtractorTest {
    Path base, target;

    @BeforeEach
    void setUp() throws IOException {
        base = Files.createTempDirectory("hako-test-layer-");
        target = Files.createDirectory(base.resolve("target"));
    }

    @AfterEach
    void tearDown() { TestTars.deleteTree(base); }

    static byte[] allTypes() {
        return TestTars.tar(b -> {
            b.dir("bin", 0755);
            TarArchiveEntry suid = b.entry("bin/su", TarConstants.LF_NORMAL);
            suid.setMode(04755);
            suid.setUserId(1);
            suid.setGroupId(2);
            suid.addPaxHeader("SCHILY.xattr.user.origin", "test");
            suid.addPaxHeader("mtime", "1600000000.123456789");
            b.put(suid, "#!/bin/true\n".getBytes(StandardCharsets.UTF_8));
            b.dir("tmp", 01777);
            TarArchiveEntry sg = b.entry("srv/", TarConstants.LF_DIR);
            sg.setMode(02775);
            sg.setUserId(1000);
            sg.setGroupId(1001);
            b.put(sg, null);
            b.symlink("bin/sh", "su");
            b.hardlink("bin/su2", "bin/su");
            b.dir("dev", 0755);
            b.device("dev/null", TarConstants.LF_CHR, 1, 3, 0666);
            b.device("dev/loop9", TarConstants.LF_BLK, 7, 9, 0660);
            b.device("dev/fifo", TarConstants.LF_FIFO, 0, 0, 0620);
            b.file("a/very/" + "long/".repeat(40) + "name.txt", "deep");  // pax path
            b.file("etc/implicit-parents", "x");
        });
    }

    @ParameterizedTest
    @EnumSource(Compression.class)
    void extractsEveryEntryTypeWithItsMetadata(Compression c) throws IOException {
        byte[] tar = allTypes();
        ExtractResult r = LayerExtractor.extract(new ByteArrayInputStream(TestTars.compress(tar, c)), target,
                ExtractOptions.overlay().withDevices(ExtractOptions.DevicePolicy.CREATE));
        assertThat(r.diffId().toString()).isEqualTo(TestTars.sha256(tar));
        assertThat(r.uncompressedSize()).isEqualTo(tar.length);
        assertThat(r.notes()).isEmpty();

        try (RootedDir d = RootedDir.open(target)) {
            Stat su = d.lstat("bin/su");
            assertThat(su.isRegular()).isTrue();
            assertThat(su.perms()).isEqualTo(04755);
            assertThat(su.uid()).isEqualTo(1);
            assertThat(su.gid()).isEqualTo(2);
            assertThat(su.mtimeSec()).isEqualTo(MTIME);
            assertThat(su.nlink()).isEqualTo(2);
            assertThat(d.lstat("bin/su2").ino()).isEqualTo(su.ino());
            assertThat(new String(d.getXattr("bin/su", "user.origin"), StandardCharsets.UTF_8)).isEqualTo("test");
            assertThat(Files.readString(target.resolve("bin/su"))).isEqualTo("#!/bin/true\n");

            assertThat(d.lstat("tmp").perms()).isEqualTo(01777);
            Stat srv = d.lstat("srv");
            assertThat(srv.perms()).isEqualTo(02775);
            assertThat(srv.uid()).isEqualTo(1000);
            assertThat(srv.gid()).isEqualTo(1001);
            assertThat(srv.mtimeSec()).isEqualTo(MTIME);
            assertThat(d.lstat("bin").mtimeSec()).as("dir times are set after the children").isEqualTo(MTIME);

            Stat sh = d.lstat("bin/sh");
            assertThat(sh.isSymlink()).isTrue();
            assertThat(d.readlink("bin/sh")).isEqualTo("su");
            assertThat(sh.mtimeSec()).isEqualTo(MTIME);

            Stat nul = d.lstat("dev/null");
            assertThat(nul.isCharDevice()).isTrue();
            assertThat(nul.rdevMajor()).isEqualTo(1);
            assertThat(nul.rdevMinor()).isEqualTo(3);
            assertThat(nul.perms()).isEqualTo(0666);
            Stat loop = d.lstat("dev/loop9");
            assertThat(loop.isBlockDevice()).isTrue();
            assertThat(loop.rdevMajor()).isEqualTo(7);
            assertThat(loop.rdevMinor()).isEqualTo(9);
            assertThat(d.lstat("dev/fifo").isFifo()).isTrue();
            assertThat(d.lstat("dev/fifo").perms()).isEqualTo(0620);

            assertThat(Files.readString(target.resolve("a/very/" + "long/".repeat(40) + "name.txt"))).isEqualTo("deep");
            assertThat(d.lstat("etc").perms()).isEqualTo(0755);
        }
    }

    @Test
    void binaryXattrsSuchAsFileCapabilitiesSurvive() throws IOException {
        // vfs_cap_data v2: cap_setuid (bit 7) and cap_net_bind_service (bit 10), effective; bytes >= 0x80 included
        byte[] cap = {0x01, 0x00, 0x00, 0x02, (byte) 0x80, 0x04, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarWriter w = new TarWriter(bytes)) {
            w.add(new TarWriter.Header("ping", '0', "", 0755, 0, 0, 3, MTIME, 123456789, 0, 0,
                    Map.of("security.capability", cap, "user.bin", new byte[] {(byte) 0xff, 0, (byte) 0xfe})));
            w.write("abc".getBytes(StandardCharsets.UTF_8), 0, 3);
        }
        LayerExtractor.extract(new ByteArrayInputStream(bytes.toByteArray()), target, ExtractOptions.overlay());
        try (RootedDir d = RootedDir.open(target)) {
            assertThat(d.getXattr("ping", "security.capability")).isEqualTo(cap);
            assertThat(d.getXattr("ping", "user.bin")).isEqualTo(new byte[] {(byte) 0xff, 0, (byte) 0xfe});
            assertThat(d.lstat("ping").mtimeNsec()).isEqualTo(123456789);
            assertThat(d.lstat("ping").mtimeSec()).isEqualTo(MTIME);
        }
    }

    @Test
    void overlayXattrsInATarAreDropped() throws IOException {
        byte[] tar = TestTars.tar(b -> {
            TarArchiveEntry e = b.entry("d/", TarConstants.LF_DIR);
            e.setMode(0755);
            e.addPaxHeader("SCHILY.xattr.trusted.overlay.redirect", "/etc");
            b.put(e, null);
        });
        ExtractResult r = LayerExtractor.extract(new ByteArrayInputStream(tar), target, ExtractOptions.overlay());
        try (RootedDir d = RootedDir.open(target)) {
            assertThat(d.getXattr("d", "trusted.overlay.redirect")).isNull();
        }
        assertThat(r.notes()).anyMatch(n -> n.contains("trusted.overlay.redirect"));
    }

    @Test
    void whiteoutsInOverlayFormAreCharDevicesAndOpaqueXattrs() throws IOException {
        byte[] tar = TestTars.tar(b -> b.dir("etc", 0755).file("etc/.wh.passwd", "").dir("var", 0755)
                .file("var/.wh..wh..opq", "").file("var/new", "n").file(".wh.top", ""));
        LayerExtractor.extract(new ByteArrayInputStream(tar), target, ExtractOptions.overlay());
        try (RootedDir d = RootedDir.open(target)) {
            assertThat(d.lstat("etc/passwd").isWhiteout()).isTrue();
            assertThat(d.lstat("top").isWhiteout()).isTrue();
            assertThat(d.getXattr("var", "trusted.overlay.opaque")).isEqualTo(new byte[] {'y'});
            assertThat(d.lstat("var/.wh..wh..opq")).isNull();
            assertThat(d.list("var")).containsExactly("new");
        }
    }

    @Test
    void whiteoutsAppliedOnAFlattenedTree() throws IOException {
        byte[] lower = TestTars.tar(b -> b.dir("etc", 0755).file("etc/passwd", "root").file("etc/group", "g")
                .dir("var/lib", 0755).file("var/lib/a", "a").file("var/b", "b").dir("keep", 0755).file("keep/k", "k"));
        byte[] upper = TestTars.tar(b -> b.file("etc/.wh.passwd", "").file("var/new", "n").file("var/.wh..wh..opq", "")
                .file(".wh.nothing-there", "").file("ghost/.wh.x", ""));
        LayerExtractor.extract(new ByteArrayInputStream(lower), target, ExtractOptions.flatten());
        LayerExtractor.extract(new ByteArrayInputStream(upper), target, ExtractOptions.flatten());
        assertThat(target.resolve("etc/passwd")).doesNotExist();
        assertThat(target.resolve("etc/group")).hasContent("g");
        try (var s = Files.list(target.resolve("var"))) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactly("new");
        }
        assertThat(target.resolve("keep/k")).hasContent("k");
        assertThat(target.resolve("ghost")).doesNotExist();
    }

    @Test
    void invalidWhiteoutsAreErrorsNamingTheEntry() {
        for (String bad : new String[] {".wh..", ".wh...", "etc/.wh..", ".wh."}) {
            byte[] tar = TestTars.tar(b -> b.file(bad, ""));
            for (ExtractOptions o : new ExtractOptions[] {ExtractOptions.overlay(), ExtractOptions.flatten()})
                assertThatThrownBy(() -> LayerExtractor.extract(new ByteArrayInputStream(tar), target, o))
                        .as(bad).isInstanceOf(LayerException.class).hasMessageContaining(bad)
                        .hasMessageContaining("whiteout");
        }
    }

    @Test
    void laterEntriesReplaceEarlierOnes() throws IOException {
        byte[] tar = TestTars.tar(b -> b.dir("x", 0755).file("x/child", "c").file("x", "now a file")
                .file("y", "file").dir("y", 0700).symlink("z", "/etc").file("z", "not through the link")
                .file("w", "old").file("w", "new"));
        LayerExtractor.extract(new ByteArrayInputStream(tar), target, ExtractOptions.overlay());
        assertThat(target.resolve("x")).isRegularFile().hasContent("now a file");
        assertThat(target.resolve("y")).isDirectory();
        assertThat(Files.isSymbolicLink(target.resolve("z"))).isFalse();
        assertThat(target.resolve("z")).hasContent("not through the link");
        assertThat(target.resolve("w")).hasContent("new");
    }

    @Test
    void decompressionIsBounded() {
        byte[] big = new byte[4 << 20];
        byte[] tar = TestTars.tar(b -> {
            TarArchiveEntry e = b.entry("zeros", TarConstants.LF_NORMAL);
            e.setMode(0644);
            b.put(e, big);
        });
        byte[] gz = TestTars.compress(tar, Compression.GZIP);
        assertThat(gz.length).isLessThan(64 << 10);
        assertThatThrownBy(() -> LayerExtractor.extract(new ByteArrayInputStream(gz), target,
                ExtractOptions.overlay().withMaxUncompressedBytes(1 << 20)))
                .isInstanceOf(LayerException.class).hasMessageContaining("exceeds the limit of 1048576 bytes");
    }

    @Test
    void garbageIsRefusedClearly() {
        byte[] junk = "this is not a tar archive at all, just some text that is long enough".repeat(10)
                .getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> LayerExtractor.extract(new ByteArrayInputStream(junk), target, ExtractOptions.overlay()))
                .isInstanceOf(IOException.class).hasMessageContaining("checksum");
    }

    @Test
    void devicePolicySkipLeavesANote() throws IOException {
        byte[] tar = TestTars.tar(b -> b.device("null", TarConstants.LF_CHR, 1, 3, 0666));
        ExtractResult r = LayerExtractor.extract(new ByteArrayInputStream(tar), target,
                ExtractOptions.overlay().withDevices(ExtractOptions.DevicePolicy.SKIP));
        assertThat(target.resolve("null")).doesNotExist();
        assertThat(r.notes()).containsExactly("skipped device node null");
    }

    @Test
    void gnuTarSparseFilesInGnuAndPaxFormats() throws Exception {
        Path src = Files.createDirectory(base.resolve("src"));
        // 8 MiB file with data at 0, 3 MiB and the end; the rest holes
        try (var ch = java.nio.channels.FileChannel.open(src.resolve("sparse"), java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap("head".getBytes(StandardCharsets.UTF_8)), 0);
            ch.write(java.nio.ByteBuffer.wrap("middle".getBytes(StandardCharsets.UTF_8)), 3 << 20);
            ch.write(java.nio.ByteBuffer.wrap("tail".getBytes(StandardCharsets.UTF_8)), (8 << 20) - 4);
        }
        byte[] expected = Files.readAllBytes(src.resolve("sparse"));
        for (String format : new String[] {"gnu", "posix"}) {
            Path tarFile = base.resolve(format + ".tar");
            Process p = new ProcessBuilder("tar", "--sparse", "--format=" + format, "-C", src.toString(), "-cf",
                    tarFile.toString(), "sparse").redirectErrorStream(true).start();
            assertThat(p.waitFor()).as(new String(p.getInputStream().readAllBytes())).isZero();
            Path out = Files.createDirectory(base.resolve("out-" + format));
            try (var in = Files.newInputStream(tarFile)) {
                LayerExtractor.extract(in, out, ExtractOptions.overlay());
            }
            assertThat(Files.readAllBytes(out.resolve("sparse"))).as(format).isEqualTo(expected);
            try (RootedDir d = RootedDir.open(out)) {
                assertThat(d.lstat("sparse").blocks() * 512).as(format + " stays sparse").isLessThan(1 << 20);
            }
        }
    }
}
