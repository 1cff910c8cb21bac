package dev.hako.image.store;

import dev.hako.image.layer.ExtractOptions;
import dev.hako.image.layer.LayerStore;
import dev.hako.image.registry.BlobTap;
import dev.hako.oci.image.Descriptor;
import dev.hako.oci.image.Digest;
import dev.hako.oci.image.ImageConfig;
import dev.hako.oci.image.MediaTypes;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;

/** Download → untar in one pass: a layer is committed only when the stream ends verified. */
class StreamingUnpackerTest {
    Path base;
    LayerStore layers;
    byte[] tar, gz;
    ImageConfig config;
    Descriptor desc;

    @BeforeEach
    void setUp() throws IOException {
        base = Files.createTempDirectory("hako-test-streaming-");
        layers = new LayerStore(base.resolve("layers"));
        byte[] data = new byte[3 << 20];
        new Random(7).nextBytes(data);
        ByteArrayOutputStream t = new ByteArrayOutputStream();
        try (TarArchiveOutputStream o = new TarArchiveOutputStream(t)) {
            TarArchiveEntry d = new TarArchiveEntry("etc/");
            d.setMode(040755);
            o.putArchiveEntry(d);
            o.closeArchiveEntry();
            TarArchiveEntry f = new TarArchiveEntry("etc/big");
            f.setSize(data.length);
            f.setMode(0100644);
            o.putArchiveEntry(f);
            o.write(data);
            o.closeArchiveEntry();
        }
        tar = t.toByteArray();
        ByteArrayOutputStream z = new ByteArrayOutputStream();
        try (GZIPOutputStream g = new GZIPOutputStream(z)) { g.write(tar); }
        gz = z.toByteArray();
        desc = new Descriptor(MediaTypes.OCI_LAYER_GZIP, Digest.sha256(gz), gz.length);
        config = new ImageConfig(null, null, "amd64", "linux", null, null, null, null,
                new ImageConfig.RootFs(List.of(Digest.sha256(tar))), null);
    }

    @AfterEach
    void tearDown() throws IOException {
        try (Stream<Path> s = Files.walk(base)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }

    private StreamingUnpacker unpacker() {
        return new StreamingUnpacker(layers, (layer, parent, diffId, source) ->
                layers.unpack(parent, diffId, source, ExtractOptions.overlay()).size());
    }

    private static void feed(BlobTap tap, byte[] b) {
        for (int off = 0; off < b.length; off += 1 << 16) tap.write(b, off, Math.min(1 << 16, b.length - off));
    }

    private static void sleep(long ms) {
        try { Thread.sleep(ms); } catch (InterruptedException e) { throw new IllegalStateException(e); }
    }

    private List<String> tmpEntries() throws IOException {
        try (Stream<Path> s = Files.list(base.resolve("layers/.tmp"))) { return s.map(p -> p.getFileName().toString()).toList(); }
    }

    @Test
    void aVerifiedStreamIsCommitted() throws IOException {
        Digest chain = config.diffIds().getFirst();
        try (StreamingUnpacker u = unpacker()) {
            BlobTap tap = u.open(null, config, 0, desc);
            feed(tap, gz);
            tap.finish();
            u.await();
        }
        assertThat(layers.exists(chain)).isTrue();
        assertThat(Files.size(layers.diffDir(chain).resolve("etc/big"))).isEqualTo(3 << 20);
        assertThat(tmpEntries()).isEmpty();
        try (StreamingUnpacker u = unpacker()) {
            assertThat(u.open(null, config, 0, desc)).as("present layers are not streamed again").isNull();
        }
    }

    @Test
    void bytesReadIntoLentArraysArriveIntactAndLentArraysAreNeverReusedWhileQueued() throws IOException {
        Digest chain = config.diffIds().getFirst();
        java.util.Set<byte[]> handedOver = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        try (StreamingUnpacker u = unpacker()) {
            BlobTap tap = u.open(null, config, 0, desc);
            byte[] own = new byte[1 << 16];
            int step = 0;
            for (int off = 0; off < gz.length; step++) {
                byte[] lent = tap.buffer();
                assertThat(lent).as("a lent array comes back only after the reader is done with it").isNotNull();
                int n = Math.min(step % 3 == 2 ? 1000 : lent.length, gz.length - off);
                if (step % 3 == 1) {   // the caller's own array: copied
                    n = Math.min(n, own.length);
                    System.arraycopy(gz, off, own, 0, n);
                    tap.write(own, 0, n);
                } else {               // read into the lent array: handed over (partly filled ones too)
                    System.arraycopy(gz, off, lent, 0, n);
                    tap.write(lent, 0, n);
                    handedOver.add(lent);
                }
                off += n;
            }
            tap.finish();
            u.await();
        }
        assertThat(handedOver).hasSizeGreaterThan(1);
        // the unpack verified the diffID of what it read: any corrupted or reordered chunk would have kept it out
        assertThat(layers.exists(chain)).isTrue();
        byte[] data = new byte[3 << 20];
        new Random(7).nextBytes(data);
        assertThat(Files.readAllBytes(layers.diffDir(chain).resolve("etc/big"))).isEqualTo(data);
    }

    @Test
    void anAbandonedStreamCommitsNothingEvenWhenTheTarWasComplete() throws IOException {
        Digest chain = config.diffIds().getFirst();
        try (StreamingUnpacker u = unpacker()) {
            BlobTap tap = u.open(null, config, 0, desc);
            feed(tap, gz);   // every byte arrived and the diffID would match: only the blob digest check failed
            for (int i = 0; i < 500 && !((StreamingUnpacker.Pipe) tap).drained(); i++) sleep(10);
            sleep(300);      // the tar is fully extracted by now; the unpack must still wait for the verdict
            tap.abandon(new IOException("digest mismatch"));
            u.await();
        }
        assertThat(layers.exists(chain)).isFalse();
        assertThat(Files.exists(base.resolve("layers").resolve(chain.encoded()))).isFalse();
        assertThat(tmpEntries()).isEmpty();
    }

    @Test
    void aStreamCutShortCommitsNothing() throws IOException {
        Digest chain = config.diffIds().getFirst();
        try (StreamingUnpacker u = unpacker()) {
            BlobTap tap = u.open(null, config, 0, desc);
            feed(tap, java.util.Arrays.copyOf(gz, gz.length / 2));
            tap.abandon(new IOException("connection reset; resumed with Range"));
            u.await();
        }
        assertThat(layers.exists(chain)).isFalse();
        assertThat(tmpEntries()).isEmpty();
    }
}
