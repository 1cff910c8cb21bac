package dev.hako.image.registry;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hako.image.auth.AuthChallenge;
import dev.hako.image.auth.AuthFile;
import dev.hako.image.auth.Credentials;
import dev.hako.image.content.BlobWriter;
import dev.hako.image.content.ContentStore;
import dev.hako.image.content.DigestMismatchException;
import dev.hako.image.reference.Reference;
import dev.hako.oci.Json;
import dev.hako.oci.OciException;
import dev.hako.oci.image.Descriptor;
import dev.hako.oci.image.Digest;
import dev.hako.oci.image.ImageDocument;
import dev.hako.oci.image.MediaTypes;
import dev.hako.oci.image.Platform;

import javax.net.ssl.SSLException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;

/**
 * A client for the OCI distribution-spec (Docker registry HTTP API v2): manifests, blobs, uploads,
 * tags, with anonymous/basic/bearer auth, registries.conf (mirrors, insecure, blocked), certs.d TLS,
 * bounded retries with backoff on 429/5xx/network errors, and resumable verified blob downloads into
 * a {@link ContentStore}. Thread-safe; one instance can serve many concurrent pulls and pushes.
 *
 * <p>Pull and push: {@link #pull}, {@link #pullByName}, {@link #push}. Building blocks:
 * {@link #getManifest}, {@link #headManifest}, {@link #fetchBlob}, {@link #blobExists}, {@link #pushBlob},
 * {@link #putManifest}, {@link #listTags}, {@link #ping}, {@link #login}.
 *
 * <p>Layers are stored and verified; a caller may also stream them into a {@link BlobTap} while they
 * download, which learns only at the end whether the bytes were the verified blob.
 */
public final class RegistryClient implements AutoCloseable {

    /** Configuration; build with {@link RegistryClient#builder()}. */
    public static final class Builder {
        private RegistriesConf registries = RegistriesConf.empty();
        private AuthFile authFile;
        private final Map<String, Credentials> credentials = new HashMap<>();
        private List<Path> certsDirs = List.of(Path.of("/etc/containers/certs.d"), Path.of("/etc/docker/certs.d"));
        private boolean tlsVerify = true;
        private int maxAttempts = 4;
        private Duration retryDelay = Duration.ofMillis(250);
        private Duration connectTimeout = Duration.ofSeconds(30);
        private int parallelDownloads = 3;
        private long chunkSize = 16L << 20;
        private String userAgent = "hako/0.1";
        private Duration insecureProbeTimeout = Duration.ofSeconds(3);

        /** registries.conf to use (default: none; pass {@link RegistriesConf#system()} for /etc/containers). */
        public Builder registries(RegistriesConf c) { registries = c; return this; }
        /** Where credentials come from (default: none = anonymous unless given with {@link #credentials}). */
        public Builder authFile(AuthFile f) { authFile = f; return this; }
        /** Credentials for one registry host[:port], taking precedence over the auth file (--creds). */
        public Builder credentials(String registry, Credentials c) { credentials.put(registry, c); return this; }
        /** certs.d base directories searched for &lt;host[:port]&gt;/*.crt (default /etc/containers/certs.d, /etc/docker/certs.d). */
        public Builder certsDirs(List<Path> dirs) { certsDirs = List.copyOf(dirs); return this; }
        /** false = every registry is insecure (http allowed, TLS unverified), like --tls-verify=false. */
        public Builder tlsVerify(boolean v) { tlsVerify = v; return this; }
        /** Attempts per request for 429/5xx/network errors (default 4). */
        public Builder maxAttempts(int n) { maxAttempts = Math.max(1, n); return this; }
        /** First backoff delay; doubles per attempt, with jitter (default 250 ms). */
        public Builder retryDelay(Duration d) { retryDelay = d; return this; }
        public Builder connectTimeout(Duration d) { connectTimeout = d; return this; }
        /** Concurrent blob transfers per image (default 3, like docker). */
        public Builder parallelDownloads(int n) { parallelDownloads = Math.max(1, n); return this; }
        /** Blobs larger than this are pushed in PATCH chunks of this size; smaller ones in one PUT (default 16 MiB). */
        public Builder chunkSize(long n) { chunkSize = Math.max(1, n); return this; }
        public Builder userAgent(String ua) { userAgent = ua; return this; }
        /** How long to wait for https on an insecure registry before falling back to http (default 3 s). */
        public Builder insecureProbeTimeout(Duration d) { insecureProbeTimeout = d; return this; }

        public RegistryClient build() { return new RegistryClient(this); }
    }

    static {
        // the HTTP client reads the socket in buffers of this size (default 16 KiB): a blob of 100 MB took
        // thousands of read(2)s and buffer allocations. Read once, when the client's classes load.
        if (System.getProperty("jdk.httpclient.bufsize") == null) System.setProperty("jdk.httpclient.bufsize", "262144");
    }

    public static Builder builder() { return new Builder(); }

    private final RegistriesConf registries;
    private final AuthFile authFile;
    private final Map<String, Credentials> credentials;
    private final List<Path> certsDirs;
    private final boolean tlsVerify;
    final int maxAttempts;
    private final Duration retryDelay;
    private final Duration connectTimeout;
    final int parallelDownloads;
    final long chunkSize;
    private final String userAgent;
    private final Duration insecureProbeTimeout;
    final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final Map<String, Host> hosts = new ConcurrentHashMap<>();
    private final Map<String, Token> tokens = new ConcurrentHashMap<>();
    private final PlainHttp plainHttp;   // blob GETs (http and https without a proxy)

