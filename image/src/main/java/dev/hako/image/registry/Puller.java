package dev.hako.image.registry;

import dev.hako.image.content.ContentStore;
import dev.hako.image.reference.Reference;
import dev.hako.oci.Json;
import dev.hako.oci.OciException;
import dev.hako.oci.image.Descriptor;
import dev.hako.oci.image.ImageConfig;
import dev.hako.oci.image.Index;
import dev.hako.oci.image.MediaTypes;
import dev.hako.oci.image.Manifest;
import dev.hako.oci.image.Platform;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

/** One pull: endpoints in order (mirrors, then primary), manifest → platform → blobs in parallel. */
final class Puller {
    private final RegistryClient client;
    private final ContentStore store;
    private final Platform platform;
    private final ProgressListener progress;
    private final BlobTap.Factory taps;   // null: store only

    Puller(RegistryClient client, ContentStore store, Platform platform, ProgressListener progress, BlobTap.Factory taps) {
        this.client = client;
        this.store = store;
        this.platform = platform == null ? Platform.host() : platform;
        this.progress = progress;
        this.taps = taps;
    }

    PullResult pull(Reference ref) {
        List<RegistriesConf.Endpoint> endpoints;
        try {
            endpoints = client.registries().pullEndpoints(ref);
        } catch (RegistryConfigException e) {
            throw new RegistryException("pull", ref.toString(), e.getMessage(), 0, null, null, e);
        }
        List<RegistryException> errors = new ArrayList<>();
        for (RegistriesConf.Endpoint ep : endpoints) {
            try {
                return pullFrom(ref, ep.reference());
            } catch (RegistryException e) {
                errors.add(e);
            }
        }
        RegistryException last = errors.getLast();
        for (int i = 0; i < errors.size() - 1; i++) last.addSuppressed(errors.get(i));
        throw last;
    }

    private static final int MAX_INDEX_DEPTH = 4;

    private PullResult pullFrom(Reference ref, Reference src) {
        ManifestResponse top = client.getManifest(src);
        Descriptor indexDesc = null;
        ManifestResponse mr = top;
        // an index may point at further indexes (nested); each is kept, the top one is the image's
        for (int depth = 0; mr.document() instanceof Index idx; depth++) {
            if (depth == MAX_INDEX_DEPTH)
                throw new RegistryException("pull", ref.toString(), "indexes nested more than " + MAX_INDEX_DEPTH + " deep at "
                        + mr.descriptor().digest(), 0, null, null, null);
            Descriptor child = idx.select(platform);
            if (child == null) // an index of indexes lists its children without a platform
                child = idx.manifestsOrEmpty().stream()
                        .filter(d -> d.platform() == null && MediaTypes.isIndex(d.mediaType())).findFirst().orElse(null);
            if (child == null)
                throw new RegistryException("pull", ref.toString(), "no image for platform " + platform.displayName()
                        + " (available: " + String.join(", ", idx.platformNames()) + ")", 0, null, null, null);
            store.put(mr.descriptor(), mr.bytes());
            if (indexDesc == null) indexDesc = mr.descriptor();
            mr = client.getManifest(src.withDigest(child.digest()));
        }
        Manifest manifest = (Manifest) mr.document();
        Descriptor manifestDesc = mr.descriptor();
        if (manifest.config().size() > ContentStore.MAX_CONFIG_SIZE)
            throw new RegistryException("pull", ref.toString(), "config " + manifest.config().digest() + " of " + manifest.config().size()
                    + " bytes is over the limit of " + ContentStore.MAX_CONFIG_SIZE, 0, null, null, null);
        progress.resolved(ref, manifestDesc);

        // the config first (small): with it every layer's diffID is known before the layer streams in. It is verified
        // in memory and made durable while the layers download; the manifest, stored last, waits for it.
        Descriptor configDesc = manifest.config();
        byte[] configBytes;
        Future<?> configStored = null;
        if (store.has(configDesc.digest())) {
            configBytes = store.read(configDesc, ContentStore.MAX_CONFIG_SIZE);
            progress.blobDone(configDesc, ProgressListener.BlobOutcome.ALREADY_LOCAL);
        } else {
            progress.blobStarted(configDesc, 0);
            configBytes = client.fetchBlobBytes(src, configDesc);
            configStored = client.executor.submit(() -> store.put(configDesc, configBytes));
        }
        ImageConfig config;
        try {
            config = parseConfig(ref, configBytes, configDesc);
            pullLayers(ref, src, manifest, config);
            if (configStored != null) {
                join(configStored, src);
                progress.blobDone(configDesc, ProgressListener.BlobOutcome.DOWNLOADED);
            }
        } finally {
            if (configStored != null && !configStored.isDone()) {   // a layer failed: don't leave the write behind
                try { configStored.get(); } catch (Exception ignored) { }
            }
        }
        // the manifest goes in last: its presence means the image is complete
        store.put(manifestDesc, mr.bytes());
        return new PullResult(ref, src, indexDesc, manifestDesc, manifest, manifest.config(), config);
    }

