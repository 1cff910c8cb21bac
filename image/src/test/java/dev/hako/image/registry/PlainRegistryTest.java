package dev.hako.image.registry;

import dev.hako.image.content.ContentStore;
import dev.hako.image.content.TestImages;
import dev.hako.image.reference.Reference;
import dev.hako.oci.Json;
import dev.hako.oci.image.Descriptor;
import dev.hako.oci.image.Index;
import dev.hako.oci.image.MediaTypes;
import dev.hako.oci.image.Platform;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Round trips against a real docker-registry over plain http (marked insecure in registries.conf). */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PlainRegistryTest {
    Path tmp;
    TestRegistry registry;
    RegistryClient client;

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        tmp = dir;
        registry = TestRegistry.start(tmp.resolve("registry"), TestRegistry.Options.plain());
        client = clientFor(conf(""));
    }

    @AfterAll
    void stop() {
        if (client != null) client.close();
        if (registry != null) registry.close();
    }

    RegistriesConf conf(String extra) {
        return RegistriesConf.parse("""
                [[registry]]
                location = "%s"
                insecure = true
                """.formatted(registry.host()) + extra, "test");
    }

    RegistryClient clientFor(RegistriesConf c) {
        return RegistryClient.builder().registries(c).certsDirs(List.of()).retryDelay(Duration.ofMillis(20)).maxAttempts(3).build();
    }

    static String repo() { return "hako-test-reg-" + UUID.randomUUID().toString().substring(0, 8); }

    Path dir(String name) throws Exception { return Files.createTempDirectory(tmp, name); }

    /** Records outcomes per blob. */
    static final class Outcomes implements ProgressListener {
        final Map<String, BlobOutcome> map = new ConcurrentHashMap<>();
        @Override public void blobDone(Descriptor blob, BlobOutcome outcome) { map.put(blob.digest().toString(), outcome); }
    }

    @Test
    void pushThenPullGivesTheSameDigests() throws Exception {
        ContentStore src = ContentStore.open(dir("src"));
        TestImages.Image img = TestImages.busybox(src, "v1", dir("bb"));
        Reference ref = Reference.parse(registry.host() + "/" + repo() + ":v1");
        Outcomes pushed = new Outcomes();
        Descriptor m = client.push(src, img.manifest(), ref, null, pushed);
        assertThat(m.digest()).isEqualTo(img.manifest().digest());
        assertThat(pushed.map.values()).containsOnly(ProgressListener.BlobOutcome.PUSHED).hasSize(2);

        ContentStore dst = ContentStore.open(dir("dst"));
        Outcomes pulled = new Outcomes();
        PullResult r = client.pull(ref, Platform.parse("linux/amd64"), dst, pulled);
        assertThat(r.manifest().digest()).isEqualTo(img.manifest().digest());
        assertThat(r.config().digest()).isEqualTo(img.config().digest());
        assertThat(r.index()).isNull();
        assertThat(r.parsed().layers()).isEqualTo(img.layers());
        assertThat(r.imageConfig().config().cmd()).containsExactly("sh");
        assertThat(pulled.map.values()).containsOnly(ProgressListener.BlobOutcome.DOWNLOADED);
        assertThat(dst.verify()).isEmpty();
        for (Descriptor d : img.parsed().blobs())
            assertThat(Files.readAllBytes(dst.blobPath(d.digest()))).isEqualTo(Files.readAllBytes(src.blobPath(d.digest())));

        // a second pull finds everything local; a second push finds everything remote
        Outcomes again = new Outcomes();
        client.pull(ref, null, dst, again);
        assertThat(again.map.values()).containsOnly(ProgressListener.BlobOutcome.ALREADY_LOCAL);
        Outcomes again2 = new Outcomes();
        client.push(src, img.manifest(), ref.withTag("v2"), null, again2);
        assertThat(again2.map.values()).containsOnly(ProgressListener.BlobOutcome.ALREADY_REMOTE);
        assertThat(client.listTags(ref)).containsExactlyInAnyOrder("v1", "v2");
        client.push(src, img.manifest(), ref.withTag("v3"), null, null);
        assertThat(client.listTags(ref, 1)).containsExactly("v1", "v2", "v3"); // three pages, following Link
        assertThat(client.headManifest(ref)).map(Descriptor::digest).contains(img.manifest().digest());
        assertThat(client.headManifest(ref.withTag("nope"))).isEmpty();

        // skopeo reads what hako pushed
        var inspect = TestImages.exec(List.of("skopeo", "inspect", "--tls-verify=false", "docker://" + ref));
        assertThat(inspect.code()).as(inspect.output()).isZero();
        assertThat(inspect.output()).contains(img.manifest().digest().toString());
    }

    /** Records queue, start and end of every blob, in the order they happen. */
    static final class Events implements ProgressListener {
        final List<String> log = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        final Map<String, Integer> names;
        Events(Map<String, Integer> names) { this.names = names; }
        String n(Descriptor d) { return "L" + names.getOrDefault(d.digest().toString(), -1); }
        @Override public void blobQueued(Descriptor blob, boolean waiting) { log.add(n(blob) + (waiting ? " waiting" : " queued")); }
        @Override public void blobStarted(Descriptor blob, long offset) { log.add(n(blob) + " started"); }
        @Override public void blobDone(Descriptor blob, BlobOutcome outcome) { log.add(n(blob) + " done"); }
    }

    @Test
    void blobsBeyondTheParallelTransfersWaitTheirTurnInOrder() throws Exception {
        ContentStore src = ContentStore.open(dir("src"));
        List<TestImages.Layer> ls = new java.util.ArrayList<>();
        for (int i = 0; i < 3; i++) ls.add(TestImages.layer(Map.of("f" + i, ("layer " + i + " " + UUID.randomUUID()).getBytes())));
        TestImages.Image img = TestImages.store(src, "v1", ls, "oci");
        Map<String, Integer> names = new java.util.HashMap<>();
        for (int i = 0; i < 3; i++) names.put(img.layers().get(i).digest().toString(), i);
        names.put(img.config().digest().toString(), 9);
        Reference ref = Reference.parse(registry.host() + "/" + repo() + ":q");
        try (RegistryClient one = RegistryClient.builder().registries(conf("")).certsDirs(List.of()).parallelDownloads(1).build()) {
            Events pushed = new Events(names);
            one.push(src, img.manifest(), ref, null, pushed);
            // layers in order, then the config: the first takes the one slot, the others wait
            assertThat(pushed.log.stream().filter(e -> e.endsWith("queued") || e.endsWith("waiting")))
                    .containsExactly("L0 queued", "L1 waiting", "L2 waiting", "L9 waiting");

            Events pulled = new Events(names);
            ContentStore dst = ContentStore.open(dir("dst"));
            one.pull(ref, null, dst, pulled);
            assertThat(pulled.log.stream().filter(e -> !e.startsWith("L9")).toList()).containsExactly(
                    "L0 queued", "L1 waiting", "L2 waiting",
                    "L0 started", "L0 done", "L1 started", "L1 done", "L2 started", "L2 done");
            assertThat(dst.verify()).isEmpty();

            // blobs already here are not queued for a slot: nothing waits
            Events again = new Events(names);
            one.pull(ref, null, dst, again);
            assertThat(again.log).noneMatch(e -> e.endsWith("waiting") || e.endsWith("queued") || e.endsWith("started"));
        }
    }

    @Test
    void chunkedUploadAndCrossRepoMount() throws Exception {
        ContentStore src = ContentStore.open(dir("src"));
        TestImages.Image img = TestImages.busybox(src, "v1", dir("bb"));
        assertThat(img.layers().getFirst().size()).isGreaterThan(3 * 65536);
        Reference a = Reference.parse(registry.host() + "/" + repo() + ":chunked");
        try (RegistryClient chunky = RegistryClient.builder().registries(conf("")).certsDirs(List.of()).chunkSize(65536).build()) {
            chunky.push(src, img.manifest(), a, null, null);
        }
        Reference b = Reference.parse(registry.host() + "/" + repo() + ":mounted");
        Outcomes o = new Outcomes();
        client.push(src, img.manifest(), b, a, o);
        assertThat(o.map.values()).containsOnly(ProgressListener.BlobOutcome.MOUNTED);
        ContentStore dst = ContentStore.open(dir("dst"));
        assertThat(client.pull(b, null, dst, null).manifest().digest()).isEqualTo(img.manifest().digest());
        assertThat(dst.verify()).isEmpty();
    }

    @Test
    void skopeoPushesHakoPulls() throws Exception {
        ContentStore src = ContentStore.open(dir("src"));
        TestImages.Image img = TestImages.small(src, "v1", "skopeo");
        Reference ref = Reference.parse(registry.host() + "/" + repo() + ":s");
        var copy = TestImages.exec(List.of("skopeo", "copy", "--dest-tls-verify=false", "oci:" + src.root() + ":v1", "docker://" + ref));
        assertThat(copy.code()).as(copy.output()).isZero();
        ContentStore dst = ContentStore.open(dir("dst"));
        PullResult r = client.pull(ref, null, dst, null);
        assertThat(r.parsed().layers()).extracting(Descriptor::digest).containsExactlyElementsOf(
                img.layers().stream().map(Descriptor::digest).toList());
        assertThat(dst.verify()).isEmpty();
    }

    @Test
    void selectsThePlatformFromAnIndex() throws Exception {
        ContentStore src = ContentStore.open(dir("src"));
        TestImages.Image amd = TestImages.small(src, null, "amd64");
        TestImages.Image arm = TestImages.small(src, null, "arm64");
        Index idx = new Index(MediaTypes.OCI_INDEX, List.of(
                amd.manifest().withPlatform(new Platform("linux", "amd64", null)),
                arm.manifest().withPlatform(new Platform("linux", "arm64", "v8"))));
        Descriptor id = src.put(MediaTypes.OCI_INDEX, Json.bytes(idx));
        Reference ref = Reference.parse(registry.host() + "/" + repo() + ":multi");
        assertThat(client.push(src, id, ref, null, null).digest()).isEqualTo(id.digest());

        ContentStore dst = ContentStore.open(dir("dst"));
        PullResult r = client.pull(ref, Platform.parse("linux/arm64"), dst, null);
        assertThat(r.index().digest()).isEqualTo(id.digest());
        assertThat(r.manifest().digest()).isEqualTo(arm.manifest().digest());
        assertThat(dst.has(amd.config().digest())).isFalse();
        assertThat(client.pull(ref, Platform.parse("linux/amd64"), dst, null).manifest().digest()).isEqualTo(amd.manifest().digest());
        // by digest
        assertThat(client.pull(ref.withTag(null).withDigest(arm.manifest().digest()), null, dst, null).index()).isNull();
        assertThatThrownBy(() -> client.pull(ref, Platform.parse("linux/s390x"), dst, null))
                .isInstanceOf(RegistryException.class)
                .hasMessageContaining("no image for platform linux/s390x").hasMessageContaining("linux/amd64, linux/arm64/v8");
    }

    @Test
    void followsAnIndexNestedInAnIndex() throws Exception {
        ContentStore src = ContentStore.open(dir("nsrc"));
        TestImages.Image arm = TestImages.small(src, null, "nested-arm64");
        Index inner = new Index(MediaTypes.OCI_INDEX, List.of(arm.manifest().withPlatform(new Platform("linux", "arm64", "v8"))));
        Descriptor innerDesc = src.put(MediaTypes.OCI_INDEX, Json.bytes(inner));
        Descriptor outer = src.put(MediaTypes.OCI_INDEX, Json.bytes(new Index(MediaTypes.OCI_INDEX, List.of(innerDesc))));
        Reference ref = Reference.parse(registry.host() + "/" + repo() + ":nested");
        client.push(src, outer, ref, null, null);

        ContentStore dst = ContentStore.open(dir("ndst"));
        PullResult r = client.pull(ref, Platform.parse("linux/arm64"), dst, null);
        assertThat(r.index().digest()).isEqualTo(outer.digest());
        assertThat(r.manifest().digest()).isEqualTo(arm.manifest().digest());
        assertThat(dst.has(innerDesc.digest())).isTrue();
        assertThat(dst.reachable(List.of(outer.digest()))).contains(innerDesc.digest(), arm.config().digest());
        assertThatThrownBy(() -> client.pull(ref, Platform.parse("linux/s390x"), dst, null))
                .hasMessageContaining("no image for platform linux/s390x").hasMessageContaining("linux/arm64/v8");
    }

    @Test
    void errorsNameImageStatusAndUrl() {
        Reference missing = Reference.parse(registry.host() + "/" + repo() + ":nope");
        ContentStore dst = ContentStore.open(tmp.resolve("err"));
        assertThatThrownBy(() -> client.pull(missing, null, dst, null))
                .isInstanceOf(RegistryException.class)
                .hasMessageStartingWith("pull " + missing + ": ")
                .hasMessageContaining("(404 MANIFEST_UNKNOWN)")
                .hasMessageContaining("at http://" + registry.host() + "/v2/" + missing.repository() + "/manifests/nope")
                .satisfies(e -> assertThat(((RegistryException) e).isNotFound()).isTrue());
    }

    @Test
    void unreachableHostFailsAfterBoundedRetries() throws Exception {
        int port = TestRegistry.freePort();
        RegistriesConf c = RegistriesConf.parse("[[registry]]\nlocation = \"127.0.0.1:" + port + "\"\ninsecure = true\n", "t");
        try (RegistryClient cl = clientFor(c)) {
            Reference ref = Reference.parse("127.0.0.1:" + port + "/x:y");
            assertThatThrownBy(() -> cl.pull(ref, null, ContentStore.open(tmp.resolve("unreach")), null))
                    .isInstanceOf(RegistryException.class)
                    .hasMessageContaining("pull 127.0.0.1:" + port + "/x:y: cannot connect to 127.0.0.1:" + port);
        }
    }

    @Test
    void mirrorsAreTriedBeforeThePrimaryAndPrefixesRewrite() throws Exception {
        ContentStore src = ContentStore.open(dir("src"));
        TestImages.Image img = TestImages.small(src, "v1", "mirror");
        String repo = repo();
        client.push(src, img.manifest(), Reference.parse(registry.host() + "/mirrored/" + repo + ":v1"), null, null);
        int dead = TestRegistry.freePort();
        RegistriesConf c = RegistriesConf.parse("""
                [[registry]]
                prefix = "example.invalid/team"
                location = "%s/mirrored"
                [[registry.mirror]]
                location = "127.0.0.1:%d/nothing"
                insecure = true
                [[registry.mirror]]
                location = "%s/mirrored"
                insecure = true
                [[registry]]
                location = "blocked.invalid"
                blocked = true
                """.formatted(registry.host(), dead, registry.host()), "t");
        try (RegistryClient cl = clientFor(c)) {
            PullResult r = cl.pull(Reference.parse("example.invalid/team/" + repo + ":v1"), null, ContentStore.open(dir("dst")), null);
            assertThat(r.source().toString()).isEqualTo(registry.host() + "/mirrored/" + repo + ":v1");
            assertThat(r.manifest().digest()).isEqualTo(img.manifest().digest());
            assertThatThrownBy(() -> cl.pull(Reference.parse("blocked.invalid/x:1"), null, ContentStore.open(dir("b")), null))
                    .hasMessageContaining("blocked");
        }
    }

    @Test
    void shortNamesUseUnqualifiedSearchRegistries() throws Exception {
        ContentStore src = ContentStore.open(dir("src"));
        TestImages.Image img = TestImages.small(src, "v1", "short");
        String repo = repo();
        client.push(src, img.manifest(), Reference.parse(registry.host() + "/" + repo + ":v1"), null, null);
        int dead = TestRegistry.freePort();
        RegistriesConf c = RegistriesConf.parse("unqualified-search-registries = [\"127.0.0.1:%d\", \"%s\"]\n".formatted(dead, registry.host())
                + "[[registry]]\nlocation = \"127.0.0.1:" + dead + "\"\ninsecure = true\n", "t").merge(conf(""));
        try (RegistryClient cl = clientFor(c)) {
            PullResult r = cl.pullByName(repo + ":v1", null, ContentStore.open(dir("dst")), null);
            assertThat(r.reference().toString()).isEqualTo(registry.host() + "/" + repo + ":v1");
        }
    }
}