    private RegistryClient(Builder b) {
        registries = b.registries;
        authFile = b.authFile;
        credentials = Map.copyOf(b.credentials);
        certsDirs = b.certsDirs;
        tlsVerify = b.tlsVerify;
        maxAttempts = b.maxAttempts;
        retryDelay = b.retryDelay;
        connectTimeout = b.connectTimeout;
        parallelDownloads = b.parallelDownloads;
        chunkSize = b.chunkSize;
        userAgent = b.userAgent;
        insecureProbeTimeout = b.insecureProbeTimeout;
        plainHttp = new PlainHttp((int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis()), 120_000, userAgent);
    }

    public RegistriesConf registries() { return registries; }

    @Override
    public void close() {
        executor.shutdownNow();
        for (Host h : hosts.values()) h.http.close();
        plainHttp.close();
    }

    // ---- high level ------------------------------------------------------------------------------------

    /**
     * Pulls {@code ref} for {@code platform} into {@code store}: manifest (via the index if the
     * reference names one), config and layers, verified, layers in parallel, blobs already present
     * skipped, partial downloads resumed. Tries registries.conf mirrors first, then the primary.
     * Does not tag anything: name the result in your own metadata (and keep it a GC root).
     */
    public PullResult pull(Reference ref, Platform platform, ContentStore store, ProgressListener progress) {
        return pull(ref, platform, store, progress, null);
    }

    /** As {@link #pull(Reference, Platform, ContentStore, ProgressListener)}, streaming layers into {@code taps} too. */
    public PullResult pull(Reference ref, Platform platform, ContentStore store, ProgressListener progress, BlobTap.Factory taps) {
        return new Puller(this, store, platform, progress == null ? ProgressListener.NONE : progress, taps).pull(ref);
    }

    /**
     * Pulls a name as a user typed it: short names resolve through registries.conf aliases and
     * unqualified-search-registries (docker.io when none), trying each candidate in order.
     */
    public PullResult pullByName(String name, Platform platform, ContentStore store, ProgressListener progress) {
        return pullByName(name, platform, store, progress, null);
    }

    /** As {@link #pullByName(String, Platform, ContentStore, ProgressListener)}, streaming layers into {@code taps} too. */
    public PullResult pullByName(String name, Platform platform, ContentStore store, ProgressListener progress,
                                 BlobTap.Factory taps) {
        List<Reference> candidates = registries.resolveShortName(name);
        RegistryException first = null;
        for (Reference r : candidates) {
            try {
                return pull(r, platform, store, progress, taps);
            } catch (RegistryException e) {
                if (candidates.size() == 1) throw e;
                if (first == null) first = e; else first.addSuppressed(e);
            }
        }
        throw first;
    }

    /**
     * Pushes the manifest or index {@code manifest} (and everything it references) from {@code store} to
     * {@code target} (tag or digest). Blobs the registry has are skipped (HEAD); with {@code mountFrom}
     * (another repository on the same registry) blobs are mounted instead of uploaded. Returns the
     * pushed manifest's descriptor (its digest is what the registry now serves for the tag).
     */
    public Descriptor push(ContentStore store, Descriptor manifest, Reference target, Reference mountFrom,
                           ProgressListener progress) {
        return new Pusher(this, store, progress == null ? ProgressListener.NONE : progress).push(manifest, target, mountFrom);
    }

    /**
     * Verifies {@code creds} against {@code registry} (host[:port]) and, if they work, stores them in
     * {@code authFile}. Throws {@link RegistryException} (401) for wrong credentials.
     */
    public void login(String registry, Credentials creds, AuthFile authFile) {
        ping(registry, creds, "login");
        authFile.store(registry, creds);
    }

    /** Forgets stored credentials for {@code registry}; false if there were none. */
    public static boolean logout(String registry, AuthFile authFile) { return authFile.remove(registry); }

    // ---- building blocks ---------------------------------------------------------------------------------

    /** GET /v2/ with the configured credentials; throws unless the registry answers 200. */
    public void ping(String registry) { ping(registry, null, "ping"); }

    private void ping(String registry, Credentials override, String op) {
        Reference r = new Reference(registry, "_", null, null);
        Call c = new Call(op, registry, endpointHost(r), "GET", "/v2/", Map.of(), null, List.of(), Set.of(200), override, true);
        try (var resp = send(c)) {
            drain(resp.response);
        }
    }

