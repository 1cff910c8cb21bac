package dev.hako.image.content;

import dev.hako.oci.Json;
import dev.hako.oci.image.Descriptor;
import dev.hako.oci.image.Digest;
import dev.hako.oci.image.Index;
import dev.hako.oci.image.MediaTypes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ContentStoreTest {
    @TempDir Path tmp;

    @Test
    void createsALayoutAndStoresBlobs() throws Exception {
        ContentStore s = ContentStore.open(tmp.resolve("store"));
        assertThat(Files.readString(tmp.resolve("store/oci-layout"))).isEqualTo("{\"imageLayoutVersion\":\"1.0.0\"}");
        assertThat(Json.read(tmp.resolve("store/index.json"), Index.class).manifestsOrEmpty()).isEmpty();
        byte[] c = "hello".getBytes(StandardCharsets.UTF_8);
        Descriptor d = s.put("text/plain", c);
        assertThat(d.digest()).isEqualTo(Digest.sha256(c));
        assertThat(s.has(d.digest())).isTrue();
        assertThat(Files.readAllBytes(tmp.resolve("store/blobs/sha256/" + d.digest().encoded()))).isEqualTo(c);
        assertThat(s.read(d, 100)).isEqualTo(c);
        assertThatThrownBy(() -> s.read(d, 3)).hasMessageContaining("over the limit of 3");
        assertThat(s.blobs()).containsExactly(d.digest());
        // idempotent
        assertThat(s.put("text/plain", c)).isEqualTo(d);
        assertThatThrownBy(() -> s.open(Digest.sha256(new byte[]{1}))).isInstanceOf(BlobNotFoundException.class)
                .hasMessageContaining(Digest.sha256(new byte[]{1}).toString());
    }

    @Test
    void refusesContentThatLiesAboutItsDigestOrSize() {
        ContentStore s = ContentStore.open(tmp);
        byte[] real = "real".getBytes(StandardCharsets.UTF_8);
        Digest claimed = Digest.sha256("claimed".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> s.put(new Descriptor("x", claimed, real.length), real))
                .isInstanceOf(DigestMismatchException.class)
                .hasMessageContaining("expected " + claimed).hasMessageContaining("got " + Digest.sha256(real));
        assertThat(s.has(claimed)).isFalse();
        assertThat(s.partialSize(claimed)).isZero();
        // longer than declared: refused while writing, before anything is visible
        Digest rd = Digest.sha256(real);
        assertThatThrownBy(() -> s.put(new Descriptor("x", rd, 2), real))
                .isInstanceOf(DigestMismatchException.class).hasMessageContaining("expected 2 bytes");
        // shorter than declared (truncated): refused at commit
        try (BlobWriter w = s.writer(new Descriptor("x", rd, real.length))) {
            w.write(real, 0, 2);
            assertThatThrownBy(w::commit).isInstanceOf(DigestMismatchException.class)
                    .hasMessageContaining("expected 4 bytes, got 2");
        }
        assertThat(s.has(rd)).isFalse();
        assertThat(s.blobs()).isEmpty();
    }

    @Test
    void theVerifiedHookRunsAfterVerificationAndBeforeTheBlobIsVisible() {
        ContentStore s = ContentStore.open(tmp);
        byte[] c = "verified content".getBytes(StandardCharsets.UTF_8);
        Descriptor d = new Descriptor("x", Digest.sha256(c), c.length);
        List<Boolean> visibleInHook = new java.util.ArrayList<>();
        try (BlobWriter w = s.writer(d)) {
            w.write(c, 0, c.length);
            assertThat(w.commit(() -> visibleInHook.add(s.has(d.digest())))).isEqualTo(d);
        }
        assertThat(visibleInHook).containsExactly(false);
        assertThat(s.has(d.digest())).isTrue();
        // wrong content: the hook never runs
        Descriptor lie = new Descriptor("x", Digest.sha256("other".getBytes(StandardCharsets.UTF_8)), c.length);
        AtomicBoolean ran = new AtomicBoolean();
        try (BlobWriter w = s.writer(lie)) {
            w.write(c, 0, c.length);
            assertThatThrownBy(() -> w.commit(() -> ran.set(true))).isInstanceOf(DigestMismatchException.class);
        }
        assertThat(ran).isFalse();
        assertThat(s.has(lie.digest())).isFalse();
    }

    @Test
    void resumesAPartialWrite() {
        ContentStore s = ContentStore.open(tmp);
        byte[] c = new byte[200_000];
        new java.util.Random(1).nextBytes(c);
        Descriptor d = new Descriptor("application/octet-stream", Digest.sha256(c), c.length);
        try (BlobWriter w = s.writer(d)) {
            w.write(c, 0, 70_000);
        } // abandoned, like a killed pull
        assertThat(s.has(d.digest())).isFalse();
        assertThat(s.partialSize(d.digest())).isEqualTo(70_000);
        // a fresh store instance (another process would be the same) resumes where it stopped
        ContentStore s2 = ContentStore.open(tmp);
        try (BlobWriter w = s2.writer(d)) {
            assertThat(w.offset()).isEqualTo(70_000);
            w.write(c, 70_000, c.length - 70_000);
            w.commit();
        }
        assertThat(s.has(d.digest())).isTrue();
        assertThat(s.partialSize(d.digest())).isZero();
        assertThat(s.verify()).isEmpty();
    }

    @Test
    void resumingWithWrongPrefixIsCaughtAtCommit() {
        ContentStore s = ContentStore.open(tmp);
        byte[] c = "0123456789".getBytes(StandardCharsets.UTF_8);
        Descriptor d = new Descriptor("x", Digest.sha256(c), c.length);
        try (BlobWriter w = s.writer(d)) { w.write("XXXX".getBytes(), 0, 4); }
        try (BlobWriter w = s.writer(d)) {
            assertThat(w.offset()).isEqualTo(4);
            w.write(c, 4, 6);
            assertThatThrownBy(w::commit).isInstanceOf(DigestMismatchException.class);
        }
        assertThat(s.partialSize(d.digest())).isZero(); // bad partial dropped, next try starts clean
        s.put(d, c);
        assertThat(s.has(d.digest())).isTrue();
    }

    @Test
    void concurrentWritersOfOneDigestShareTheWork() throws Exception {
        ContentStore s = ContentStore.open(tmp);
        byte[] c = new byte[100_000];
        new java.util.Random(2).nextBytes(c);
        Descriptor d = new Descriptor("x", Digest.sha256(c), c.length);
        CountDownLatch firstHasLock = new CountDownLatch(1);
        CountDownLatch secondStarted = new CountDownLatch(1);
        AtomicBoolean secondSawExisting = new AtomicBoolean();
        try (var ex = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<?> first = ex.submit(() -> {
                try (BlobWriter w = s.writer(d)) {
                    firstHasLock.countDown();
                    w.write(c, 0, 50_000);
                    secondStarted.await(10, TimeUnit.SECONDS);
                    Thread.sleep(100); // let the second block on the lock
                    w.write(c, 50_000, 50_000);
                    w.commit();
                }
                return null;
            });
            firstHasLock.await();
            Future<?> second = ex.submit(() -> {
                secondStarted.countDown();
                try (BlobWriter w = s.writer(d)) {
                    secondSawExisting.set(w.alreadyExists());
                    if (!w.alreadyExists()) { w.write(c, 0, c.length); w.commit(); }
                }
                return null;
            });
            first.get(30, TimeUnit.SECONDS);
            second.get(30, TimeUnit.SECONDS);
        }
        assertThat(secondSawExisting).isTrue();
        assertThat(s.verify()).isEmpty();
        assertThat(Files.list(tmp.resolve("ingest")).filter(Files::isDirectory).toList()).isEmpty();
    }

    @Test
    void manyWritersManyDigestsInParallel() throws Exception {
        ContentStore s = ContentStore.open(tmp);
        try (var ex = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Descriptor>> fs = new java.util.ArrayList<>();
            for (int i = 0; i < 40; i++) {
                byte[] c = ("blob " + (i % 10)).getBytes(StandardCharsets.UTF_8); // 4 writers per digest
                fs.add(ex.submit(() -> { Descriptor d = new Descriptor("x", Digest.sha256(c), c.length); s.put(d, c); return d; }));
            }
            for (var f : fs) assertThat(s.has(f.get(30, TimeUnit.SECONDS).digest())).isTrue();
        }
        assertThat(s.blobs()).hasSize(10);
        assertThat(s.verify()).isEmpty();
    }

    @Test
    void unknownDigestWriterComputesIt() throws Exception {
        ContentStore s = ContentStore.open(tmp);
        byte[] c = "stream".getBytes(StandardCharsets.UTF_8);
        Descriptor d = s.put(MediaTypes.OCI_LAYER_TAR, new java.io.ByteArrayInputStream(c));
        assertThat(d).isEqualTo(new Descriptor(MediaTypes.OCI_LAYER_TAR, Digest.sha256(c), c.length));
        assertThat(s.has(d.digest())).isTrue();
        try (BlobWriter w = s.writer("x")) { w.write(c, 0, 2); } // abandoned: no partial kept
        assertThat(Files.list(tmp.resolve("ingest")).filter(Files::isDirectory).toList()).isEmpty();
    }

    @Test
    void tagsLiveInIndexJson() throws Exception {
        ContentStore s = ContentStore.open(tmp);
        TestImages.Image a = TestImages.small(s, "a", "a");
        TestImages.Image b = TestImages.small(s, "b", "b");
        assertThat(s.resolve("a")).map(Descriptor::digest).contains(a.manifest().digest());
        assertThat(s.index().manifestsOrEmpty()).hasSize(2);
        s.tag("a", b.manifest()); // retag moves the name
        assertThat(s.resolve("a")).map(Descriptor::digest).contains(b.manifest().digest());
        assertThat(s.index().manifestsOrEmpty()).hasSize(2);
        assertThat(s.untag("a")).isTrue();
        assertThat(s.untag("a")).isFalse();
        assertThat(s.resolve("a")).isEmpty();
        assertThat(s.readManifest(b.manifest()).layers()).isEqualTo(b.layers());
        assertThatThrownBy(() -> s.tag("bad name", b.manifest())).hasMessageContaining("invalid ref name");
        // concurrent tagging from many threads: no lost updates
        try (var ex = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 30; i++) { int n = i; ex.submit(() -> s.tag("t" + n, b.manifest())); }
        }
        assertThat(s.index().manifestsOrEmpty()).hasSize(31);
    }

    @Test
    void gcDeletesOnlyUnreferencedBlobs() throws Exception {
        ContentStore s = ContentStore.open(tmp);
        TestImages.Image keep = TestImages.small(s, "keep", "keep");
        TestImages.Image drop = TestImages.small(s, "drop", "drop");
        TestImages.Image pinned = TestImages.small(s, null, "pinned");
        Descriptor stray = s.put("x", "stray".getBytes());
        s.untag("drop");
        try (BlobWriter w = s.writer(new Descriptor("x", Digest.sha256("partial!".getBytes()), 8))) {
            w.write("part".getBytes(), 0, 4);
        }
        // young blobs are protected by the grace period
        assertThat(s.gc(Set.of(), Duration.ofMinutes(5)).removed()).isEmpty();
        ContentStore.GcResult r = s.gc(Set.of(pinned.manifest().digest()), Duration.ZERO);
        assertThat(r.removed()).containsExactlyInAnyOrder(drop.manifest().digest(), drop.config().digest(),
                drop.layers().getFirst().digest(), stray.digest());
        assertThat(r.partialsRemoved()).isEqualTo(1);
        assertThat(r.bytesFreed()).isPositive();
        for (Descriptor d : keep.parsed().blobs()) assertThat(s.has(d.digest())).isTrue();
        assertThat(s.has(keep.manifest().digest())).isTrue();
        assertThat(s.has(pinned.config().digest())).isTrue();
        assertThat(s.verify()).isEmpty();
    }

    @Test
    void reachableFollowsIndexes() throws Exception {
        ContentStore s = ContentStore.open(tmp);
        TestImages.Image a = TestImages.small(s, null, "x");
        Index idx = new Index(MediaTypes.OCI_INDEX, List.of(a.manifest(),
                new Descriptor(MediaTypes.OCI_MANIFEST, Digest.sha256("missing".getBytes()), 7)));
        Descriptor id = s.put(MediaTypes.OCI_INDEX, Json.bytes(idx));
        assertThat(s.reachable(List.of(id.digest()))).contains(id.digest(), a.manifest().digest(), a.config().digest(),
                a.layers().getFirst().digest());
    }

    @Test
    void damagedBlobIsDetected() throws Exception {
        ContentStore s = ContentStore.open(tmp);
        Descriptor d = s.put("x", "{\"a\":1}".getBytes());
        Files.writeString(s.blobPath(d.digest()), "{\"a\":2}");
        assertThat(s.verify()).containsExactly(d.digest());
        assertThatThrownBy(() -> s.read(d, 100)).isInstanceOf(DigestMismatchException.class).hasMessageContaining("damaged");
    }
}
