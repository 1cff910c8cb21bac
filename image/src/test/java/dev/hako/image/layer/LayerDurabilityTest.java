package dev.hako.image.layer;

import dev.hako.kernel.BootId;
import dev.hako.oci.Json;
import dev.hako.oci.image.Digest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Unpacked trees are published unsynced, their layer.json naming the boot they were written in; a layer of an
 * earlier boot never confirmed on disk (the machine went down first) is not trusted, and the next unpack makes it
 * again. A reboot is simulated by giving layer.json another boot id, as the next boot would see it.
 */
public class LayerDurabilityTest {
    Path base;
    LayerStore store;
    byte[] tar;
    Digest diffId;
    final AtomicInteger opens = new AtomicInteger();
    LayerStore.BlobSource blob;

    @BeforeEach
    void setUp() throws IOException {
        base = Files.createTempDirectory("hako-test-durability-");
        store = new LayerStore(base.resolve("layers"));
        tar = TestTars.tar(t -> t.dir("etc", 0755).file("etc/hostname", "hako-durable"));
        diffId = Digest.parse(TestTars.sha256(tar));
        blob = () -> {
            opens.incrementAndGet();
            return new ByteArrayInputStream(TestTars.compress(tar, Compression.GZIP));
        };
    }

    @AfterEach
    void tearDown() { TestTars.deleteTree(base); }

    private Path marker() { return store.root().resolve(".unsynced").resolve(diffId.encoded()); }

    private Path layerJson() { return store.root().resolve(diffId.encoded()).resolve("layer.json"); }

    /** What the next boot sees of a layer written in this one and never confirmed. */
    public static void fromEarlierBoot(Path layerJson) {
        var info = Json.read(layerJson, LayerStore.LayerInfo.class);
        assertThat(info.unsyncedBoot()).isEqualTo(BootId.current());
        Json.writeAtomic(layerJson, new LayerStore.LayerInfo(info.chainId(), info.diffId(), info.parent(), info.size(),
                "00000000-0000-0000-0000-000000000000"));
    }

    private Object layerDirKey() throws IOException {
        return Files.readAttributes(store.root().resolve(diffId.encoded()), java.nio.file.attribute.BasicFileAttributes.class).fileKey();
    }

    @Test
    void aFreshLayerIsTrustedAndMarkedUntilASyncConfirmsIt() throws IOException {
        var info = store.unpack(null, diffId, blob, ExtractOptions.overlay());
        assertThat(info.unsyncedBoot()).isEqualTo(BootId.current());
        assertThat(marker()).exists();
        assertThat(store.trusted(diffId)).isTrue();

        assertThat(store.confirmSynced(Duration.ofHours(1))).as("too young to confirm").isZero();
        assertThat(marker()).exists();
        assertThat(store.confirmSynced(Duration.ZERO)).isEqualTo(1);
        assertThat(marker()).doesNotExist();
        assertThat(store.info(diffId).orElseThrow().unsyncedBoot()).isNull();

        // confirmed: a later boot trusts it as it is
        Object before = layerDirKey();
        assertThat(store.trusted(diffId)).isTrue();
        store.unpack(null, diffId, blob, ExtractOptions.overlay());
        assertThat(opens).hasValue(1);
        assertThat(layerDirKey()).isEqualTo(before);
    }

    @Test
    void aLayerLeftUnsyncedByAnEarlierBootIsUnpackedAgain() throws IOException {
        store.unpack(null, diffId, blob, ExtractOptions.overlay());
        Path file = store.diffDir(diffId).resolve("etc/hostname");
        fromEarlierBoot(layerJson());
        Files.writeString(marker(), "00000000-0000-0000-0000-000000000000 1\n");
        Files.write(file, new byte[0]);   // what a crash can leave of a file whose data was not written yet
        assertThat(store.trusted(diffId)).isFalse();
        assertThat(store.exists(diffId)).isTrue();
        assertThat(store.confirmSynced(Duration.ZERO)).as("an earlier boot's layer is never confirmed").isZero();

        store.unpack(null, diffId, blob, ExtractOptions.overlay());
        assertThat(opens).hasValue(2);
        assertThat(file).hasContent("hako-durable");
        assertThat(store.trusted(diffId)).isTrue();
        assertThat(Files.readString(marker())).startsWith(BootId.current() + " ");
        assertThat(store.info(diffId).orElseThrow().unsyncedBoot()).isEqualTo(BootId.current());
        assertThat(store.list()).hasSize(1);
        assertThat(store.root().resolve(".tmp")).isEmptyDirectory();
    }

    @Test
    void aLayerJsonACrashLeftEmptyIsNotTrusted() throws IOException {
        store.unpack(null, diffId, blob, ExtractOptions.overlay());
        Files.write(layerJson(), new byte[0]);
        assertThat(store.trusted(diffId)).isFalse();
        assertThat(store.info(diffId)).isEmpty();
        store.unpack(null, diffId, blob, ExtractOptions.overlay());
        assertThat(opens).hasValue(2);
        assertThat(store.trusted(diffId)).isTrue();
    }

    @Test
    void deletingALayerRemovesItsMarker() throws IOException {
        store.unpack(null, diffId, blob, ExtractOptions.overlay());
        assertThat(store.delete(diffId)).isTrue();
        assertThat(marker()).doesNotExist();
        assertThat(store.trusted(diffId)).isFalse();
    }
}