    /** Fetches a manifest or index by tag or digest (verified against the digest when pinned, bounded in size). */
    public ManifestResponse getManifest(Reference ref) {
        String path = "/v2/" + ref.repository() + "/manifests/" + ref.manifestReference();
        Map<String, String> headers = Map.of("Accept", String.join(", ", acceptList()));
        Call c = call("pull", ref, "GET", path, headers, null, pullScope(ref), Set.of(200));
        try (var resp = send(c)) {
            HttpResponse<InputStream> r = resp.response;
            long declared = r.headers().firstValueAsLong("Content-Length").orElse(-1);
            String url = r.uri().toString();
            if (declared > ContentStore.MAX_MANIFEST_SIZE)
                throw new RegistryException("pull", ref.toString(), "manifest of " + declared + " bytes is over the limit of "
                        + ContentStore.MAX_MANIFEST_SIZE, 0, null, url, null);
            byte[] body = readBounded(r.body(), ContentStore.MAX_MANIFEST_SIZE, ref, url);
            String ct = r.headers().firstValue("Content-Type").map(v -> v.split(";", 2)[0].trim()).orElse(null);
            Digest computed;
            Digest expected = ref.digest();
            String header = r.headers().firstValue("Docker-Content-Digest").orElse(null);
            if (expected != null) {
                computed = Digest.of(expected.algorithm(), body);
                if (!computed.equals(expected))
                    throw new RegistryException("pull", ref.toString(), "manifest digest mismatch: expected " + expected
                            + ", got " + computed, 0, null, url, null);
            } else {
                computed = Digest.sha256(body);
                if (header != null) {
                    Digest claimed;
                    try { claimed = Digest.parse(header.trim()); } catch (OciException e) {
                        throw new RegistryException("pull", ref.toString(), "bad Docker-Content-Digest header: " + e.getMessage(), 0, null, url, e);
                    }
                    Digest actual = Digest.of(claimed.algorithm(), body);
                    if (!actual.equals(claimed))
                        throw new RegistryException("pull", ref.toString(), "manifest digest mismatch: registry says " + claimed
                                + ", content is " + actual, 0, null, url, null);
                }
            }
            ImageDocument doc;
            try {
                doc = ImageDocument.parse(body, ct, ref.toString());
            } catch (OciException e) {
                throw new RegistryException("pull", ref.toString(), e.getMessage().replaceFirst("^" + java.util.regex.Pattern.quote(ref.toString()) + ": ", ""),
                        0, null, url, e);
            }
            String mt = ct != null && (MediaTypes.isIndex(ct) || MediaTypes.isManifest(ct)) ? ct
                    : doc.mediaType() != null ? doc.mediaType()
                    : doc instanceof dev.hako.oci.image.Index ? MediaTypes.OCI_INDEX : MediaTypes.OCI_MANIFEST;
            return new ManifestResponse(ref, new Descriptor(mt, computed, body.length), body, doc);
        }
    }

    /** HEAD a manifest: its descriptor, or empty if the registry doesn't have it. */
    public Optional<Descriptor> headManifest(Reference ref) {
        String path = "/v2/" + ref.repository() + "/manifests/" + ref.manifestReference();
        Call c = call("pull", ref, "HEAD", path, Map.of("Accept", String.join(", ", acceptList())), null, pullScope(ref), Set.of(200, 404));
        try (var resp = send(c)) {
            HttpResponse<InputStream> r = resp.response;
            drain(r);
            if (r.statusCode() == 404) return Optional.empty();
            String digest = r.headers().firstValue("Docker-Content-Digest").orElse(null);
            if (digest == null) return Optional.empty();
            return Optional.of(new Descriptor(r.headers().firstValue("Content-Type").orElse(null), Digest.parse(digest.trim()),
                    r.headers().firstValueAsLong("Content-Length").orElse(-1)));
        }
    }

    /** HEAD a blob in {@code repo}: true if the registry has it. */
    public boolean blobExists(Reference repo, Digest digest) {
        Call c = call("push", repo, "HEAD", "/v2/" + repo.repository() + "/blobs/" + digest, Map.of(), null, pullScope(repo), Set.of(200, 404));
        try (var resp = send(c)) {
            drain(resp.response);
            return resp.response.statusCode() == 200;
        }
    }

    /** Every tag in {@code repo}, following the registry's pagination (Link: <…>; rel="next"). */
    public List<String> listTags(Reference repo) { return listTags(repo, 0); }

    /** @param pageSize tags asked for per request ({@code n}); 0 lets the registry choose */
    public List<String> listTags(Reference repo, int pageSize) {
        String next = "/v2/" + repo.repository() + "/tags/list" + (pageSize > 0 ? "?n=" + pageSize : "");
        List<String> out = new ArrayList<>();
        for (int page = 0; next != null; page++) {
            if (page >= 10_000) throw new RegistryException("list tags", repo.name(), "more than 10000 pages of tags", 0, null, null, null);
            Call c = call("list tags", repo, "GET", next, Map.of(), null, pullScope(repo), Set.of(200));
            try (var resp = send(c)) {
                byte[] body = readBounded(resp.response.body(), ContentStore.MAX_MANIFEST_SIZE, repo, resp.response.uri().toString());
                for (JsonNode t : Json.mapper().readTree(body).path("tags")) out.add(t.asText());
                next = nextPage(resp.response.headers().firstValue("Link").orElse(null), resp.response.uri());
            } catch (IOException e) {
                throw new RegistryException("list tags", repo.name(), "invalid response: " + e.getMessage(), 0, null, null, e);
            }
        }
        return out;
    }

    /** The rel="next" target of a Link header as a path on the same host (or an absolute URL); null when none. */
    static String nextPage(String link, URI current) {
        if (link == null) return null;
        for (String part : link.split(",")) {
            int lt = part.indexOf('<'), gt = part.indexOf('>');
            if (lt < 0 || gt < lt || !part.substring(gt).replace(" ", "").contains("rel=\"next\"")) continue;
            String target = part.substring(lt + 1, gt).trim();
            if (target.startsWith("/")) return target;
            URI u = current.resolve(target);
            return u.getAuthority() != null && u.getAuthority().equals(current.getAuthority())
                    ? u.getRawPath() + (u.getRawQuery() == null ? "" : "?" + u.getRawQuery()) : u.toString();
        }
        return null;
    }

