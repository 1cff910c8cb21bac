package dev.hako.image.layer;

import dev.hako.oci.image.Digest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LayerStoreTest {
    Path base;
    LayerStore store;

    @BeforeEach
    void setUp() throws IOException {
        base = Files.createTempDirectory("hako-test-layerstore-");
        store = new LayerStore(base.resolve("layers"));
    }

    @AfterEach
    void tearDown() { TestTars.deleteTree(base); }

    private static List<String> tmpEntries(Path layers) throws IOException {
        Path tmp = layers.resolve(".tmp");
        if (!Files.isDirectory(tmp)) return List.of();
        try (Stream<Path> s = Files.list(tmp)) {
            return s.map(p -> p.getFileName().toString()).toList();
        }
    }

    @Test
    void chainIdFollowsTheImageSpec() throws Exception {
        Digest a = Digest.sha256("a".getBytes(StandardCharsets.UTF_8));
        Digest b = Digest.sha256("b".getBytes(StandardCharsets.UTF_8));
        Digest c = Digest.sha256("c".getBytes(StandardCharsets.UTF_8));
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        String ab = "sha256:" + HexFormat.of().formatHex(md.digest((a + " " + b).getBytes(StandardCharsets.UTF_8)));
        String abc = "sha256:" + HexFormat.of().formatHex(md.digest((ab + " " + c).getBytes(StandardCharsets.UTF_8)));
        assertThat(LayerStore.chainIds(List.of(a, b, c)).stream().map(Digest::toString)).containsExactly(a.toString(), ab, abc);
    }

    @Test
    void unpacksOnceVerifiesTheDiffIdAndDeletes() throws IOException {
        byte[] tar = TestTars.tar(t -> t.dir("etc", 0755).file("etc/hostname", "hako").file("etc/.wh.gone", ""));
        Digest diffId = Digest.parse(TestTars.sha256(tar));
        AtomicInteger opens = new AtomicInteger();
        LayerStore.BlobSource src = () -> {
            opens.incrementAndGet();
            return new ByteArrayInputStream(TestTars.compress(tar, Compression.GZIP));
        };
        LayerStore.LayerInfo info = store.unpack(null, diffId, src, ExtractOptions.overlay());
        assertThat(info.chainId()).isEqualTo(diffId);
        assertThat(info.size()).isEqualTo(tar.length);
        assertThat(store.exists(diffId)).isTrue();
        assertThat(store.diffDir(diffId).resolve("etc/hostname")).hasContent("hako");
        assertThat(store.unpack(null, diffId, src, ExtractOptions.overlay())).isEqualTo(info);
        assertThat(opens).hasValue(1);
        assertThat(store.list()).containsExactly(info);
        assertThat(store.info(diffId)).contains(info);

        Digest child = LayerStore.chainId(diffId, diffId);
        LayerStore.LayerInfo second = store.unpack(diffId, diffId, src, ExtractOptions.overlay());
        assertThat(second.chainId()).isEqualTo(child);
        assertThat(second.parent()).isEqualTo(diffId);
        assertThat(store.list()).containsExactlyInAnyOrder(info, second);

        assertThat(store.delete(diffId)).isTrue();
        assertThat(store.delete(diffId)).isFalse();
        assertThat(store.exists(diffId)).isFalse();
        assertThat(store.list()).containsExactly(second);
        assertThat(tmpEntries(store.root())).isEmpty();
    }

    @Test
    void aWrongDiffIdStoresNothing() throws IOException {
        byte[] tar = TestTars.tar(t -> t.file("f", "x"));
        Digest wrong = Digest.sha256("something else".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> store.unpack(null, wrong, () -> new ByteArrayInputStream(tar), ExtractOptions.overlay()))
                .isInstanceOf(LayerException.class).hasMessageContaining("diffID").hasMessageContaining(wrong.toString());
        assertThat(store.exists(wrong)).isFalse();
        assertThat(store.list()).isEmpty();
        assertThat(tmpEntries(store.root())).isEmpty();
    }

    @Test
    void concurrentUnpacksOfOneLayerUnpackItOnce() throws Exception {
        byte[] tar = TestTars.tar(t -> {
            for (int i = 0; i < 200; i++) t.file("d" + (i % 10) + "/f" + i, "content " + i);
        });
        Digest diffId = Digest.parse(TestTars.sha256(tar));
        AtomicInteger opens = new AtomicInteger();
        int n = 8;
        CountDownLatch start = new CountDownLatch(1);
        List<Future<LayerStore.LayerInfo>> results = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(n)) {
            for (int i = 0; i < n; i++) {
                // separate stores on the same directory, as separate hako processes would have
                LayerStore s = new LayerStore(base.resolve("layers"));
                results.add(pool.submit(() -> {
                    start.await();
                    return s.unpack(null, diffId, () -> {
                        opens.incrementAndGet();
                        return new ByteArrayInputStream(tar);
                    }, ExtractOptions.overlay());
                }));
            }
            start.countDown();
            for (Future<LayerStore.LayerInfo> f : results) assertThat(f.get().chainId()).isEqualTo(diffId);
        }
        assertThat(opens).hasValue(1);
        assertThat(store.diffDir(diffId).resolve("d3/f123")).hasContent("content 123");
        try (Stream<Path> s = Files.walk(store.diffDir(diffId))) {
            assertThat(s.filter(Files::isRegularFile).count()).isEqualTo(200);
        }
        assertThat(tmpEntries(store.root())).isEmpty();
    }

    @Test
    void concurrentUnpacksOfDifferentLayersInOneStoreAllCommit() throws Exception {
        // the unpacks share this store's syncfs: each must still commit its complete tree
        int n = 6;
        CountDownLatch start = new CountDownLatch(1);
        List<Digest> ids = new ArrayList<>();
        List<Future<LayerStore.LayerInfo>> results = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(n)) {
            for (int i = 0; i < n; i++) {
                int k = i;
                byte[] tar = TestTars.tar(t -> {
                    for (int j = 0; j < 50; j++) t.file("l" + k + "/f" + j, "layer " + k + " file " + j);
                });
                Digest diffId = Digest.parse(TestTars.sha256(tar));
                ids.add(diffId);
                results.add(pool.submit(() -> {
                    start.await();
                    return store.unpack(null, diffId, () -> new ByteArrayInputStream(tar), ExtractOptions.overlay());
                }));
            }
            start.countDown();
            for (int i = 0; i < n; i++) assertThat(results.get(i).get().chainId()).isEqualTo(ids.get(i));
        }
        for (int i = 0; i < n; i++) {
            assertThat(store.exists(ids.get(i))).isTrue();
            assertThat(store.diffDir(ids.get(i)).resolve("l" + i + "/f49")).hasContent("layer " + i + " file 49");
        }
        assertThat(store.list()).hasSize(n);
        assertThat(tmpEntries(store.root())).isEmpty();
    }

    @Test
    void leftoversOfACrashAreRemoved() throws IOException {
        byte[] tar = TestTars.tar(t -> t.file("f", "x"));
        Digest diffId = Digest.parse(TestTars.sha256(tar));
        Path dead = store.root().resolve(".tmp").resolve(diffId.encoded() + "-deadbeef");
        Files.createDirectories(dead.resolve("diff/half"));
        Files.writeString(dead.resolve("diff/half/written"), "partial");
        Path other = store.root().resolve(".tmp").resolve("00" + diffId.encoded().substring(2) + "-del-cafe");
        Files.createDirectories(other.resolve("diff"));
        store.unpack(null, diffId, () -> new ByteArrayInputStream(tar), ExtractOptions.overlay());
        assertThat(dead).doesNotExist();
        assertThat(tmpEntries(store.root())).containsExactly(other.getFileName().toString());
        store.cleanupLeftovers();
        assertThat(tmpEntries(store.root())).isEmpty();
        assertThat(store.exists(diffId)).isTrue();
    }
}
