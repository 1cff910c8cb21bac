package dev.hako.image.registry;

import dev.hako.image.content.ContentStore;
import dev.hako.image.reference.Reference;
import dev.hako.oci.image.Descriptor;
import dev.hako.oci.image.ImageDocument;
import dev.hako.oci.image.Index;
import dev.hako.oci.image.Manifest;
import dev.hako.oci.image.MediaTypes;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

/** One push: blobs (skip if present, mount, monolithic or chunked upload), then manifests, children first. */
final class Pusher {
    private final RegistryClient client;
    private final ContentStore store;
    private final ProgressListener progress;

    Pusher(RegistryClient client, ContentStore store, ProgressListener progress) {
        this.client = client;
        this.store = store;
        this.progress = progress;
    }

    Descriptor push(Descriptor desc, Reference target, Reference mountFrom) {
        Reference dst;
        try {
            dst = client.registries().pushEndpoint(target).reference();
        } catch (RegistryConfigException e) {
            throw new RegistryException("push", target.toString(), e.getMessage(), 0, null, null, e);
        }
        if (mountFrom != null && !mountFrom.registry().equals(dst.registry())) mountFrom = null;
        return pushTree(desc, dst, mountFrom, true);
    }

    private Descriptor pushTree(Descriptor desc, Reference dst, Reference mountFrom, boolean top) {
        if (!store.has(desc.digest()))
            throw new RegistryException("push", dst.toString(), "manifest " + desc.digest() + " is not in the local store"
                    + (top ? "" : " (the image was pulled for one platform only)"), 0, null, null, null);
        byte[] bytes = store.read(desc, ContentStore.MAX_MANIFEST_SIZE);
        ImageDocument doc = ImageDocument.parse(bytes, desc.mediaType(), desc.digest().toString());
        if (doc instanceof Index idx) {
            for (Descriptor child : idx.manifestsOrEmpty())
                pushTree(child, dst.withTag(null).withDigest(child.digest()), mountFrom, false);
        } else if (doc instanceof Manifest m) {
            progress.resolved(dst, desc);
            pushBlobs(dst, m, mountFrom);
        }
        String mt = desc.mediaType() != null ? desc.mediaType() : doc.mediaType() != null ? doc.mediaType()
                : doc instanceof Index ? MediaTypes.OCI_INDEX : MediaTypes.OCI_MANIFEST;
        Reference where = top ? dst : dst.withTag(null);
        return client.putManifest(where, bytes, mt);
    }

    private void pushBlobs(Reference dst, Manifest m, Reference mountFrom) {
        Map<String, Descriptor> blobs = new LinkedHashMap<>();
        for (Descriptor l : m.layersOrEmpty()) blobs.putIfAbsent(l.digest().toString(), l);
        blobs.putIfAbsent(m.config().digest().toString(), m.config());
        TransferQueue queue = new TransferQueue(client.parallelDownloads, progress);
        List<java.util.concurrent.Callable<Void>> tasks = new ArrayList<>();
        for (Descriptor d : blobs.values()) tasks.add(queue.queue(d, true, () -> pushBlob(dst, d, mountFrom)));
        List<Future<?>> futures = new ArrayList<>();
        for (var t : tasks) futures.add(client.executor.submit(t));
        RuntimeException failure = null;
        for (Future<?> f : futures) {
            try {
                f.get();
            } catch (ExecutionException e) {
                RuntimeException re = e.getCause() instanceof RuntimeException r ? r
                        : new RegistryException("push", dst.toString(), e.getCause().toString(), 0, null, null, e.getCause());
                if (failure == null) { failure = re; futures.forEach(x -> x.cancel(true)); } else failure.addSuppressed(re);
            } catch (java.util.concurrent.CancellationException ignored) {
                // after the first failure
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RegistryException("push", dst.toString(), "interrupted", 0, null, null, e);
            }
        }
        if (failure != null) throw failure;
    }

