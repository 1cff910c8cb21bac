package dev.hako.image.registry;

import dev.hako.image.content.ContentStore;
import dev.hako.image.content.TestImages;
import dev.hako.image.reference.Reference;
import dev.hako.oci.image.Descriptor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** kill -9 of a process in the middle of a pull leaves a store the next pull completes and that verifies. */
class KillDuringPullTest {
    @TempDir Path tmp;

    @Test
    void pullResumesAfterKill9() throws Exception {
        try (TestRegistry registry = TestRegistry.start(tmp.resolve("registry"), TestRegistry.Options.plain())) {
            ContentStore src = ContentStore.open(tmp.resolve("src"));
            byte[] big = new byte[6 << 20];
            new Random(9).nextBytes(big);
            TestImages.Image img = TestImages.store(src, "v1", List.of(new TestImages.Layer(big,
                    dev.hako.oci.image.Digest.sha256("uncompressed".getBytes()))), "oci");
            Descriptor layer = img.layers().getFirst();
            Reference ref = Reference.parse(registry.host() + "/hako-test-kill:v1");
            RegistriesConf conf = RegistriesConf.parse("[[registry]]\nlocation = \"" + registry.host() + "\"\ninsecure = true\n", "t");
            try (RegistryClient c = RegistryClient.builder().registries(conf).certsDirs(List.of()).build()) {
                c.push(src, img.manifest(), ref, null, null);
            }

            Path storeDir = tmp.resolve("store");
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Process child = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                    SlowPullMain.class.getName(), storeDir.toString(), registry.host(), ref.toString())
                    .redirectErrorStream(true).redirectOutput(tmp.resolve("child.log").toFile()).start();
            try {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                ContentStore view = null;
                while (System.nanoTime() < deadline && child.isAlive()) {
                    if (view == null && Files.exists(storeDir.resolve("index.json"))) view = ContentStore.open(storeDir);
                    if (view != null && view.partialSize(layer.digest()) > (512 << 10)) break;
                    Thread.sleep(20);
                }
                assertThat(child.isAlive()).as("child still pulling: " + Files.readString(tmp.resolve("child.log"))).isTrue();
                child.destroyForcibly(); // SIGKILL
                assertThat(child.waitFor(10, TimeUnit.SECONDS)).isTrue();
                assertThat(child.exitValue()).isEqualTo(137);
            } finally {
                child.destroyForcibly();
            }

            ContentStore store = ContentStore.open(storeDir);
            long partial = store.partialSize(layer.digest());
            assertThat(partial).isPositive().isLessThan(layer.size());
            assertThat(store.has(layer.digest())).isFalse();
            assertThat(store.has(img.manifest().digest())).isFalse();

            List<Long> starts = new CopyOnWriteArrayList<>();
            RegistriesConf conf2 = RegistriesConf.parse("[[registry]]\nlocation = \"" + registry.host() + "\"\ninsecure = true\n", "t");
            try (RegistryClient c = RegistryClient.builder().registries(conf2).certsDirs(List.of()).build()) {
                PullResult r = c.pull(ref, null, store, new ProgressListener() {
                    @Override public void blobStarted(Descriptor blob, long offset) { if (blob.equals(layer)) starts.add(offset); }
                });
                assertThat(r.manifest().digest()).isEqualTo(img.manifest().digest());
            }
            assertThat(starts).hasSize(1);
            assertThat(starts.getFirst()).isGreaterThanOrEqualTo(partial); // resumed, not restarted
            assertThat(store.verify()).isEmpty();
            assertThat(store.partialSize(layer.digest())).isZero();
            try (var s = Files.list(storeDir.resolve("ingest"))) {
                assertThat(s.filter(Files::isDirectory).toList()).isEmpty();
            }
        }
    }
}
