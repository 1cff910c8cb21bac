package dev.hako.image.snapshot;

import dev.hako.image.layer.ExtractOptions;
import dev.hako.image.layer.LayerExtractor;
import dev.hako.image.layer.LayerStore;
import dev.hako.image.layer.TarWriter;
import dev.hako.oci.image.Digest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** A 3-layer image through the layer store, mounted with overlay and copied with vfs; both against a flattening. */
class SnapshotterTest {
    static final long T = 1_600_000_000L;
    Path base;
    LayerStore store;
    List<byte[]> tars;
    List<Path> lowers = new ArrayList<>();
    List<Path> mounted = new ArrayList<>();

    /** A tiny tar builder on TarWriter (entries get explicit parent dirs so every mtime is defined). */
    static final class Layer {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final TarWriter w = new TarWriter(bytes);

        Layer dir(String name, int mode) throws IOException {
            w.add(new TarWriter.Header(name + "/", '5', "", mode, 0, 0, 0, T, 0, 0, 0, Map.of()));
            return this;
        }

        Layer file(String name, String content) throws IOException {
            byte[] b = content.getBytes(StandardCharsets.UTF_8);
            w.add(new TarWriter.Header(name, '0', "", 0644, 0, 0, b.length, T, 0, 0, 0, Map.of()));
            w.write(b, 0, b.length);
            return this;
        }

        Layer symlink(String name, String target) throws IOException {
            w.add(new TarWriter.Header(name, '2', target, 0777, 0, 0, 0, T, 0, 0, 0, Map.of()));
            return this;
        }

        Layer raw(String name, char type, String link, int mode, int uid, int gid, int major, int minor) throws IOException {
            w.add(new TarWriter.Header(name, type, link, mode, uid, gid, 0, T, 0, major, minor, Map.of()));
            return this;
        }

        Layer owned(String name, String content, int mode, int uid, int gid) throws IOException {
            byte[] b = content.getBytes(StandardCharsets.UTF_8);
            w.add(new TarWriter.Header(name, '0', "", mode, uid, gid, b.length, T, 0, 0, 0, Map.of()));
            w.write(b, 0, b.length);
            return this;
        }

        byte[] done() throws IOException {
            w.finish();
            return bytes.toByteArray();
        }
    }

    @BeforeEach
    void setUp() throws IOException {
        base = Files.createTempDirectory("hako-test-snapshot-");
        store = new LayerStore(base.resolve("layers"));
        tars = List.of(
                new Layer().dir("etc", 0755).file("etc/passwd", "root1").file("etc/group", "group1")
                        .dir("var", 0755).dir("var/lib", 0755).dir("var/lib/data", 0750).file("var/lib/data/x", "x")
                        .file("var/lib/data/y", "y").dir("bin", 0755).file("bin/sh", "sh").dir("usr", 0755)
                        .dir("usr/share", 0755).dir("usr/share/doc", 0755).file("usr/share/doc/a", "a1")
                        .dir("tmp", 01777).symlink("lib", "usr/lib").done(),
                new Layer().dir("etc", 0755).file("etc/.wh.group", "").file("etc/hosts", "hosts2")
                        .dir("var", 0755).dir("var/lib", 0755).dir("var/lib/data", 0700).file("var/lib/data/.wh..wh..opq", "")
                        .file("var/lib/data/z", "z2").dir("usr", 0755).dir("usr/share", 0755).dir("usr/share/doc", 0755)
                        .file("usr/share/doc/b", "b2").done(),
                new Layer().dir("etc", 0711).file("etc/passwd", "root3").dir("bin", 0755).file("bin/.wh.sh", "")
                        .dir("usr", 0755).dir("usr/share", 0755).dir("usr/share/doc", 0755).file("usr/share/doc/a", "a3")
                        .done(),
                new Layer().raw("opt/", '5', "", 0750, 1000, 1000, 0, 0).owned("opt/suid", "suid", 04755, 1, 2)
                        .raw("opt/hard", '1', "opt/suid", 0, 0, 0, 0, 0).raw("opt/null", '3', "", 0666, 0, 0, 1, 3)
                        .raw("opt/fifo", '6', "", 0600, 5, 5, 0, 0).symlink("opt/abs", "/etc/passwd")
                        .owned("opt/sgid-dir-file", "g", 02710, 7, 8).done());
        Digest parent = null;
        for (byte[] tar : tars) {
            Digest diffId = Digest.sha256(tar);
            LayerStore.LayerInfo info = store.unpack(parent, diffId, () -> new ByteArrayInputStream(tar), ExtractOptions.overlay());
            lowers.add(store.diffDir(info.chainId()));
            parent = info.chainId();
        }
    }