    ProgressListener.BlobOutcome pushBlob(Reference repo, Descriptor desc, Reference mountFrom) {
        if (!store.has(desc.digest()))
            throw new RegistryException("push", repo.toString(), "blob " + desc.digest() + " is not in the local store", 0, null, null, null);
        if (client.blobExists(repo, desc.digest())) {
            progress.blobDone(desc, ProgressListener.BlobOutcome.ALREADY_REMOTE);
            return ProgressListener.BlobOutcome.ALREADY_REMOTE;
        }
        String uploads = "/v2/" + repo.repository() + "/blobs/uploads/";
        boolean mount = mountFrom != null && !mountFrom.repository().equals(repo.repository());
        if (mount) uploads += "?mount=" + enc(desc.digest().toString()) + "&from=" + enc(mountFrom.repository());
        String location;
        RegistryClient.Call post = new RegistryClient.Call("push", repo.toString(), client.endpointHost(repo), "POST", uploads,
                Map.of(), () -> HttpRequest.BodyPublishers.noBody(), RegistryClient.pushScope(repo, mount ? mountFrom : null),
                Set.of(201, 202), null, true);
        try (var resp = client.send(post)) {
            RegistryClient.drain(resp.response);
            if (mount && resp.response.statusCode() == 201) {
                progress.blobDone(desc, ProgressListener.BlobOutcome.MOUNTED);
                return ProgressListener.BlobOutcome.MOUNTED;
            }
            location = resp.response.headers().firstValue("Location").orElseThrow(() -> new RegistryException("push",
                    repo.toString(), "upload start for " + desc.digest() + " returned no Location", resp.response.statusCode(), null,
                    resp.response.uri().toString(), null));
            location = relativize(location, resp.response.uri());
        }
        progress.blobStarted(desc, 0);
        Path file = store.blobPath(desc.digest());
        long size = desc.size();
        if (size <= client.chunkSize) {
            put(repo, desc, location, () -> {
                try {
                    return HttpRequest.BodyPublishers.ofFile(file);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } else {
            long offset = 0;
            while (offset < size) {
                long n = Math.min(client.chunkSize, size - offset);
                long start = offset;
                RegistryClient.Call patch = new RegistryClient.Call("push", repo.toString(), client.endpointHost(repo), "PATCH", location,
                        Map.of("Content-Type", "application/octet-stream", "Content-Range", start + "-" + (start + n - 1)),
                        () -> HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(() -> slice(file, start, n)), n),
                        RegistryClient.pushScope(repo, null), Set.of(202), null, false);
                try (var resp = client.send(patch)) {
                    RegistryClient.drain(resp.response);
                    String next = resp.response.headers().firstValue("Location").orElse(null);
                    if (next != null) location = relativize(next, resp.response.uri());
                }
                offset += n;
                progress.blobProgress(desc, offset);
            }
            put(repo, desc, location, HttpRequest.BodyPublishers::noBody);
        }
        progress.blobProgress(desc, size);
        progress.blobDone(desc, ProgressListener.BlobOutcome.PUSHED);
        return ProgressListener.BlobOutcome.PUSHED;
    }

    private void put(Reference repo, Descriptor desc, String location, java.util.function.Supplier<HttpRequest.BodyPublisher> body) {
        String url = location + (location.contains("?") ? "&" : "?") + "digest=" + enc(desc.digest().toString());
        RegistryClient.Call put = new RegistryClient.Call("push", repo.toString(), client.endpointHost(repo), "PUT", url,
                Map.of("Content-Type", "application/octet-stream"), body, RegistryClient.pushScope(repo, null), Set.of(201, 204), null, false);
        try (var resp = client.send(put)) {
            RegistryClient.drain(resp.response);
        }
    }

    /** Keeps same-host locations host-relative (so the host's scheme and auth apply); others stay absolute. */
    private static String relativize(String location, java.net.URI base) {
        java.net.URI u = base.resolve(location);
        if (u.getAuthority() != null && u.getAuthority().equals(base.getAuthority()))
            return u.getRawPath() + (u.getRawQuery() == null ? "" : "?" + u.getRawQuery());
        return u.toString();
    }

    private static String enc(String s) { return URLEncoder.encode(s, StandardCharsets.UTF_8); }

    private static InputStream slice(Path file, long offset, long n) {
        try {
            InputStream in = Files.newInputStream(file);
            in.skipNBytes(offset);
            return new FilterInputStream(in) {
                long left = n;
                @Override public int read() throws IOException {
                    if (left <= 0) return -1;
                    int b = super.read();
                    if (b >= 0) left--;
                    return b;
                }
                @Override public int read(byte[] b, int off, int len) throws IOException {
                    if (left <= 0) return -1;
                    int r = super.read(b, off, (int) Math.min(len, left));
                    if (r > 0) left -= r;
                    return r;
                }
            };
        } catch (IOException e) {
            throw new UncheckedIOException("read " + file + ": " + e.getMessage(), e); // surfaces as the send's IOException
        }
    }
}
