package dev.hako.image.content;

import dev.hako.oci.Json;
import dev.hako.oci.image.Descriptor;
import dev.hako.oci.image.ImageConfig;
import dev.hako.oci.image.Manifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The store is an OCI layout the real tools read, and hako reads layouts they write. */
class ContentStoreInteropTest {
    @TempDir Path tmp;

    @Test
    void skopeoAndUmociReadWhatHakoWrote() throws Exception {
        Path dir = tmp.resolve("store");
        ContentStore s = ContentStore.open(dir);
        TestImages.Image img = TestImages.busybox(s, "v1", tmp);
        TestImages.small(s, "other", "other");

        var inspect = TestImages.exec(List.of("skopeo", "inspect", "oci:" + dir + ":v1"));
        assertThat(inspect.code()).as(inspect.output()).isZero();
        assertThat(inspect.output()).contains("\"Digest\": \"" + img.manifest().digest() + "\"")
                .contains("\"Architecture\": \"amd64\"").contains(img.layers().getFirst().digest().toString());

        var ls = TestImages.exec(List.of("umoci", "ls", "--layout", dir.toString()));
        assertThat(ls.code()).as(ls.output()).isZero();
        assertThat(ls.output().lines().toList()).contains("v1", "other");

        Path out = tmp.resolve("dircopy");
        var copy = TestImages.exec(List.of("skopeo", "copy", "oci:" + dir + ":v1", "dir:" + out));
        assertThat(copy.code()).as(copy.output()).isZero();
        assertThat(Files.readAllBytes(out.resolve("manifest.json"))).isEqualTo(s.read(img.manifest(), ContentStore.MAX_MANIFEST_SIZE));
        assertThat(Files.readAllBytes(out.resolve(img.layers().getFirst().digest().encoded())))
                .isEqualTo(Files.readAllBytes(s.blobPath(img.layers().getFirst().digest())));

        // umoci can unpack it (reads and verifies every blob)
        Path bundle = tmp.resolve("bundle");
        var unpack = TestImages.exec(List.of("umoci", "unpack", "--image", dir + ":v1", bundle.toString()));
        assertThat(unpack.code()).as(unpack.output()).isZero();
        assertThat(Files.isRegularFile(bundle.resolve("rootfs/bin/busybox"))).isTrue();
    }

    @Test
    void hakoReadsALayoutSkopeoWrote() throws Exception {
        Path src = tmp.resolve("src");
        ContentStore s = ContentStore.open(src);
        TestImages.Image img = TestImages.small(s, "v1", "interop");
        // a dir: image → skopeo writes a fresh OCI layout (recompresses nothing, keeps digests)
        Path dirImage = tmp.resolve("dirimg");
        assertThat(TestImages.exec(List.of("skopeo", "copy", "oci:" + src + ":v1", "dir:" + dirImage)).code()).isZero();
        Path layout = tmp.resolve("skopeo-layout");
        var copy = TestImages.exec(List.of("skopeo", "copy", "dir:" + dirImage, "oci:" + layout + ":copied"));
        assertThat(copy.code()).as(copy.output()).isZero();

        ContentStore theirs = ContentStore.open(layout);
        Descriptor md = theirs.resolve("copied").orElseThrow();
        Manifest m = theirs.readManifest(md);
        assertThat(m.layers()).extracting(Descriptor::digest).containsExactlyElementsOf(
                img.layers().stream().map(Descriptor::digest).toList());
        ImageConfig cfg = Json.parse(theirs.read(m.config(), ContentStore.MAX_CONFIG_SIZE), ImageConfig.class);
        assertThat(cfg.config().cmd()).containsExactly("sh");
        assertThat(theirs.verify()).isEmpty();
        // through a docker-archive too (skopeo rewrites it as Docker schema 2 with uncompressed layers)
        Path archive = tmp.resolve("img.tar");
        var save = TestImages.exec(List.of("skopeo", "copy", "oci:" + src + ":v1", "docker-archive:" + archive + ":hako/test:v1"));
        assertThat(save.code()).as(save.output()).isZero();
        Path layout2 = tmp.resolve("from-archive");
        var load = TestImages.exec(List.of("skopeo", "copy", "docker-archive:" + archive, "oci:" + layout2 + ":loaded"));
        assertThat(load.code()).as(load.output()).isZero();
        ContentStore fromArchive = ContentStore.open(layout2);
        Manifest m2 = fromArchive.readManifest(fromArchive.resolve("loaded").orElseThrow());
        ImageConfig cfg2 = Json.parse(fromArchive.read(m2.config(), ContentStore.MAX_CONFIG_SIZE), ImageConfig.class);
        assertThat(cfg2.diffIds()).isEqualTo(cfg.diffIds());
        assertThat(m2.layers()).hasSize(1);
        assertThat(fromArchive.verify()).isEmpty();

        // and hako can add to it and skopeo still reads it
        TestImages.small(theirs, "added", "added");
        assertThat(TestImages.exec(List.of("skopeo", "inspect", "oci:" + layout + ":added")).code()).isZero();
        assertThat(TestImages.exec(List.of("skopeo", "inspect", "oci:" + layout + ":copied")).code()).isZero();
    }
}
