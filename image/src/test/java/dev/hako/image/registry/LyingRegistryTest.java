package dev.hako.image.registry;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.hako.image.auth.Credentials;
import dev.hako.image.content.ContentStore;
import dev.hako.image.content.TestImages;
import dev.hako.image.reference.Reference;
import dev.hako.oci.Json;
import dev.hako.oci.image.Descriptor;
import dev.hako.oci.image.Digest;
import dev.hako.oci.image.ImageConfig;
import dev.hako.oci.image.Manifest;
import dev.hako.oci.image.MediaTypes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Registries that lie, fail or misbehave: a tiny fake HTTP server (only for what a real registry won't do). */
class LyingRegistryTest {
    @TempDir Path tmp;
    HttpServer server;
    String host;
    RegistryClient client;
    /** path → handler; unknown paths are 404. */
    final Map<String, Handler> routes = new HashMap<>();
    final List<String> seen = new CopyOnWriteArrayList<>();

    interface Handler { void handle(HttpExchange ex) throws IOException; }

    // a one-layer image served by default
    byte[] layer, config, manifest;
    Descriptor layerDesc, configDesc, manifestDesc;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", ex -> {
            seen.add(ex.getRequestMethod() + " " + ex.getRequestURI() + (ex.getRequestHeaders().containsKey("Range")
                    ? " Range=" + ex.getRequestHeaders().getFirst("Range") : ""));
            try {
                Handler h = routes.get(ex.getRequestURI().getPath());
                if (h == null) send(ex, 404, "application/json", "{\"errors\":[{\"code\":\"NAME_UNKNOWN\",\"message\":\"repository name not known to registry\"}]}".getBytes());
                else h.handle(ex);
            } catch (IOException e) {
                // the client went away
            } finally {
                ex.close();
            }
        });
        server.start();
        host = "127.0.0.1:" + server.getAddress().getPort();
        client = RegistryClient.builder()
                .registries(RegistriesConf.parse("[[registry]]\nlocation = \"" + host + "\"\ninsecure = true\n", "t"))
                .certsDirs(List.of()).maxAttempts(3).retryDelay(Duration.ofMillis(10)).insecureProbeTimeout(Duration.ofMillis(300)).build();

        layer = new byte[300_000];
        new Random(3).nextBytes(layer);
        layerDesc = new Descriptor(MediaTypes.OCI_LAYER_GZIP, Digest.sha256(layer), layer.length);
        config = Json.bytes(new ImageConfig(null, null, "amd64", "linux", null, null, null, null,
                new ImageConfig.RootFs(List.of(Digest.sha256("diff".getBytes()))), null));
        configDesc = new Descriptor(MediaTypes.OCI_CONFIG, Digest.sha256(config), config.length);
        manifest = Json.bytes(new Manifest(MediaTypes.OCI_MANIFEST, configDesc, List.of(layerDesc)));
        manifestDesc = new Descriptor(MediaTypes.OCI_MANIFEST, Digest.sha256(manifest), manifest.length);
        routes.put("/v2/x/manifests/v1", ex -> send(ex, 200, MediaTypes.OCI_MANIFEST, manifest));
        routes.put("/v2/x/blobs/" + configDesc.digest(), ex -> send(ex, 200, "application/octet-stream", config));
        routes.put("/v2/x/blobs/" + layerDesc.digest(), ex -> send(ex, 200, "application/octet-stream", layer));
    }

    @AfterEach
    void stop() {
        client.close();
        server.stop(0);
    }

    static void send(HttpExchange ex, int status, String type, byte[] body) throws IOException {
        if (type != null) ex.getResponseHeaders().set("Content-Type", type);
        boolean head = ex.getRequestMethod().equals("HEAD");
        ex.sendResponseHeaders(status, head || body.length == 0 ? -1 : body.length);
        if (!head && body.length > 0) try (OutputStream o = ex.getResponseBody()) { o.write(body); }
    }

    Reference ref() { return Reference.parse(host + "/x:v1"); }

    ContentStore store() { return ContentStore.open(tmp.resolve("store")); }

    /** Records what a streaming consumer would see. */
    static final class RecordingTap implements BlobTap {
        final java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        final List<String> events = new CopyOnWriteArrayList<>();
        @Override public synchronized void write(byte[] b, int off, int len) { bytes.write(b, off, len); }
        @Override public void finish() { events.add("finish"); }
        @Override public void abandon(Exception cause) { events.add("abandon"); }
    }

    @Test
    void aTapSeesTheWholeBlobAndThenFinish() {
        RecordingTap tap = new RecordingTap();
        ContentStore s = store();
        client.pull(ref(), null, s, null, (m, c, i, d) -> i == 0 && d.equals(layerDesc) ? tap : null);
        assertThat(tap.bytes.toByteArray()).isEqualTo(layer);
        assertThat(tap.events).containsExactly("finish");
    }

    @Test
    void aTapIsAbandonedNotFinishedWhenTheDigestIsWrong() {
        byte[] evil = layer.clone();
        evil[1000] ^= 1;
        routes.put("/v2/x/blobs/" + layerDesc.digest(), ex -> send(ex, 200, "application/octet-stream", evil));
        RecordingTap tap = new RecordingTap();
        assertThatThrownBy(() -> client.pull(ref(), null, store(), null, (m, c, i, d) -> tap))
                .isInstanceOf(RegistryException.class).hasMessageContaining("digest mismatch");
        assertThat(tap.bytes.size()).isEqualTo(layer.length);   // it saw every byte, and must not use them
        assertThat(tap.events).containsExactly("abandon");
    }

    @Test
    void aTapIsAbandonedWhenTheDownloadResumes() {
        AtomicInteger calls = new AtomicInteger();
        routes.put("/v2/x/blobs/" + layerDesc.digest(), ex -> {
            if (calls.incrementAndGet() == 1) {
                ex.getResponseHeaders().set("Content-Type", "application/octet-stream");
                ex.sendResponseHeaders(200, layer.length);
                OutputStream o = ex.getResponseBody();
                o.write(layer, 0, 100_000);
                o.flush();
                throw new IOException("drop the connection");
            }
            String range = ex.getRequestHeaders().getFirst("Range");
            long start = Long.parseLong(range.substring("bytes=".length(), range.length() - 1));
            ex.getResponseHeaders().set("Content-Range", "bytes " + start + "-" + (layer.length - 1) + "/" + layer.length);
            send(ex, 206, "application/octet-stream", java.util.Arrays.copyOfRange(layer, (int) start, layer.length));
        });
        RecordingTap tap = new RecordingTap();
        ContentStore s = store();
        client.pull(ref(), null, s, null, (m, c, i, d) -> tap);
        assertThat(s.has(layerDesc.digest())).isTrue();
        assertThat(tap.events).containsExactly("abandon");
    }

    @Test
    void servesAGoodImage() {
        ContentStore s = store();
        PullResult r = client.pull(ref(), null, s, null);
        assertThat(r.manifest().digest()).isEqualTo(manifestDesc.digest());
        assertThat(s.has(layerDesc.digest())).isTrue();
    }

    @Test
    void blobWithWrongContentIsRefusedBeforeUse() {
        byte[] evil = layer.clone();
        evil[1000] ^= 1;
        routes.put("/v2/x/blobs/" + layerDesc.digest(), ex -> send(ex, 200, "application/octet-stream", evil));
        ContentStore s = store();
        assertThatThrownBy(() -> client.pull(ref(), null, s, null))
                .isInstanceOf(RegistryException.class)
                .hasMessageContaining("pull " + host + "/x: blob " + layerDesc.digest() + " refused: digest mismatch: expected "
                        + layerDesc.digest() + ", got " + Digest.sha256(evil))
                .hasMessageContaining("at http://" + host + "/v2/x/blobs/" + layerDesc.digest());
        assertThat(s.has(layerDesc.digest())).isFalse();
        assertThat(s.partialSize(layerDesc.digest())).isZero();
        assertThat(s.has(manifestDesc.digest())).isFalse(); // an incomplete image leaves no manifest
    }

    @Test
    void aConfigWithWrongContentIsRefusedAndNothingOfTheImageIsStored() {
        byte[] evil = config.clone();
        evil[evil.length - 2] ^= 1;
        routes.put("/v2/x/blobs/" + configDesc.digest(), ex -> send(ex, 200, "application/octet-stream", evil));
        ContentStore s = store();
        assertThatThrownBy(() -> client.pull(ref(), null, s, null))
                .isInstanceOf(RegistryException.class)
                .hasMessageContaining("blob " + configDesc.digest() + " refused: digest mismatch: expected " + configDesc.digest()
                        + ", got " + Digest.sha256(evil));
        assertThat(seen).noneMatch(r -> r.contains(layerDesc.digest().toString()));
        assertThat(s.has(configDesc.digest())).isFalse();
        assertThat(s.has(manifestDesc.digest())).isFalse();
        // a dropped connection while reading the config is retried
        AtomicInteger n = new AtomicInteger();
        routes.put("/v2/x/blobs/" + configDesc.digest(), ex -> {
            if (n.incrementAndGet() == 1) {
                ex.sendResponseHeaders(200, config.length);
                ex.getResponseBody().write(config, 0, 10);
                throw new IOException("drop");
            }
            send(ex, 200, "application/octet-stream", config);
        });
        assertThat(client.pull(ref(), null, s, null).imageConfig().diffIds()).hasSize(1);
        assertThat(n.get()).isEqualTo(2);
        assertThat(s.has(configDesc.digest())).isTrue();
        assertThat(s.verify()).isEmpty();
    }

    @Test
    void truncatedBlobIsRefused() {
        byte[] half = java.util.Arrays.copyOf(layer, layer.length / 2);
        routes.put("/v2/x/blobs/" + layerDesc.digest(), ex -> send(ex, 200, "application/octet-stream", half));
        ContentStore s = store();
        assertThatThrownBy(() -> client.pull(ref(), null, s, null))
                .isInstanceOf(RegistryException.class)
                .hasMessageContaining("size mismatch for " + layerDesc.digest() + ": expected " + layer.length + " bytes, got " + half.length);
        assertThat(s.has(layerDesc.digest())).isFalse();
    }

    @Test
    void longerBlobIsRefusedWhileStreaming() {
        byte[] more = java.util.Arrays.copyOf(layer, layer.length + 10);
        routes.put("/v2/x/blobs/" + layerDesc.digest(), ex -> send(ex, 200, "application/octet-stream", more));
        assertThatThrownBy(() -> client.pull(ref(), null, store(), null))
                .hasMessageContaining("expected " + layer.length + " bytes, got more than " + layer.length);
    }

    @Test
    void droppedConnectionResumesWithRange() {
        AtomicInteger calls = new AtomicInteger();
        routes.put("/v2/x/blobs/" + layerDesc.digest(), ex -> {
            String range = ex.getRequestHeaders().getFirst("Range");
            if (calls.incrementAndGet() == 1) {
                ex.getResponseHeaders().set("Content-Type", "application/octet-stream");
                ex.sendResponseHeaders(200, layer.length);
                OutputStream o = ex.getResponseBody();
                o.write(layer, 0, 100_000);
                o.flush();
                throw new IOException("drop the connection"); // closes the exchange with bytes missing
            }
            long start = Long.parseLong(range.substring("bytes=".length(), range.length() - 1));
            ex.getResponseHeaders().set("Content-Range", "bytes " + start + "-" + (layer.length - 1) + "/" + layer.length);
            byte[] rest = java.util.Arrays.copyOfRange(layer, (int) start, layer.length);
            send(ex, 206, "application/octet-stream", rest);
        });
        List<Long> starts = new CopyOnWriteArrayList<>();
        ContentStore s = store();
        client.pull(ref(), null, s, new ProgressListener() {
            @Override public void blobStarted(Descriptor blob, long offset) { if (blob.equals(layerDesc)) starts.add(offset); }
        });
        assertThat(s.has(layerDesc.digest())).isTrue();
        assertThat(starts).hasSize(2).first().isEqualTo(0L);
        assertThat(starts.get(1)).isPositive();
        assertThat(seen).anyMatch(r -> r.contains("Range=bytes=" + starts.get(1) + "-"));
        assertThat(s.verify()).isEmpty();
    }

    @Test
    void serverIgnoringRangeStartsOver() throws Exception {
        ContentStore s = store();
        try (var w = s.writer(layerDesc)) { w.write(layer, 0, 1000); } // an earlier partial
        client.pull(ref(), null, s, null); // our server ignores Range and sends 200 with everything
        assertThat(s.has(layerDesc.digest())).isTrue();
        assertThat(seen).anyMatch(r -> r.contains("Range=bytes=1000-"));
    }

    @Test
    void manifestDigestHeaderThatLiesIsRefused() {
        Digest claimed = Digest.sha256("something else".getBytes());
        routes.put("/v2/x/manifests/v1", ex -> {
            ex.getResponseHeaders().set("Docker-Content-Digest", claimed.toString());
            send(ex, 200, MediaTypes.OCI_MANIFEST, manifest);
        });
        assertThatThrownBy(() -> client.pull(ref(), null, store(), null))
                .hasMessageContaining("manifest digest mismatch: registry says " + claimed + ", content is " + manifestDesc.digest());
    }

    @Test
    void pinnedDigestMismatchIsRefused() {
        Digest pinned = Digest.sha256("pinned".getBytes());
        routes.put("/v2/x/manifests/" + pinned, ex -> send(ex, 200, MediaTypes.OCI_MANIFEST, manifest));
        Reference r = Reference.parse(host + "/x@" + pinned);
        assertThatThrownBy(() -> client.pull(r, null, store(), null))
                .hasMessageContaining("pull " + host + "/x@" + pinned + ": manifest digest mismatch: expected " + pinned
                        + ", got " + manifestDesc.digest());
    }

    @Test
    void oversizedManifestIsRefused() {
        byte[] huge = new byte[(int) ContentStore.MAX_MANIFEST_SIZE + 10];
        java.util.Arrays.fill(huge, (byte) ' ');
        huge[0] = '{';
        routes.put("/v2/x/manifests/v1", ex -> send(ex, 200, MediaTypes.OCI_MANIFEST, huge));
        assertThatThrownBy(() -> client.pull(ref(), null, store(), null))
                .hasMessageContaining("over the limit of " + ContentStore.MAX_MANIFEST_SIZE);
        // without Content-Length too (chunked)
        routes.put("/v2/x/manifests/v1", ex -> {
            ex.getResponseHeaders().set("Content-Type", MediaTypes.OCI_MANIFEST);
            ex.sendResponseHeaders(200, 0);
            try (OutputStream o = ex.getResponseBody()) { o.write(huge); }
        });
        assertThatThrownBy(() -> client.pull(ref(), null, store(), null))
                .hasMessageContaining("over the limit of " + ContentStore.MAX_MANIFEST_SIZE);
    }

    @Test
    void oversizedConfigIsRefusedBeforeDownload() {
        Descriptor bigCfg = new Descriptor(MediaTypes.OCI_CONFIG, configDesc.digest(), ContentStore.MAX_CONFIG_SIZE + 1);
        byte[] m = Json.bytes(new Manifest(MediaTypes.OCI_MANIFEST, bigCfg, List.of(layerDesc)));
        routes.put("/v2/x/manifests/v1", ex -> send(ex, 200, MediaTypes.OCI_MANIFEST, m));
        assertThatThrownBy(() -> client.pull(ref(), null, store(), null)).hasMessageContaining("over the limit of " + ContentStore.MAX_CONFIG_SIZE);
        assertThat(seen).noneMatch(r -> r.contains("/blobs/"));
    }

    @Test
    void retriesOn429And5xxThenSucceeds() {
        AtomicInteger n = new AtomicInteger();
        routes.put("/v2/x/manifests/v1", ex -> {
            int i = n.incrementAndGet();
            if (i == 1) { ex.getResponseHeaders().set("Retry-After", "0"); send(ex, 429, null, new byte[0]); }
            else if (i == 2) send(ex, 502, null, new byte[0]);
            else send(ex, 200, MediaTypes.OCI_MANIFEST, manifest);
        });
        assertThat(client.pull(ref(), null, store(), null).manifest().digest()).isEqualTo(manifestDesc.digest());
        assertThat(n.get()).isEqualTo(3);
    }

    @Test
    void persistent503FailsAfterBoundedAttempts() {
        AtomicInteger n = new AtomicInteger();
        routes.put("/v2/x/manifests/v1", ex -> {
            n.incrementAndGet();
            send(ex, 503, "application/json", "{\"errors\":[{\"code\":\"UNAVAILABLE\",\"message\":\"Service unavailable\"}]}".getBytes());
        });
        assertThatThrownBy(() -> client.pull(ref(), null, store(), null))
                .isInstanceOf(RegistryException.class)
                .hasMessage("pull " + host + "/x:v1: service unavailable (503 UNAVAILABLE) at http://" + host + "/v2/x/manifests/v1");
        assertThat(n.get()).isEqualTo(3);
    }

    @Test
    void forbiddenAndUnauthorizedAndSchema1AreClear() {
        routes.put("/v2/x/manifests/v1", ex -> send(ex, 403, null, new byte[0]));
        assertThatThrownBy(() -> client.pull(ref(), null, store(), null)).hasMessageContaining("denied: access forbidden (403)")
                .satisfies(e -> assertThat(((RegistryException) e).isUnauthorized()).isTrue());
        routes.put("/v2/x/manifests/v1", ex -> send(ex, 401, "application/json",
                "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"authentication required\"}]}".getBytes()));
        assertThatThrownBy(() -> client.pull(ref(), null, store(), null)).hasMessageContaining("authentication required (401 UNAUTHORIZED)");
        routes.put("/v2/x/manifests/v1", ex -> send(ex, 200, MediaTypes.DOCKER_MANIFEST_V1_SIGNED,
                "{\"schemaVersion\":1,\"name\":\"x\",\"fsLayers\":[]}".getBytes()));
        assertThatThrownBy(() -> client.pull(ref(), null, store(), null))
                .hasMessageContaining("pull " + host + "/x:v1: Docker image manifest schema 1");
    }

    @Test
    void blobRedirectsAreFollowedWithoutLeakingCredentials() throws Exception {
        HttpServer storage = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        List<String> storageAuth = new CopyOnWriteArrayList<>();
        storage.createContext("/", ex -> {
            storageAuth.add(String.valueOf(ex.getRequestHeaders().getFirst("Authorization")));
            send(ex, 200, "application/octet-stream", layer);
            ex.close();
        });
        storage.start();
        try {
            // the registry wants basic auth
            Handler inner = routes.get("/v2/x/manifests/v1");
            routes.put("/v2/x/manifests/v1", ex -> {
                if (ex.getRequestHeaders().getFirst("Authorization") == null) {
                    ex.getResponseHeaders().set("WWW-Authenticate", "Basic realm=\"fake\"");
                    send(ex, 401, null, new byte[0]);
                } else inner.handle(ex);
            });
            routes.put("/v2/x/blobs/" + layerDesc.digest(), ex -> {
                ex.getResponseHeaders().set("Location", "http://127.0.0.1:" + storage.getAddress().getPort() + "/bucket/obj?sig=1");
                send(ex, 307, null, new byte[0]);
            });
            try (RegistryClient c = RegistryClient.builder()
                    .registries(RegistriesConf.parse("[[registry]]\nlocation = \"" + host + "\"\ninsecure = true\n", "t"))
                    .credentials(host, Credentials.basic("u", "p")).certsDirs(List.of()).insecureProbeTimeout(Duration.ofMillis(300)).build()) {
                ContentStore s = store();
                c.pull(ref(), null, s, null);
                assertThat(s.has(layerDesc.digest())).isTrue();
            }
            assertThat(storageAuth).containsExactly("null");
        } finally {
            storage.stop(0);
        }
    }

    @Test
    void bearerTokenIsRefreshedWhenTheRegistryRejectsIt() {
        AtomicInteger issued = new AtomicInteger();
        java.util.concurrent.atomic.AtomicReference<String> valid = new java.util.concurrent.atomic.AtomicReference<>("t1");
        routes.put("/token", ex -> send(ex, 200, "application/json",
                ("{\"token\":\"t" + issued.incrementAndGet() + "\",\"expires_in\":300}").getBytes()));
        Handler manifestRoute = routes.get("/v2/x/manifests/v1");
        for (String path : List.of("/v2/x/manifests/v1", "/v2/x/blobs/" + configDesc.digest(), "/v2/x/blobs/" + layerDesc.digest())) {
            Handler inner = routes.get(path);
            routes.put(path, ex -> {
                if (!("Bearer " + valid.get()).equals(ex.getRequestHeaders().getFirst("Authorization"))) {
                    ex.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"http://" + host + "/token\",service=\"fake\",scope=\"repository:x:pull\"");
                    send(ex, 401, "application/json", "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"authentication required\"}]}".getBytes());
                } else inner.handle(ex);
            });
        }
        assertThat(manifestRoute).isNotNull();
        client.pull(ref(), null, store(), null);
        assertThat(issued.get()).isEqualTo(1); // one token for manifest and blobs
        valid.set("t2"); // the registry now rejects t1 (expired or revoked)
        client.pull(ref(), null, ContentStore.open(tmp.resolve("second")), null);
        assertThat(issued.get()).isEqualTo(2);
        assertThat(seen).anyMatch(r -> r.startsWith("GET /token?service=fake&scope=repository%3Ax%3Apull"));
    }

    @Test
    void unknownRepositoryNamesTheRegistryError() {
        assertThatThrownBy(() -> client.pull(Reference.parse(host + "/nope:v1"), null, store(), null))
                .hasMessage("pull " + host + "/nope:v1: repository name not known to registry (404 NAME_UNKNOWN) at http://"
                        + host + "/v2/nope/manifests/v1");
        assertThat(TestImages.class).isNotNull();
        assertThat("x".getBytes(StandardCharsets.UTF_8)).hasSize(1);
    }
}
