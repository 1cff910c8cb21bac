package dev.hako.image.store;

import dev.hako.oci.image.Digest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ImageStoreTest {
    @TempDir Path root;

    static ImageRecord image(String seed) {
        Digest id = Digest.sha256(seed.getBytes(StandardCharsets.UTF_8));
        Digest m = Digest.sha256(("m" + seed).getBytes(StandardCharsets.UTF_8));
        return new ImageRecord(id, m, "application/vnd.oci.image.manifest.v1+json", null, null,
                "2026-01-01T00:00:00Z", null, 100, "linux/amd64", List.of(), List.of(), List.of());
    }

    @Test
    void addTagUntagAndResolveByEveryKey() {
        ImageStore store = new ImageStore(root);
        ImageRecord a = store.add(image("a"), List.of(ImageNames.normalize("busybox")),
                List.of("docker.io/library/busybox@" + image("a").manifestDigest()));
        assertThat(a.repoTags()).containsExactly("docker.io/library/busybox:latest");
        assertThat(Files.exists(root.resolve("images/images.json"))).isTrue();

        assertThat(store.resolve("busybox").id()).isEqualTo(a.id());
        assertThat(store.resolve("busybox:latest").id()).isEqualTo(a.id());
        assertThat(store.resolve("docker.io/library/busybox").id()).isEqualTo(a.id());
        assertThat(store.resolve(a.id().toString()).id()).isEqualTo(a.id());
        assertThat(store.resolve(a.id().encoded()).id()).isEqualTo(a.id());
        assertThat(store.resolve(a.id().shortHex()).id()).isEqualTo(a.id());
        assertThat(store.resolve("busybox@" + a.manifestDigest()).id()).isEqualTo(a.id());

        assertThatThrownBy(() -> store.resolve("foo")).isInstanceOf(NoSuchImageException.class)
                .hasMessage("No such image: foo:latest");
        assertThatThrownBy(() -> store.resolve("busybox:1.0")).hasMessage("No such image: busybox:1.0");

        // a new image taking the tag leaves the old one dangling
        ImageRecord b = store.add(image("b"), List.of("docker.io/library/busybox:latest"), List.of());
        assertThat(store.resolve("busybox").id()).isEqualTo(b.id());
        assertThat(store.get(a.id()).orElseThrow().dangling()).isTrue();

        store.tag(a.id(), ImageNames.normalize("127.0.0.1:5000/x:1"));
        assertThat(store.resolve("127.0.0.1:5000/x:1").id()).isEqualTo(a.id());
        assertThat(store.untag("docker.io/library/busybox:latest")).get().extracting(ImageRecord::id).isEqualTo(b.id());
        assertThat(store.delete(b.id())).isTrue();
        assertThat(store.list()).extracting(ImageRecord::id).containsExactly(a.id());
        // re-open: the state is on disk
        assertThat(new ImageStore(root).list()).hasSize(1);
    }

    @Test
    void familiarNames() {
        assertThat(ImageNames.familiar("docker.io/library/busybox:latest")).isEqualTo("busybox:latest");
        assertThat(ImageNames.familiarRepository("docker.io/library/busybox:latest")).isEqualTo("busybox");
        assertThat(ImageNames.familiarRepository("127.0.0.1:5000/a/b:1")).isEqualTo("127.0.0.1:5000/a/b");
        assertThat(ImageNames.tag("127.0.0.1:5000/a/b:1")).isEqualTo("1");
    }

    @Test
    void concurrentWritersLoseNothing() throws Exception {
        // two store instances (as two processes would) adding images in parallel
        ImageStore s1 = new ImageStore(root), s2 = new ImageStore(root);
        List<Future<?>> futures = new ArrayList<>();
        try (var ex = Executors.newFixedThreadPool(4)) {
            for (int i = 0; i < 40; i++) {
                ImageStore s = i % 2 == 0 ? s1 : s2;
                String seed = "img" + i;
                futures.add(ex.submit(() -> s.add(image(seed), List.of("docker.io/library/t:" + seed), List.of())));
            }
            for (Future<?> f : futures) f.get();
        }
        assertThat(s1.list()).hasSize(40);
        assertThat(s1.resolve("t:img7").id()).isEqualTo(image("img7").id());
    }

    @Test
    void ambiguousShortIdIsAnError() {
        ImageStore store = new ImageStore(root);
        // find two seeds whose IDs share a first hex digit
        List<ImageRecord> recs = new ArrayList<>();
        for (int i = 0; recs.size() < 2; i++) {
            ImageRecord r = image("s" + i);
            if (recs.isEmpty() || recs.getFirst().id().encoded().charAt(0) == r.id().encoded().charAt(0)) recs.add(r);
        }
        for (ImageRecord r : recs) store.add(r, List.of(), List.of());
        String prefix = recs.getFirst().id().encoded().substring(0, 1);
        assertThatThrownBy(() -> store.resolve(prefix)).hasMessageContaining("ambiguous");
    }
}