    /**
     * Downloads blob {@code desc} of {@code repo} into {@code store}, verifying size and digest on the fly.
     * Skips it if present; resumes a partial with a Range request; retries network errors.
     */
    public ProgressListener.BlobOutcome fetchBlob(Reference repo, Descriptor desc, ContentStore store, ProgressListener progress) {
        return fetchBlob(repo, desc, store, progress, null);
    }

    /**
     * As {@link #fetchBlob(Reference, Descriptor, ContentStore, ProgressListener)}; when {@code tap} is given it
     * also gets the bytes as they arrive, and always ends with {@link BlobTap#finish} (verified) or
     * {@link BlobTap#abandon}. A download that does not start at byte 0, or is retried after bytes went to the
     * tap, abandons it: the tap sees one uninterrupted, verified stream or nothing usable.
     */
    public ProgressListener.BlobOutcome fetchBlob(Reference repo, Descriptor desc, ContentStore store, ProgressListener progress,
                                                  BlobTap tap) {
        ProgressListener pl = progress == null ? ProgressListener.NONE : progress;
        BlobTap t = tap;
        boolean finished = false;
        try {
            if (store.has(desc.digest())) { pl.blobDone(desc, ProgressListener.BlobOutcome.ALREADY_LOCAL); return ProgressListener.BlobOutcome.ALREADY_LOCAL; }
            String path = "/v2/" + repo.repository() + "/blobs/" + desc.digest();
            try (BlobWriter w = store.writer(desc)) {
                if (w.alreadyExists()) { pl.blobDone(desc, ProgressListener.BlobOutcome.ALREADY_LOCAL); return ProgressListener.BlobOutcome.ALREADY_LOCAL; }
                IOException last = null;
                String lastUrl = null;
                boolean tapped = false;
                for (int attempt = 1; attempt <= maxAttempts; attempt++) {
                    long offset = w.offset();
                    if (t != null && (offset > 0 || tapped)) { t.abandon(new IOException("download of " + desc.digest() + " resumed or retried")); t = null; }
                    pl.blobStarted(desc, offset);
                    Map<String, String> headers = offset > 0 ? Map.of("Range", "bytes=" + offset + "-") : Map.of();
                    Call c = call("pull", repo, "GET", path, headers, null, pullScope(repo), Set.of(200, 206, 416)).asBlobGet();
                    try (var resp = send(c)) {
                        HttpResponse<InputStream> r = resp.response;
                        lastUrl = r.uri().toString();
                        if (r.statusCode() == 416) { w.reset(); drain(r); continue; }
                        if (r.statusCode() == 206) {
                            long start = contentRangeStart(r.headers());
                            if (start != offset) { w.reset(); drain(r); continue; }
                        } else if (offset > 0) {
                            w.reset(); // server ignored Range: start over
                        }
                        try (InputStream in = r.body()) {
                            byte[] buf = new byte[128 << 10];
                            for (int n; (n = in.read(buf)) > 0; ) {
                                w.write(buf, 0, n);
                                if (t != null) { tapped = true; t.write(buf, 0, n); }
                                pl.blobProgress(desc, w.offset());
                            }
                        } catch (IOException e) {
                            last = e; // partial kept: the next attempt resumes from w.offset()
                            sleepBackoff(attempt, null);
                            continue;
                        }
                        final BlobTap verifiedTap = t;
                        try {
                            // the tap (a streamed unpack) ends once the bytes are verified, while the blob is fsynced
                            w.commit(verifiedTap == null ? null : verifiedTap::finish);
                            if (t != null) finished = true;
                        } catch (DigestMismatchException e) {
                            throw new RegistryException("pull", repo.name(), "blob " + desc.digest() + " refused: " + e.getMessage(),
                                    0, null, lastUrl, e);
                        }
                        pl.blobDone(desc, ProgressListener.BlobOutcome.DOWNLOADED);
                        return ProgressListener.BlobOutcome.DOWNLOADED;
                    } catch (DigestMismatchException e) {
                        throw new RegistryException("pull", repo.name(), "blob " + desc.digest() + " refused: " + e.getMessage(),
                                0, null, lastUrl == null ? path : lastUrl, e);
                    }
                }
                throw new RegistryException("pull", repo.name(), "blob " + desc.digest() + " download failed after " + maxAttempts
                        + " attempts (" + w.offset() + " of " + desc.size() + " bytes kept for resume): " + (last == null ? "range not honoured" : last),
                        0, null, lastUrl, last);
            }
        } catch (RuntimeException | Error e) {
            if (t != null && !finished) { t.abandon(e instanceof Exception ex ? ex : new RuntimeException(e)); t = null; }
            throw e;
        } finally {
            if (t != null && !finished) t.abandon(new IOException("blob " + desc.digest() + " was not downloaded"));
        }
    }