    private static ImageConfig parseConfig(Reference ref, byte[] bytes, Descriptor desc) {
        try {
            return Json.parse(bytes, ImageConfig.class).validate("config " + desc.digest());
        } catch (OciException e) {
            throw new RegistryException("pull", ref.toString(), e.getMessage(), 0, null, null, e);
        }
    }

    private static void join(Future<?> f, Reference src) {
        try {
            f.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            throw new RegistryException("pull", src.toString(), e.getCause().toString(), 0, null, null, e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RegistryException("pull", src.toString(), "interrupted", 0, null, null, e);
        }
    }

    private void pullLayers(Reference ref, Reference src, Manifest manifest, ImageConfig config) {
        if (config.diffIds().size() != manifest.layersOrEmpty().size())
            throw new RegistryException("pull", ref.toString(), "config lists " + config.diffIds().size() + " diff_ids but the manifest has "
                    + manifest.layersOrEmpty().size() + " layers", 0, null, null, null);

        Map<String, Integer> layers = new LinkedHashMap<>();   // digest → first index (a blob is fetched once)
        List<Descriptor> descs = manifest.layersOrEmpty();
        for (int i = 0; i < descs.size(); i++) layers.putIfAbsent(descs.get(i).digest().toString(), i);
        List<Descriptor> blobs = new ArrayList<>();
        List<Integer> index = new ArrayList<>();
        layers.forEach((d, i) -> {
            if (!d.equals(manifest.config().digest().toString())) { blobs.add(descs.get(i)); index.add(i); }
        });
        fetchAll(src, blobs, index, taps == null ? null : (i, d) -> taps.open(manifest, config, i, d));
    }

    private void fetchAll(Reference src, List<Descriptor> blobs, List<Integer> index,
                          java.util.function.BiFunction<Integer, Descriptor, BlobTap> tapFor) {
        // every blob is queued (and announced) before the first starts, so the progress lists them in order
        TransferQueue queue = new TransferQueue(client.parallelDownloads, progress);
        List<java.util.concurrent.Callable<Void>> tasks = new ArrayList<>();
        for (int k = 0; k < blobs.size(); k++) {
            Descriptor d = blobs.get(k);
            int at = index == null ? -1 : index.get(k);
            tasks.add(queue.queue(d, !store.has(d.digest()), () -> {
                BlobTap tap = tapFor == null || store.has(d.digest()) ? null : tapFor.apply(at, d);
                client.fetchBlob(src, d, store, progress, tap);
            }));
        }
        List<Future<?>> futures = new ArrayList<>();
        for (var t : tasks) futures.add(client.executor.submit(t));
        RuntimeException failure = null;
        for (Future<?> f : futures) {
            try {
                f.get();
            } catch (ExecutionException e) {
                RuntimeException re = e.getCause() instanceof RuntimeException r ? r
                        : new RegistryException("pull", src.toString(), e.getCause().toString(), 0, null, null, e.getCause());
                if (failure == null) {
                    failure = re;
                    futures.forEach(x -> x.cancel(true));
                } else if (!(e.getCause() instanceof InterruptedException)) {
                    failure.addSuppressed(re);
                }
            } catch (java.util.concurrent.CancellationException ignored) {
                // cancelled after the first failure
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                futures.forEach(x -> x.cancel(true));
                throw new RegistryException("pull", src.toString(), "interrupted", 0, null, null, e);
            }
        }
        if (failure != null) throw failure;
    }
}
