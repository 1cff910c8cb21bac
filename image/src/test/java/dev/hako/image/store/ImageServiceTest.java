package dev.hako.image.store;

import dev.hako.oci.image.Digest;
import dev.hako.oci.image.Platform;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** ImageService without a registry: import, names, removal with the engine's "in use" hook, prune and GC. */
class ImageServiceTest {
    @TempDir Path root;

    static byte[] tar(String file, String content) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream t = new TarArchiveOutputStream(bytes)) {
            byte[] b = content.getBytes(StandardCharsets.UTF_8);
            TarArchiveEntry e = new TarArchiveEntry(file);
            e.setSize(b.length);
            e.setModTime(0);   // the same bytes every time: the same DiffID
            t.putArchiveEntry(e);
            t.write(b);
            t.closeArchiveEntry();
        }
        return bytes.toByteArray();
    }

    ImageRecord importOne(ImageService s, String name, String content) throws Exception {
        return s.importImage(new ByteArrayInputStream(tar("f", content)), name, List.of("CMD [\"/f\"]"), null,
                Platform.parse("linux/amd64"));
    }

    @Test
    void imageInUseIsNotRemovedWithoutForce() throws Exception {
        ImageService s = new ImageService(root, ImageService.Options.defaults().withGcGrace(Duration.ZERO));
        ImageRecord a = importOne(s, "a:1", "one");
        Set<Digest> used = ConcurrentHashMap.newKeySet();
        s.setImageUsage(id -> used.contains(id) ? List.of("0123456789abcdef0123") : List.of());
        used.add(a.id());
        assertThatThrownBy(() -> s.remove("a:1", false)).isInstanceOf(ImageConflictException.class)
                .hasMessage("conflict: unable to remove repository reference \"a:1\" (must force) - container 0123456789ab"
                        + " is using its referenced image " + a.id().shortHex());
        assertThatThrownBy(() -> s.remove(a.id().shortHex(), false)).isInstanceOf(ImageConflictException.class)
                .hasMessageContaining("image is being used by container 0123456789ab");
        // forced: the name goes, the image stays for its container
        Removal r = s.remove("a:1", true);
        assertThat(r.untagged()).containsExactly("a:1");
        assertThat(r.deleted()).isEmpty();
        assertThat(s.store().get(a.id())).isPresent();
        assertThat(s.layers().exists(a.topChainId())).isTrue();
        // prune -a keeps it while used, removes it after
        assertThat(s.prune(true).deleted()).isEmpty();
        used.clear();
        Removal pruned = s.prune(true);
        assertThat(pruned.deleted()).contains(a.id().toString(), a.topChainId().toString());
        assertThat(s.layers().exists(a.topChainId())).isFalse();
        assertThat(s.content().blobs()).isEmpty();
    }

    @Test
    void sharedLayersStayUntilTheLastImageGoes() throws Exception {
        ImageService s = new ImageService(root);
        ImageRecord a = importOne(s, "a:1", "same");
        ImageRecord b = importOne(s, "b:1", "same");
        // imported at different times: two images (two configs) over one layer
        assertThat(b.id()).isNotEqualTo(a.id());
        assertThat(b.topChainId()).isEqualTo(a.topChainId());
        s.tag("a:1", "a:2");
        assertThat(s.resolve("a:2").repoTags()).containsExactly("docker.io/library/a:1", "docker.io/library/a:2");
        assertThat(s.remove("a:1", false).deleted()).isEmpty();
        Removal gone = s.remove("a:2", false);
        assertThat(gone.deleted()).containsExactly(a.id().toString());
        assertThat(s.layers().exists(a.topChainId())).isTrue();
        Removal last = s.remove("b:1", false);
        assertThat(last.deleted()).containsExactly(b.id().toString(), b.topChainId().toString());
        assertThat(s.layers().exists(a.topChainId())).isFalse();
        assertThat(s.list()).isEmpty();
        assertThat(s.content().blobs()).isEmpty();
    }

    @Test
    void pruneCollectsOrphanBlobsAfterTheGracePeriod() throws Exception {
        ImageService keep = new ImageService(root);
        importOne(keep, "a:1", "x");
        var orphan = keep.content().put("application/octet-stream", "orphan".getBytes(StandardCharsets.UTF_8));
        keep.prune(false);
        assertThat(keep.content().has(orphan.digest())).as("young blobs survive the default grace").isTrue();
        ImageService now = new ImageService(root, ImageService.Options.defaults().withGcGrace(Duration.ZERO));
        Removal r = now.prune(false);
        assertThat(now.content().has(orphan.digest())).isFalse();
        assertThat(r.reclaimed()).isGreaterThanOrEqualTo(6);
        assertThat(now.list()).hasSize(1);
        assertThat(Files.exists(now.layers().diffDir(now.list().getFirst().topChainId()).resolve("f"))).isTrue();
    }

    @Test
    void historyAndInspectOfAnImport() throws Exception {
        ImageService s = new ImageService(root);
        ImageRecord a = s.importImage(new ByteArrayInputStream(tar("f", "content")), "a:1", List.of("ENV X=1"), "hello",
                Platform.parse("linux/arm64"));
        List<HistoryEntry> h = s.history("a:1");
        assertThat(h).hasSize(1);
        assertThat(h.getFirst().id()).isEqualTo(a.id().toString());
        assertThat(h.getFirst().comment()).isEqualTo("hello");
        assertThat(h.getFirst().size()).isEqualTo(a.size());
        var inspect = s.inspect("a:1");
        assertThat(inspect.get("Architecture")).isEqualTo("arm64");
        assertThat(inspect.get("Variant")).isEqualTo("v8");
        assertThat(inspect.get("Comment")).isEqualTo("hello");
        assertThat(inspect.get("RepoTags")).isEqualTo(List.of("a:1"));
        // a plain tarball is stored gzipped; the DiffID is still the plain tar's
        var m = s.content().readManifest(new dev.hako.oci.image.Descriptor(a.manifestMediaType(), a.manifestDigest(),
                s.content().size(a.manifestDigest())));
        var layer = m.layersOrEmpty().getFirst();
        assertThat(layer.mediaType()).isEqualTo(dev.hako.oci.image.MediaTypes.OCI_LAYER_GZIP);
        try (var in = new java.util.zip.GZIPInputStream(s.content().open(layer.digest()))) {
            assertThat(dev.hako.oci.image.Digest.sha256(in.readAllBytes())).isEqualTo(a.diffIds().getFirst());
        }
    }

    /** A layer the machine went down with before it was on disk is unpacked again from its blob before a container uses it. */
    @Test
    void ensureUnpackedRemakesALayerLeftUnsyncedByAnEarlierBoot() throws Exception {
        ImageService s = new ImageService(root);
        ImageRecord a = importOne(s, "durable:1", "whole");
        Digest chain = a.chainIds().getFirst();
        Path layerJson = s.layers().root().resolve(chain.encoded()).resolve("layer.json");
        Path file = s.layers().diffDir(chain).resolve("f");
        s.ensureUnpacked(a);   // trusted: nothing to do
        assertThat(file).hasContent("whole");

        dev.hako.image.layer.LayerDurabilityTest.fromEarlierBoot(layerJson);   // as the next boot sees it
        Files.write(file, new byte[0]);
        s.ensureUnpacked(a);
        assertThat(file).hasContent("whole");
        assertThat(s.layers().trusted(chain)).isTrue();

        // the blob is gone too: a clear error, not a torn layer
        dev.hako.image.layer.LayerDurabilityTest.fromEarlierBoot(layerJson);
        Digest layerBlob = s.content().readManifest(new dev.hako.oci.image.Descriptor(a.manifestMediaType(),
                a.manifestDigest(), s.content().size(a.manifestDigest()))).layersOrEmpty().getFirst().digest();
        Files.delete(s.content().blobPath(layerBlob));
        assertThatThrownBy(() -> s.ensureUnpacked(a)).isInstanceOf(ImageException.class)
                .hasMessageContaining("pull or load it again").hasMessageContaining(layerBlob.encoded());
    }
}