    /**
     * Downloads a small blob (an image config) into memory, verified against {@code desc}'s size and digest, with
     * the same retries as {@link #fetchBlob}; the caller stores it. {@code desc.size()} must be bounded by the caller.
     */
    byte[] fetchBlobBytes(Reference repo, Descriptor desc) {
        String path = "/v2/" + repo.repository() + "/blobs/" + desc.digest();
        for (int attempt = 1; ; attempt++) {
            Call c = call("pull", repo, "GET", path, Map.of(), null, pullScope(repo), Set.of(200)).asBlobGet();
            try (var resp = send(c)) {
                String url = resp.response.uri().toString();
                byte[] b;
                try (InputStream in = resp.response.body()) {
                    b = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, desc.size() + 1));
                } catch (IOException e) {
                    if (attempt >= maxAttempts)
                        throw new RegistryException("pull", repo.name(), "blob " + desc.digest() + " download failed after " + maxAttempts
                                + " attempts: " + e, 0, null, url, e);
                    sleepBackoff(attempt, null);
                    continue;
                }
                String refused = null;
                if (b.length != desc.size())
                    refused = "size mismatch for " + desc.digest() + ": expected " + desc.size() + " bytes, got "
                            + (b.length > desc.size() ? "more than " + desc.size() : b.length);
                else if (!Digest.of(desc.digest().algorithm(), b).equals(desc.digest()))
                    refused = "digest mismatch: expected " + desc.digest() + ", got " + Digest.of(desc.digest().algorithm(), b)
                            + " (" + b.length + " bytes)";
                if (refused != null)
                    throw new RegistryException("pull", repo.name(), "blob " + desc.digest() + " refused: " + refused, 0, null, url, null);
                return b;
            }
        }
    }

    /**
     * Uploads one blob from {@code store} to {@code repo} unless the registry has it; mounts it from
     * {@code mountFrom} (same registry, may be null) when possible.
     */
    public ProgressListener.BlobOutcome pushBlob(Reference repo, Descriptor desc, ContentStore store, Reference mountFrom,
                                                 ProgressListener progress) {
        return new Pusher(this, store, progress == null ? ProgressListener.NONE : progress).pushBlob(repo, desc, mountFrom);
    }

    /** PUTs a manifest or index under {@code ref}'s tag (or digest); checks the digest the registry reports. */
    public Descriptor putManifest(Reference ref, byte[] bytes, String mediaType) {
        Digest digest = Digest.sha256(bytes);
        String path = "/v2/" + ref.repository() + "/manifests/" + (ref.tag() != null ? ref.tag() : digest.toString());
        Call c = call("push", ref, "PUT", path, Map.of("Content-Type", mediaType),
                () -> HttpRequest.BodyPublishers.ofByteArray(bytes), pushScope(ref, null), Set.of(200, 201, 202));
        try (var resp = send(c)) {
            drain(resp.response);
            String got = resp.response.headers().firstValue("Docker-Content-Digest").orElse(null);
            if (got != null && Digest.isValid(got.trim()) && Digest.parse(got.trim()).algorithm().equals(Digest.SHA256)
                    && !Digest.parse(got.trim()).equals(digest))
                throw new RegistryException("push", ref.toString(), "registry stored the manifest as " + got + ", expected " + digest,
                        resp.response.statusCode(), null, resp.response.uri().toString(), null);
        }
        return new Descriptor(mediaType, digest, bytes.length);
    }

    // ---- transport -------------------------------------------------------------------------------------

    static List<String> acceptList() {
        List<String> a = new ArrayList<>(MediaTypes.MANIFEST_ACCEPT);
        a.add(MediaTypes.DOCKER_MANIFEST_V1_SIGNED); // so schema 1 images fail with a clear message, not "unknown"
        return a;
    }

    static List<String> pullScope(Reference ref) { return List.of("repository:" + ref.repository() + ":pull"); }

    static List<String> pushScope(Reference ref, Reference mountFrom) {
        List<String> s = new ArrayList<>(List.of("repository:" + ref.repository() + ":pull,push"));
        if (mountFrom != null && !mountFrom.repository().equals(ref.repository()))
            s.add("repository:" + mountFrom.repository() + ":pull");
        return s;
    }

    /** One logical request; {@code body} re-creates the body for retries (null = none). */
    record Call(String op, String image, Host host, String method, String pathOrUrl, Map<String, String> headers,
                Supplier<HttpRequest.BodyPublisher> body, List<String> scopes, Set<Integer> expect,
                Credentials credsOverride, boolean retry, boolean blobGet) {
        Call(String op, String image, Host host, String method, String pathOrUrl, Map<String, String> headers,
             Supplier<HttpRequest.BodyPublisher> body, List<String> scopes, Set<Integer> expect, Credentials credsOverride,
             boolean retry) {
            this(op, image, host, method, pathOrUrl, headers, body, scopes, expect, credsOverride, retry, false);
        }

        /** This call as a blob download: over plain http it goes through {@link PlainHttp}. */
        Call asBlobGet() { return new Call(op, image, host, method, pathOrUrl, headers, body, scopes, expect, credsOverride, retry, true); }
    }

    Call call(String op, Reference ref, String method, String pathOrUrl, Map<String, String> headers,
              Supplier<HttpRequest.BodyPublisher> body, List<String> scopes, Set<Integer> expect) {
        return new Call(op, ref.toString(), endpointHost(ref), method, pathOrUrl, headers, body, scopes, expect, null,
                !method.equals("PATCH"));
    }

    /** An open response; close it to release the connection. */
    static final class Resp implements AutoCloseable {
        final HttpResponse<InputStream> response;
        Resp(HttpResponse<InputStream> r) { response = r; }
        @Override public void close() {
            try { response.body().close(); } catch (IOException ignored) { }
        }
    }

    /** Per registry host: its HTTP client, whether it is insecure, and the scheme that worked. */
    static final class Host {
        final String name;
        final boolean insecure;
        final HttpClient http;
        volatile String scheme; // null until known
        volatile String basic;  // "Basic ..." once the registry asked for basic auth
        Host(String name, boolean insecure, HttpClient http) { this.name = name; this.insecure = insecure; this.http = http; }
    }

    private record Token(String value, Instant expires) {}

    Host endpointHost(Reference ref) {
        String name = ref.apiHost();
        boolean insecure = !tlsVerify || registries.isInsecure(ref);
        return host(name, insecure);
    }

    private Host host(String name, boolean insecure) {
        return hosts.computeIfAbsent(name + (insecure ? "|insecure" : ""), k -> new Host(name, insecure,
                HttpClient.newBuilder()
                        .version(HttpClient.Version.HTTP_1_1)
                        .followRedirects(HttpClient.Redirect.NEVER)
                        .connectTimeout(connectTimeout)
                        .sslContext(Tls.context(name, certsDirs, !insecure))
                        .executor(executor)
                        .build()));
    }

    private Credentials credentialsFor(Call c) {
        if (c.credsOverride() != null) return c.credsOverride();
        String registry = registryOf(c);
        Credentials explicit = credentials.get(registry);
        if (explicit != null) return explicit;
        if (authFile == null) return null;
        String repo = c.scopes().isEmpty() ? null : c.scopes().getFirst().split(":")[1];
        return authFile.lookup(registry, repo).orElse(null);
    }

    private static String registryOf(Call c) {
        String h = c.host().name;
        return h.equals("registry-1.docker.io") ? Reference.DOCKER_HUB : h;
    }

    /** Sends with retries (429/5xx/network), auth challenges and redirects; throws unless the status is expected. */
    Resp send(Call c) {
        RuntimeException lastError = null;
        for (int attempt = 1; ; attempt++) {
            HttpResponse<InputStream> r;
            try {
                r = sendAuthenticated(c);
            } catch (IOException e) {
                String url = c.pathOrUrl().startsWith("/") ? schemeOr(c.host(), "https") + "://" + c.host().name + c.pathOrUrl() : c.pathOrUrl();
                lastError = new RegistryException(c.op(), c.image(), networkMessage(e, c.host().name), 0, null, url, e);
                if (!c.retry() || attempt >= maxAttempts || e instanceof SSLException) throw lastError;
                sleepBackoff(attempt, null);
                continue;
            }
            int s = r.statusCode();
            boolean retryable = s == 429 || s == 500 || s == 502 || s == 503 || s == 504;
            if (retryable && c.retry() && attempt < maxAttempts) {
                drain(r);
                sleepBackoff(attempt, r.headers().firstValue("Retry-After").orElse(null));
                continue;
            }
            if (c.expect().contains(s)) return new Resp(r);
            throw error(c, r);
        }
    }

    private static String schemeOr(Host h, String def) { return h.scheme == null ? def : h.scheme; }

    private static String networkMessage(IOException e, String host) {
        if (e instanceof SSLException) return "TLS error talking to " + host + ": " + e.getMessage()
                + " (add its CA to certs.d/" + host + "/ca.crt, or mark it insecure in registries.conf)";
        if (e instanceof java.net.ConnectException) return "cannot connect to " + host + ": " + (e.getMessage() == null ? "connection refused" : e.getMessage());
        if (e instanceof java.net.http.HttpConnectTimeoutException) return "timed out connecting to " + host;
        if (e.getCause() instanceof java.nio.channels.UnresolvedAddressException)
            return "cannot resolve host " + host;
        return "network error talking to " + host + ": " + e;
    }

    private HttpResponse<InputStream> sendAuthenticated(Call c) throws IOException {
        Credentials creds = credentialsFor(c);
        String tokenKey = c.host().name + "|" + new TreeSet<>(c.scopes());
        String auth = authHeader(c, tokenKey);
        HttpResponse<InputStream> r = sendFollowing(c, auth);
        if (r.statusCode() != 401) return r;
        List<AuthChallenge> challenges = AuthChallenge.parse(String.join(", ", r.headers().allValues("WWW-Authenticate")));
        drain(r);
        AuthChallenge bearer = challenges.stream().filter(AuthChallenge::isBearer).findFirst().orElse(null);
        AuthChallenge basic = challenges.stream().filter(AuthChallenge::isBasic).findFirst().orElse(null);
        if (bearer != null) {
            tokens.remove(tokenKey);
            Token t = fetchToken(c, bearer, creds);
            tokens.put(tokenKey, t);
            return sendFollowing(c, "Bearer " + t.value());
        }
        if (basic != null && creds != null && creds.username() != null && !creds.username().isEmpty()) {
            String h = creds.basicHeader();
            if (c.credsOverride() == null) c.host().basic = h;
            return sendFollowing(c, h);
        }
        return sendFollowing(c, null) ; // no way to authenticate: let the 401 through as an error
    }

    private String authHeader(Call c, String tokenKey) {
        Token t = tokens.get(tokenKey);
        if (t != null && c.credsOverride() == null) {
            if (t.expires().isAfter(Instant.now())) return "Bearer " + t.value();
            tokens.remove(tokenKey);
        }
        return c.credsOverride() == null ? c.host().basic : null;
    }

    private Token fetchToken(Call c, AuthChallenge ch, Credentials creds) throws IOException {
        String realm = ch.param("realm");
        if (realm == null) throw new RegistryException(c.op(), c.image(), "bearer challenge without realm from " + c.host().name, 401, null, null, null);
        StringBuilder q = new StringBuilder();
        if (ch.param("service") != null) q.append("service=").append(enc(ch.param("service")));
        List<String> scopes = c.scopes().isEmpty() && ch.param("scope") != null ? List.of(ch.param("scope")) : c.scopes();
        for (String s : scopes) q.append(q.isEmpty() ? "" : "&").append("scope=").append(enc(s));
        if (creds != null && creds.username() != null && !creds.username().isEmpty())
            q.append(q.isEmpty() ? "" : "&").append("account=").append(enc(creds.username()));
        boolean refresh = creds != null && creds.identityToken() != null && !creds.identityToken().isEmpty();
        // an identity token is an OAuth2 refresh token: POSTed as a form to the realm, as docker does
        URI uri = URI.create(refresh ? realm : realm + (q.isEmpty() ? "" : (realm.contains("?") ? "&" : "?") + q));
        if (!"https".equals(uri.getScheme()) && !"http".equals(uri.getScheme()))
            throw new RegistryException(c.op(), c.image(), "bad token realm " + realm, 401, null, null, null);
        boolean insecure = !tlsVerify || c.host().insecure && uri.getHost() != null && c.host().name.startsWith(uri.getHost());
        Host realmHost = host(uri.getAuthority(), insecure);
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).header("User-Agent", userAgent).timeout(Duration.ofSeconds(60));
        if (refresh) {
            StringBuilder form = new StringBuilder("grant_type=refresh_token&client_id=hako&refresh_token=")
                    .append(enc(creds.identityToken()));
            if (ch.param("service") != null) form.append("&service=").append(enc(ch.param("service")));
            if (!scopes.isEmpty()) form.append("&scope=").append(enc(String.join(" ", scopes)));
            b.header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString(form.toString()));
        } else {
            b.GET();
            if (creds != null && creds.username() != null && !creds.username().isEmpty()) b.header("Authorization", creds.basicHeader());
        }
        HttpResponse<byte[]> r;
        try {
            r = realmHost.http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        if (r.statusCode() != 200) {
            String[] err = errorOf(r.body());
            String what = r.statusCode() == 401 || r.statusCode() == 403
                    ? (creds == null ? "authentication required" : "unauthorized: incorrect username or password")
                    : "token request failed";
            throw new RegistryException(c.op(), c.image(), what + (err[1] == null ? "" : ": " + err[1]), r.statusCode(), err[0], uri.toString(), null);
        }
        JsonNode n = Json.mapper().readTree(r.body());
        String token = n.path("token").asText(n.path("access_token").asText(""));
        if (token.isEmpty()) throw new RegistryException(c.op(), c.image(), "token response has no token", 200, null, uri.toString(), null);
        long expiresIn = n.path("expires_in").asLong(60);
        if (expiresIn < 60) expiresIn = 60;
        return new Token(token, Instant.now().plusSeconds(expiresIn - 10));
    }

    private static String enc(String s) { return URLEncoder.encode(s, StandardCharsets.UTF_8); }

    /** Sends one request, following redirects (without credentials to another host). */
    private HttpResponse<InputStream> sendFollowing(Call c, String auth) throws IOException {
        URI uri;
        if (c.pathOrUrl().startsWith("/")) {
            return sendToHost(c, auth);
        }
        uri = URI.create(c.pathOrUrl());
        return follow(c, uri, auth, c.host().http, 0);
    }

    private HttpResponse<InputStream> sendToHost(Call c, String auth) throws IOException {
        Host h = c.host();
        if (h.scheme == null) {
            if (!h.insecure) h.scheme = "https";
            else probeScheme(h);
        }
        return follow(c, URI.create(h.scheme + "://" + h.name + c.pathOrUrl()), auth, h.http, 0);
    }

    /** Insecure registries may speak https (unverified) or plain http: try https briefly, like podman and docker. */
    private void probeScheme(Host h) {
        synchronized (h) {
            if (h.scheme != null) return;
            if (speaksPlainRegistryHttp(h.name)) {
                h.scheme = "http";
                return;
            }
            HttpRequest probe = HttpRequest.newBuilder(URI.create("https://" + h.name + "/v2/")).GET()
                    .timeout(insecureProbeTimeout).header("User-Agent", userAgent).build();
            try {
                HttpResponse<Void> r = h.http.send(probe, HttpResponse.BodyHandlers.discarding());
                h.scheme = r.statusCode() > 0 ? "https" : "http";
            } catch (IOException e) {
                h.scheme = "http";
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                h.scheme = "http";
            }
        }
    }

    /**
     * Whether host:port answers a plain-HTTP GET /v2/ as a registry does (200 or 401 with the distribution API
     * header). Cheaper than a TLS handshake, which a plain registry can only refuse; a TLS port (Go's answers plain
     * requests with "400 Bad Request") or no answer leaves the https probe to decide, so the order stays docker's.
     */
    private boolean speaksPlainRegistryHttp(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        if (colon < 0 || hostPort.endsWith("]")) return false; // no explicit port: 443 vs 80 is the probe's call
        int timeout = (int) Math.min(Integer.MAX_VALUE, insecureProbeTimeout.toMillis());
        try (var socket = new java.net.Socket()) {
            socket.connect(new java.net.InetSocketAddress(hostPort.substring(0, colon).replace("[", "").replace("]", ""),
                    Integer.parseInt(hostPort.substring(colon + 1))), timeout);
            socket.setSoTimeout(timeout);
            socket.getOutputStream().write(("GET /v2/ HTTP/1.0\r\nHost: " + hostPort + "\r\nUser-Agent: " + userAgent
                    + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            byte[] head = socket.getInputStream().readNBytes(4096);
            String text = new String(head, StandardCharsets.ISO_8859_1);
            boolean registryStatus = text.startsWith("HTTP/1.1 200") || text.startsWith("HTTP/1.1 401")
                    || text.startsWith("HTTP/1.0 200") || text.startsWith("HTTP/1.0 401");
            return registryStatus && text.toLowerCase(java.util.Locale.ROOT).contains("docker-distribution-api-version:");
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private HttpResponse<InputStream> follow(Call c, URI uri, String auth, HttpClient http, int hops) throws IOException {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(120)).header("User-Agent", userAgent);
        c.headers().forEach(b::header);
        if (auth != null) b.header("Authorization", auth);
        HttpRequest.BodyPublisher body;
        try {
            body = c.body() == null ? HttpRequest.BodyPublishers.noBody() : c.body().get();
        } catch (java.io.UncheckedIOException e) {
            throw e.getCause();
        }
        b.method(c.method(), body);
        HttpResponse<InputStream> r;
        if (c.blobGet() && c.method().equals("GET") && PlainHttp.handles(uri)) {
            Map<String, String> headers = new java.util.LinkedHashMap<>(c.headers());
            if (auth != null) headers.put("Authorization", auth);
            r = plainHttp.get(uri, headers, http.sslContext());
        } else {
            try {
                r = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
        }
        int s = r.statusCode();
        if ((s == 301 || s == 302 || s == 303 || s == 307 || s == 308) && r.headers().firstValue("Location").isPresent()
                && (c.method().equals("GET") || c.method().equals("HEAD"))) {
            drain(r);
            if (hops >= 5) throw new IOException("too many redirects from " + uri);
            URI next = uri.resolve(r.headers().firstValue("Location").get());
            boolean sameHost = next.getAuthority() != null && next.getAuthority().equals(uri.getAuthority());
            HttpClient nextHttp = sameHost ? http : host(next.getAuthority(), !tlsVerify).http;
            return follow(c, next, sameHost ? auth : null, nextHttp, hops + 1);
        }
        return r;
    }

    private RegistryException error(Call c, HttpResponse<InputStream> r) {
        byte[] body;
        try (InputStream in = r.body()) {
            body = in.readNBytes(64 << 10);
        } catch (IOException e) {
            body = new byte[0];
        }
        String[] err = errorOf(body);
        int s = r.statusCode();
        String what = err[1] != null ? err[1] : switch (s) {
            case 401 -> "unauthorized: authentication required";
            case 403 -> "denied: access forbidden";
            case 404 -> "not found";
            case 429 -> "too many requests";
            default -> s >= 500 ? "registry error" : "unexpected response";
        };
        if (s == 401 && err[1] != null && !what.toLowerCase().contains("auth")) what = "unauthorized: " + what;
        return new RegistryException(c.op(), c.image(), what, s, err[0], r.uri().toString(), null);
    }

    /** {code, message} from a distribution-spec error body, or nulls. */
    static String[] errorOf(byte[] body) {
        try {
            JsonNode n = Json.mapper().readTree(body);
            JsonNode e = n == null ? null : n.path("errors").path(0);
            if (e != null && !e.isMissingNode()) {
                String msg = e.path("message").asText(null);
                if (msg != null && !msg.isEmpty()) msg = Character.toLowerCase(msg.charAt(0)) + msg.substring(1);
                return new String[]{e.path("code").asText(null), msg};
            }
            if (n != null && n.has("details")) return new String[]{null, n.path("details").asText()};
        } catch (IOException | RuntimeException ignored) { }
        return new String[]{null, null};
    }

    static void drain(HttpResponse<InputStream> r) {
        try (InputStream in = r.body()) {
            in.skip(1 << 20);
        } catch (IOException ignored) { }
    }

    static byte[] readBounded(InputStream in, long limit, Reference ref, String url) {
        try (in) {
            byte[] b = in.readNBytes((int) limit + 1);
            if (b.length > limit)
                throw new RegistryException("pull", ref.toString(), "manifest is over the limit of " + limit + " bytes", 0, null, url, null);
            return b;
        } catch (IOException e) {
            throw new RegistryException("pull", ref.toString(), "reading the response failed: " + e, 0, null, url, e);
        }
    }

    private static long contentRangeStart(HttpHeaders h) {
        String cr = h.firstValue("Content-Range").orElse("");
        // "bytes 100-199/200"
        try {
            String v = cr.trim();
            if (v.startsWith("bytes ")) v = v.substring(6);
            return Long.parseLong(v.substring(0, v.indexOf('-')));
        } catch (RuntimeException e) {
            return -1;
        }
    }

    void sleepBackoff(int attempt, String retryAfter) {
        long ms = retryDelay.toMillis() << Math.min(attempt - 1, 6);
        ms += ThreadLocalRandom.current().nextLong(Math.max(1, ms / 4));
        if (retryAfter != null) {
            try { ms = Math.max(ms, Math.min(10_000, Long.parseLong(retryAfter.trim()) * 1000)); } catch (NumberFormatException ignored) { }
        }
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RegistryException("retry", "", "interrupted", 0, null, null, e);
        }
    }
}