    @AfterEach
    void tearDown() throws IOException {
        for (Path m : mounted) {
            try { new OverlaySnapshotter().unmount(m); } catch (RuntimeException ignored) { }
        }
        try (Stream<Path> s = Files.walk(base)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }

    /** path → type/mode/owner/mtime/content, root excluded (its metadata is the snapshot's own). */
    static Map<String, String> tree(Path root) { return tree(root, true); }

    static Map<String, String> tree(Path root, boolean dirTimes) {
        Map<String, String> m = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.toList()) {
                String rel = root.relativize(p).toString();
                if (rel.isEmpty()) continue;
                Map<String, Object> a = Files.readAttributes(p, "unix:*", LinkOption.NOFOLLOW_LINKS);
                boolean time = dirTimes || !Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS);
                StringBuilder d = new StringBuilder(String.format("%06o %s:%s t=%d", a.get("mode"), a.get("uid"),
                        a.get("gid"), time ? ((FileTime) a.get("lastModifiedTime")).toMillis() : 0));
                int type = (Integer) a.get("mode") & 0170000;
                if (type == 0020000 || type == 0060000) d.append(" dev=").append(a.get("rdev"));
                if (Files.isSymbolicLink(p)) d.append(" -> ").append(Files.readSymbolicLink(p));
                else if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS))
                    d.append(" n=").append(a.get("nlink")).append(" ").append(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                            .digest(Files.readAllBytes(p))));
                m.put(rel, d.toString());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return m;
    }

    private Map<String, String> flattened() throws IOException {
        Path flat = Files.createDirectory(base.resolve("flat"));
        for (byte[] tar : tars) LayerExtractor.extract(new ByteArrayInputStream(tar), flat, ExtractOptions.flatten());
        return tree(flat);
    }

    /** export gives the container's tree; writeDiff applied on the image's flattened layers gives it too. */
    private void exportAndDiffTarReproduce(Snapshotter sn, Snapshot s, Path rootfs) throws IOException {
        Map<String, String> want = tree(rootfs);
        ByteArrayOutputStream exported = new ByteArrayOutputStream();
        sn.export(s, exported);
        Path fromExport = Files.createDirectory(base.resolve(sn.name() + "-from-export"));
        LayerExtractor.extract(new ByteArrayInputStream(exported.toByteArray()), fromExport, ExtractOptions.flatten());
        assertThat(tree(fromExport)).as("export").isEqualTo(want);

        ByteArrayOutputStream diff = new ByteArrayOutputStream();
        sn.writeDiff(s, diff);
        Path applied = Files.createDirectory(base.resolve(sn.name() + "-applied"));
        for (byte[] tar : tars) LayerExtractor.extract(new ByteArrayInputStream(tar), applied, ExtractOptions.flatten());
        LayerExtractor.extract(new ByteArrayInputStream(diff.toByteArray()), applied, ExtractOptions.flatten());
        assertThat(tree(applied)).as("image + diff").isEqualTo(want);
    }

    private static void mutate(Path root) throws IOException {
        Files.writeString(root.resolve("new"), "new");
        Files.writeString(root.resolve("etc/passwd"), "changed");
        Files.delete(root.resolve("etc/hosts"));
        Files.delete(root.resolve("var/lib/data/z"));
        Files.delete(root.resolve("var/lib/data"));
        Files.createDirectory(root.resolve("var/lib/data"));
        Files.writeString(root.resolve("var/lib/data/fresh"), "f");
    }

    @Test
    void overlayShowsTheMergedViewAndItsDiff() throws IOException {
        Snapshotter o = Snapshotter.named("overlay");
        Snapshot s = o.create(base.resolve("containers/c1/snapshot"), lowers);
        Path rootfs = Files.createDirectories(base.resolve("containers/c1/rootfs"));
        o.mount(s, rootfs);
        mounted.add(rootfs);

        Map<String, String> merged = tree(rootfs);
        assertThat(merged).isEqualTo(flattened());
        assertThat(merged).doesNotContainKeys("etc/group", "bin/sh", "var/lib/data/x", "var/lib/data/y");
        assertThat(rootfs.resolve("etc/passwd")).hasContent("root3");
        assertThat(rootfs.resolve("usr/share/doc/a")).hasContent("a3");
        assertThat(rootfs.resolve("var/lib/data/z")).hasContent("z2");
        assertThat(o.diff(s)).isEmpty();

        mutate(rootfs);
        assertThat(o.diff(Snapshot.load(s.dir())).stream().map(Change::toString)).containsExactly(
                "C /etc", "D /etc/hosts", "C /etc/passwd", "A /new", "C /var", "C /var/lib", "C /var/lib/data",
                "A /var/lib/data/fresh", "D /var/lib/data/z");
        exportAndDiffTarReproduce(o, s, rootfs);
        o.unmount(rootfs);
        mounted.remove(rootfs);
        assertThat(rootfs.resolve("etc")).doesNotExist();
        // the layers are untouched by the container's writes
        assertThat(lowers.get(0).resolve("etc/passwd")).hasContent("root1");
        o.remove(s);
        assertThat(s.dir()).doesNotExist();
    }

    @Test
    void vfsCopiesTheSameMergedViewAndDiffs() throws IOException {
        Snapshotter v = Snapshotter.named("vfs");
        Snapshot s = v.create(base.resolve("containers/c2/snapshot"), lowers);
        Path rootfs = VfsSnapshotter.rootfs(s);
        assertThat(tree(rootfs)).isEqualTo(flattened());
        assertThat(v.diff(s)).isEmpty();
        mutate(rootfs);
        assertThat(v.diff(s).stream().map(Change::toString)).containsExactly(
                "C /etc", "D /etc/hosts", "C /etc/passwd", "A /new", "C /var/lib", "C /var/lib/data",
                "A /var/lib/data/fresh", "D /var/lib/data/z");
        exportAndDiffTarReproduce(v, s, rootfs);
        Path target = Files.createDirectories(base.resolve("containers/c2/mnt"));
        v.mount(s, target);
        mounted.add(target);
        assertThat(target.resolve("new")).hasContent("new");
        v.unmount(target);
        mounted.remove(target);
        v.remove(s);
        assertThat(s.dir()).doesNotExist();
    }

    @Test
    void manyLayersWithLongPathsStillMount() throws IOException {
        // ~60 lowers of ~120 characters each: far over the one-page mount data limit
        Path deep = Files.createDirectories(base.resolve("a-rather-long-directory-name-to-make-lowerdir-strings-long"));
        List<Path> many = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            Path l = Files.createDirectories(deep.resolve(String.format("layer-%03d-padding-padding-padding", i)));
            Files.writeString(l.resolve("f" + i), "layer " + i);
            Files.writeString(l.resolve("top"), "from " + i);
            many.add(l);
        }
        Snapshotter o = new OverlaySnapshotter();
        Snapshot s = o.create(base.resolve("snap-many"), many);
        Path rootfs = Files.createDirectories(base.resolve("rootfs-many"));
        o.mount(s, rootfs);
        mounted.add(rootfs);
        assertThat(rootfs.resolve("f0")).hasContent("layer 0");
        assertThat(rootfs.resolve("f59")).hasContent("layer 59");
        assertThat(rootfs.resolve("top")).hasContent("from 59");
        o.unmount(rootfs);
        mounted.remove(rootfs);
    }

    /** Writes an OCI image layout of our layers (gzip) by hand, for umoci. */
    private Path ociLayout() throws IOException {
        Path layout = Files.createDirectories(base.resolve("oci/blobs/sha256")).getParent().getParent();
        Files.writeString(layout.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        StringBuilder layers = new StringBuilder(), diffIds = new StringBuilder();
        for (byte[] tar : tars) {
            ByteArrayOutputStream gz = new ByteArrayOutputStream();
            try (var out = new java.util.zip.GZIPOutputStream(gz)) { out.write(tar); }
            Digest d = blob(layout, gz.toByteArray());
            if (!layers.isEmpty()) { layers.append(','); diffIds.append(','); }
            layers.append("{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"").append(d)
                    .append("\",\"size\":").append(gz.size()).append('}');
            diffIds.append('"').append(Digest.sha256(tar)).append('"');
        }
        byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{},\"rootfs\":{\"type\":\"layers\","
                + "\"diff_ids\":[" + diffIds + "]}}").getBytes(StandardCharsets.UTF_8);
        Digest c = blob(layout, config);
        byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + c
                + "\",\"size\":" + config.length + "},\"layers\":[" + layers + "]}").getBytes(StandardCharsets.UTF_8);
        Digest m = blob(layout, manifest);
        Files.writeString(layout.resolve("index.json"), "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":"
                + "\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" + m + "\",\"size\":" + manifest.length
                + ",\"annotations\":{\"org.opencontainers.image.ref.name\":\"test\"}}]}");
        return layout;
    }

    private static Digest blob(Path layout, byte[] content) throws IOException {
        Digest d = Digest.sha256(content);
        Files.write(layout.resolve("blobs/sha256/" + d.encoded()), content);
        return d;
    }

    @Test
    void umociUnpacksTheSameTree() throws Exception {
        Path layout = ociLayout();
        Path umociRootfs = base.resolve("umoci-rootfs");
        Process p = new ProcessBuilder("umoci", "raw", "unpack", "--image", layout + ":test", umociRootfs.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
        Map<String, String> theirs = tree(umociRootfs);
        assertThat(flattened()).isEqualTo(theirs);
        Snapshot s = new OverlaySnapshotter().create(base.resolve("snap-umoci"), lowers);
        Path rootfs = Files.createDirectories(base.resolve("rootfs-umoci"));
        new OverlaySnapshotter().mount(s, rootfs);
        mounted.add(rootfs);
        assertThat(tree(rootfs)).isEqualTo(theirs);
    }

    @Test
    void layersUnpackIndependentlyOfTheLayersBelow() throws Exception {
        byte[] lower = new Layer().dir("usr", 0755).raw("usr/lib/", '5', "", 0700, 5, 6, 0, 0).symlink("lib", "usr/lib")
                .dir("tmp", 01777).raw("etc/", '5', "", 0711, 0, 0, 0, 0).file("etc/keep", "k").done();
        byte[] upper = new Layer().file("lib/libx.so", "x").file("etc/conf", "c").file("new/sub/file", "n").done();
        Digest lowerId = Digest.sha256(lower), upperId = Digest.sha256(upper);
        LayerStore ls = new LayerStore(base.resolve("layers2"));
        // as docker's overlay2: the child unpacks before (and without) its parent, never waiting for it, and sees
        // nothing of it: lib is a directory of its own, missing parents get default metadata
        LayerStore.LayerInfo top = ls.unpack(lowerId, upperId, () -> new ByteArrayInputStream(upper), ExtractOptions.overlay());
        assertThat(ls.exists(lowerId)).isFalse();
        Path upperTree = ls.diffDir(top.chainId());
        assertThat(Files.isDirectory(upperTree.resolve("lib"), LinkOption.NOFOLLOW_LINKS)).isTrue();
        assertThat(upperTree.resolve("lib/libx.so")).hasContent("x");
        assertThat(Files.exists(upperTree.resolve("usr"), LinkOption.NOFOLLOW_LINKS)).isFalse();
        Map<String, String> own = tree(upperTree, false);
        assertThat(own.keySet()).containsExactly("etc", "etc/conf", "lib", "lib/libx.so", "new", "new/sub", "new/sub/file");
        for (String d : List.of("etc", "lib", "new", "new/sub")) assertThat(own.get(d)).startsWith("040755 0:0");
        ls.unpack(null, lowerId, () -> new ByteArrayInputStream(lower), ExtractOptions.overlay());

        Snapshot s = new OverlaySnapshotter().create(base.resolve("snap-implicit"), List.of(ls.diffDir(lowerId), upperTree));
        Path rootfs = Files.createDirectories(base.resolve("rootfs-implicit"));
        new OverlaySnapshotter().mount(s, rootfs);
        mounted.add(rootfs);
        Map<String, String> merged = tree(rootfs, false);
        assertThat(rootfs.resolve("lib/libx.so")).hasContent("x");
        assertThat(merged.get("lib")).startsWith("040755 0:0");        // the upper dir replaces the lower symlink
        assertThat(rootfs.resolve("etc/keep")).hasContent("k");         // directories merge
        assertThat(rootfs.resolve("etc/conf")).hasContent("c");
        assertThat(merged.get("usr/lib")).startsWith("040700 5:6");
        assertThat(merged.get("tmp")).startsWith("041777 0:0");
    }

    @Test
    void detectsOverlayOnThisHost() {
        assertThat(Snapshotter.detect(base.resolve("scratch")).name()).isEqualTo("overlay");
        try (Stream<Path> s = Files.list(base.resolve("scratch"))) {
            assertThat(s.toList()).as("the check cleans up").isEmpty();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
