package dev.hako.image.store;

import dev.hako.image.content.ContentStore;
import dev.hako.image.content.TestImages;
import dev.hako.image.reference.Reference;
import dev.hako.image.registry.RegistriesConf;
import dev.hako.image.registry.RegistryClient;
import dev.hako.image.registry.TestRegistry;
import dev.hako.oci.image.Digest;
import dev.hako.oci.image.Platform;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Two ImageService instances over one root, used by threads at once: what two hako commands in one warm JVM do.
 * Their stores lock through flock, so they exclude each other as two processes would; no update is lost.
 */
class ConcurrentImageServicesTest {
    @TempDir Path root;

    @Test
    void twoServicesImportTagAndRemoveConcurrently() throws Exception {
        ImageService[] services = {new ImageService(root), new ImageService(root)};
        int threads = 6, rounds = 3;
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> all = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                ImageService s = services[t % 2];
                String repo = "hako-locks-img-" + t;
                int thread = t;
                all.add(pool.submit(() -> {
                    for (int r = 0; r < rounds; r++) {
                        byte[] tar = tar(Map.of("shared", "same for all", "own", repo + " round " + r));
                        ImageRecord rec = s.importImage(new ByteArrayInputStream(tar), repo + ":r" + r, List.of("CMD [\"sh\"]"),
                                "thread " + thread, Platform.host());
                        s.tag(repo + ":r" + r, repo + ":latest");
                        assertEquals(rec.id(), s.resolve(repo + ":latest").id());
                        assertTrue(s.list().stream().anyMatch(x -> x.id().equals(rec.id())), "the import is listed");
                        if (r > 0) s.remove(repo + ":r" + (r - 1), false);
                    }
                    return null;
                }));
            }
            for (Future<?> f : all) f.get(120, TimeUnit.SECONDS);
        }

        // a fresh service sees exactly what the threads left: per thread, the last round under two names
        ImageService fresh = new ImageService(root);
        Map<String, Integer> tags = new TreeMap<>();
        for (ImageRecord r : fresh.list()) for (String tag : r.repoTags()) tags.merge(tag, 1, Integer::sum);
        assertEquals(threads * 2, tags.size(), tags.toString());
        assertEquals(threads, fresh.list().size(), "one image per thread: " + tags);

        // and removing from both services at once leaves nothing
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> all = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                ImageService s = services[t % 2];
                String repo = "hako-locks-img-" + t;
                all.add(pool.submit(() -> s.remove(repo + ":r" + (rounds - 1), false)));
                all.add(pool.submit(() -> services[(s == services[0]) ? 1 : 0].remove(repo + ":latest", false)));
            }
            for (Future<?> f : all) f.get(120, TimeUnit.SECONDS);
        }
        assertEquals(List.of(), new ImageService(root).list());
    }

    /** Both services pull the same two images at once from a local registry: shared blobs, layers and records. */
    @Test
    void twoServicesPullTheSameImagesConcurrently(@TempDir Path tmp) throws Exception {
        try (TestRegistry registry = TestRegistry.start(tmp.resolve("registry"), TestRegistry.Options.plain());
             RegistryClient client = RegistryClient.builder().registries(RegistriesConf.parse(
                     "[[registry]]\nlocation = \"" + registry.host() + "\"\ninsecure = true\n", "test")).build()) {
            ContentStore src = ContentStore.open(tmp.resolve("src"));
            String repo = registry.host() + "/hako-locks-pull";
            Map<String, Digest> pushed = new TreeMap<>();
            for (String tag : List.of("v1", "v2")) {
                TestImages.Image img = TestImages.small(src, tag, "locks " + tag);
                client.push(src, img.manifest(), Reference.parse(repo + ":" + tag), null, null);
                pushed.put(repo + ":" + tag, img.config().digest());
            }
            ImageService[] services = {new ImageService(root), new ImageService(root)};
            try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
                List<Future<?>> all = new ArrayList<>();
                for (int t = 0; t < 6; t++) {
                    ImageService s = services[t % 2];
                    String ref = repo + ":" + (t % 3 == 0 ? "v1" : "v2");
                    all.add(pool.submit(() -> s.pull(ref, null, ProgressListener.NONE)));
                }
                for (Future<?> f : all) f.get(120, TimeUnit.SECONDS);
            }
            ImageService fresh = new ImageService(root);
            for (var e : pushed.entrySet()) assertEquals(e.getValue(), fresh.resolve(e.getKey()).id(), e.getKey());
            assertEquals(2, fresh.list().size(), fresh.list().toString());
            assertEquals(List.of(), fresh.content().verify(), "every blob intact");

            try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
                var a = pool.submit(() -> services[0].remove(repo + ":v1", false));
                var b = pool.submit(() -> services[1].remove(repo + ":v2", false));
                a.get(60, TimeUnit.SECONDS);
                b.get(60, TimeUnit.SECONDS);
            }
            assertEquals(List.of(), new ImageService(root).list());
        }
    }

    private static byte[] tar(Map<String, String> files) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (TarArchiveOutputStream out = new TarArchiveOutputStream(b)) {
            for (var e : new TreeMap<>(files).entrySet()) {
                byte[] data = e.getValue().getBytes(StandardCharsets.UTF_8);
                TarArchiveEntry te = new TarArchiveEntry(e.getKey());
                te.setSize(data.length);
                te.setMode(0644);
                te.setModTime(0);
                out.putArchiveEntry(te);
                out.write(data);
                out.closeArchiveEntry();
            }
        }
        return b.toByteArray();
    }
}
