package dev.hako.image.content;

import dev.hako.oci.Json;
import dev.hako.oci.image.Descriptor;
import dev.hako.oci.image.Digest;
import dev.hako.oci.image.ImageConfig;
import dev.hako.oci.image.Manifest;
import dev.hako.oci.image.MediaTypes;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

/** Test fixtures: small images written into a ContentStore (layers made here, offline). */
public final class TestImages {
    private TestImages() {}

    /** A stored image: its manifest descriptor, the manifest and the raw layer/config descriptors. */
    public record Image(Descriptor manifest, Manifest parsed, Descriptor config, List<Descriptor> layers) {}

    /** A gzip layer with the given files (name → content). Returns {compressed bytes, diffID}. */
    public record Layer(byte[] gz, Digest diffId) {}

    public static Layer layer(Map<String, byte[]> files) throws IOException {
        ByteArrayOutputStream tar = new ByteArrayOutputStream();
        try (TarArchiveOutputStream out = new TarArchiveOutputStream(tar)) {
            out.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            for (var e : files.entrySet()) {
                TarArchiveEntry te = new TarArchiveEntry(e.getKey());
                te.setSize(e.getValue().length);
                te.setMode(0644);
                te.setModTime(0);
                out.putArchiveEntry(te);
                out.write(e.getValue());
                out.closeArchiveEntry();
            }
        }
        return gzip(tar.toByteArray());
    }

    static Layer gzip(byte[] tar) throws IOException {
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream g = new GZIPOutputStream(gz)) { g.write(tar); }
        return new Layer(gz.toByteArray(), Digest.sha256(tar));
    }

    /** A one-or-more-layer image from the given layers, stored and tagged as {@code tag} (if not null). */
    public static Image store(ContentStore store, String tag, List<Layer> layers, String mediaTypeFamily) {
        boolean docker = "docker".equals(mediaTypeFamily);
        List<Descriptor> lds = new ArrayList<>();
        List<Digest> diffIds = new ArrayList<>();
        for (Layer l : layers) {
            lds.add(store.put(docker ? MediaTypes.DOCKER_LAYER_GZIP : MediaTypes.OCI_LAYER_GZIP, l.gz()));
            diffIds.add(l.diffId());
        }
        ImageConfig cfg = new ImageConfig("2024-01-01T00:00:00Z", null, "amd64", "linux", null, null, null,
                ImageConfig.Config.of(List.of("PATH=/bin"), null, List.of("sh"), "/"),
                new ImageConfig.RootFs(diffIds), null);
        Descriptor config = store.put(docker ? MediaTypes.DOCKER_CONFIG : MediaTypes.OCI_CONFIG, Json.bytes(cfg));
        Manifest m = new Manifest(docker ? MediaTypes.DOCKER_MANIFEST : MediaTypes.OCI_MANIFEST, config, lds);
        Descriptor md = store.put(m.mediaType(), Json.bytes(m));
        if (tag != null) store.tag(tag, md);
        return new Image(md, m, config, lds);
    }

    /** A small unique single-layer OCI image (one file containing {@code seed}). */
    public static Image small(ContentStore store, String tag, String seed) throws IOException {
        Layer l = layer(Map.of("hello.txt", ("hello " + seed + "\n").getBytes(StandardCharsets.UTF_8)));
        return store(store, tag, List.of(l), "oci");
    }

    /** A busybox image: one layer made with scripts/busybox-rootfs.sh and tar. */
    public static Image busybox(ContentStore store, String tag, Path tmp) throws IOException, InterruptedException {
        return store(store, tag, List.of(busyboxLayer(tmp)), "oci");
    }

    private static Layer busyboxLayer; // built once per test JVM: the script takes seconds on a busy machine

    static synchronized Layer busyboxLayer(Path tmp) throws IOException, InterruptedException {
        if (busyboxLayer == null) busyboxLayer = makeBusyboxLayer(tmp);
        return busyboxLayer;
    }

    private static Layer makeBusyboxLayer(Path tmp) throws IOException, InterruptedException {
        Path rootfs = tmp.resolve("bb-rootfs");
        String project = System.getProperty("hako.projectDir", ".");
        run(List.of("bash", project + "/scripts/busybox-rootfs.sh", rootfs.toString()));
        Path tar = tmp.resolve("bb-layer.tar");
        run(List.of("tar", "--sort=name", "--mtime=@0", "--owner=0", "--group=0", "--numeric-owner",
                "-C", rootfs.toString(), "-cf", tar.toString(), "."));
        Layer l = gzip(Files.readAllBytes(tar));
        deleteTree(rootfs);
        Files.delete(tar);
        return l;
    }

    static void run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) throw new IOException(cmd + " failed: " + out);
    }

    /** Runs a command, returns {exit code, output}. */
    public static Result exec(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Result(p.waitFor(), out);
    }

    public record Result(int code, String output) {}

    /** Deletes a directory tree (test cleanup). */
    public static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) return;
        try (var s = Files.walk(p)) {
            for (Path x : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(x);
        }
    }
}
