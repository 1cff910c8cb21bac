package dev.hako.image.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hako.image.archive.ArchiveImage;
import dev.hako.image.archive.DockerArchive;
import dev.hako.image.archive.OciArchive;
import dev.hako.image.content.BlobNotFoundException;
import dev.hako.image.content.ContentStore;
import dev.hako.image.layer.Compression;
import dev.hako.image.layer.ExtractOptions;
import dev.hako.image.layer.LayerStore;
import dev.hako.image.auth.AuthFile;
import dev.hako.image.auth.Credentials;
import dev.hako.image.reference.Reference;
import dev.hako.image.registry.RegistriesConf;
import dev.hako.image.registry.RegistryClient;
import dev.hako.oci.Json;
import dev.hako.oci.image.Descriptor;
import dev.hako.oci.image.Digest;
import dev.hako.oci.image.ImageConfig;
import dev.hako.oci.image.Manifest;
import dev.hako.oci.image.MediaTypes;
import dev.hako.oci.image.Platform;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Images as docker users know them, over hako's stores: the content store (an OCI layout under
 * root/content), the layer store (root/layers, by ChainID) and the image metadata (root/images).
 * Pull, push, tag, remove, prune, history, inspect, save, load and import.
 */
public final class ImageService {
    /** Which containers use an image; the engine provides it. Empty = unused. */
    @FunctionalInterface
    public interface ImageUsage {
        List<String> containersUsing(Digest imageId);
    }

    /**
     * @param gcGrace  blobs younger than this are kept by prune's GC (a concurrent pull may not have recorded them yet)
     * @param authFile credentials file for login/pull/push (podman's --authfile); null = podman's and docker's defaults
     * @param env      the caller's environment, where those defaults come from (HOME, XDG_RUNTIME_DIR, DOCKER_CONFIG,
     *                 PATH for credential helpers); null = this process's
     * @param cwd      the caller's working directory: credential helpers run there, relative PATH entries and auth
     *                 file names start there; null = this process's
     */
    public record Options(Duration gcGrace, Path authFile, Map<String, String> env, Path cwd) {
        public static Options defaults() { return new Options(Duration.ofMinutes(10), null, null, null); }

        public Options withAuthFile(Path f) { return new Options(gcGrace, f, env, cwd); }

        public Options withGcGrace(Duration d) { return new Options(d, authFile, env, cwd); }

        public Options withEnv(Map<String, String> e) { return new Options(gcGrace, authFile, e, cwd); }

        public Options withCwd(Path d) { return new Options(gcGrace, authFile, env, d); }
    }

    private final Path root;
    private final ContentStore content;
    private final ImageStore store;
    private final LayerStore layers;
    private final Options options;
    private volatile ImageUsage usage = id -> List.of();

    public ImageService(Path root) { this(root, Options.defaults()); }

    public ImageService(Path root, Options options) {
        this.root = root.toAbsolutePath();
        this.options = options;
        this.content = ContentStore.open(this.root.resolve("content"));
        this.store = new ImageStore(this.root);
        this.layers = new LayerStore(this.root.resolve("layers"));
    }

    public void setImageUsage(ImageUsage usage) { this.usage = usage; }

    /** What this service was opened with (the user's environment and auth file: the CLI service passes its caller's). */
    public Options options() { return options; }

    public ContentStore content() { return content; }

    public ImageStore store() { return store; }

    public LayerStore layers() { return layers; }

    public Path root() { return root; }

    // ---- queries -----------------------------------------------------------------------------------------

    public List<ImageRecord> list() { return store.list(); }

    public ImageRecord resolve(String nameOrId) { return store.resolve(nameOrId); }

    /** The image's config, read from the content store. */
    public ImageConfig config(ImageRecord r) { return Json.parse(configBytes(r), ImageConfig.class); }

    private byte[] configBytes(ImageRecord r) {
        return content.read(r.id(), ContentStore.MAX_CONFIG_SIZE);
    }

    /** `docker image inspect`'s object for one image. */
    public Map<String, Object> inspect(String nameOrId) {
        ImageRecord r = resolve(nameOrId);
        JsonNode raw = readTree(configBytes(r));
        ImageConfig c = config(r);
        ImageConfig.Config cc = c.config();
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("Id", r.id().toString());
        o.put("RepoTags", r.repoTags().stream().map(ImageNames::familiar).toList());
        o.put("RepoDigests", r.repoDigests().stream().map(ImageNames::familiar).toList());
        o.put("Parent", "");
        o.put("Comment", raw.path("comment").asText(""));
        o.put("Created", c.created() == null ? "0001-01-01T00:00:00Z" : c.created());
        o.put("DockerVersion", raw.path("docker_version").asText(""));
        o.put("Author", c.author() == null ? "" : c.author());
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("Hostname", "");
        config.put("Domainname", "");
        config.put("User", cc == null || cc.user() == null ? "" : cc.user());
        config.put("AttachStdin", false);
        config.put("AttachStdout", false);
        config.put("AttachStderr", false);
        if (cc != null && cc.exposedPorts() != null) config.put("ExposedPorts", cc.exposedPorts());
        config.put("Tty", false);
        config.put("OpenStdin", false);
        config.put("StdinOnce", false);
        config.put("Env", cc == null ? null : cc.env());
        config.put("Cmd", cc == null ? null : cc.cmd());
        if (cc != null && cc.healthcheck() != null) config.put("Healthcheck", cc.healthcheck());
        if (cc != null && cc.argsEscaped() != null) config.put("ArgsEscaped", cc.argsEscaped());
        config.put("Image", "");
        config.put("Volumes", cc == null ? null : cc.volumes());
        config.put("WorkingDir", cc == null || cc.workingDir() == null ? "" : cc.workingDir());
        config.put("Entrypoint", cc == null ? null : cc.entrypoint());
        config.put("OnBuild", cc == null ? null : cc.onBuild());
        config.put("Labels", cc == null ? null : cc.labels());
        if (cc != null && cc.stopSignal() != null) config.put("StopSignal", cc.stopSignal());
        if (cc != null && cc.shell() != null) config.put("Shell", cc.shell());
        o.put("Config", config);
        o.put("Architecture", c.architecture());
        if (c.variant() != null) o.put("Variant", c.variant());
        o.put("Os", c.os());
        if (c.osVersion() != null) o.put("OsVersion", c.osVersion());
        o.put("Size", r.size());
        o.put("VirtualSize", r.size());
        Map<String, Object> graph = new LinkedHashMap<>();
        Map<String, Object> data = new LinkedHashMap<>();
        List<String> dirs = new ArrayList<>();
        for (Digest chain : r.chainIds().reversed()) dirs.add(layerPath(chain).toString());
        if (!dirs.isEmpty()) data.put("LowerDir", String.join(":", dirs));
        graph.put("Data", data);
        graph.put("Name", "overlay");
        o.put("GraphDriver", graph);
        o.put("RootFS", Map.of("Type", "layers", "Layers", r.diffIds().stream().map(Digest::toString).toList()));
        o.put("Metadata", Map.of("LastTagTime", r.lastTagTime() == null ? "0001-01-01T00:00:00Z" : r.lastTagTime()));
        return o;
    }

    private static JsonNode readTree(byte[] b) {
        try {
            return Json.mapper().readTree(b);
        } catch (IOException e) {
            throw new ImageException("invalid image config: " + e.getMessage(), e);
        }
    }

    /** `docker history`: newest first; the top entry carries the image ID, the others "<missing>". */
    public List<HistoryEntry> history(String nameOrId) {
        ImageRecord r = resolve(nameOrId);
        ImageConfig c = config(r);
        List<HistoryEntry> out = new ArrayList<>();
        List<ImageConfig.History> hist = c.history() == null ? List.of() : c.history();
        int layer = 0;
        if (hist.isEmpty()) {
            for (int i = 0; i < r.diffIds().size(); i++)
                out.add(new HistoryEntry("<missing>", c.created(), "", sizeOf(r, i), "", List.of()));
        } else {
            for (ImageConfig.History h : hist) {
                long size = 0;
                if (!h.isEmptyLayer()) size = sizeOf(r, layer++);
                out.add(new HistoryEntry("<missing>", h.created(), h.createdBy() == null ? "" : h.createdBy(), size,
                        h.comment() == null ? "" : h.comment(), List.of()));
            }
        }
        List<HistoryEntry> rev = new ArrayList<>(out.reversed());
        if (!rev.isEmpty()) {
            HistoryEntry top = rev.getFirst();
            rev.set(0, new HistoryEntry(r.id().toString(), top.created(), top.createdBy(), top.size(), top.comment(),
                    r.repoTags().stream().map(ImageNames::familiar).toList()));
        }
        return rev;
    }

    private static long sizeOf(ImageRecord r, int layer) {
        return layer < r.layerSizes().size() ? r.layerSizes().get(layer) : 0;
    }

    // ---- names -------------------------------------------------------------------------------------------

    /** `docker tag SOURCE TARGET`. */
    public void tag(String source, String target) {
        ImageRecord r = resolve(source);
        String name = ImageNames.normalize(target);
        Reference ref = Reference.parse(target);
        if (ref.digest() != null) throw new ImageException("refusing to create a tag with a digest reference");
        try (ImageStore.Lock ignored = store.lock()) {
            content.tag(name, manifestDescriptor(r));
            store.tag(r.id(), name);
        }
    }

    private Descriptor manifestDescriptor(ImageRecord r) {
        return new Descriptor(r.manifestMediaType(), r.manifestDigest(), content.size(r.manifestDigest()));
    }

    // ---- removal -----------------------------------------------------------------------------------------

    /**
     * `docker rmi`: by name removes that tag, and the image when it was the last one; by ID removes the
     * image (with -f also when several names point at it). An image a container uses is refused
     * (with -f only its names go).
     */
    public Removal remove(String nameOrId, boolean force) {
        try (ImageStore.Lock ignored = store.lock()) {
            ImageRecord r = resolve(nameOrId);
            boolean byName = isName(nameOrId, r);
            List<String> users = usage.containersUsing(r.id());
            List<String> untagged = new ArrayList<>();
            if (byName) {
                Reference ref = Reference.parse(nameOrId);
                String tag = ref.digest() == null ? ref.toString() : null;
                boolean last = r.repoTags().size() <= 1;
                if (last && !users.isEmpty() && !force) {
                    throw new ImageConflictException("conflict: unable to remove repository reference \""
                            + nameOrId + "\" (must force) - container " + shortId(users.getFirst())
                            + " is using its referenced image " + r.id().shortHex());
                }
                if (tag != null && !last) {
                    untag(r, tag);
                    return new Removal(List.of(ImageNames.familiar(tag)), List.of(), 0);
                }
                if (ref.digest() != null && (r.repoTags().size() + r.repoDigests().size()) > 1) {
                    String d = ref.name() + "@" + ref.digest();
                    store.update(map -> {
                        ImageRecord cur = map.get(r.id());
                        List<String> left = new ArrayList<>(cur.repoDigests());
                        left.remove(d);
                        map.put(r.id(), cur.withRepoDigests(left));
                        return null;
                    });
                    return new Removal(List.of(ImageNames.familiar(d)), List.of(), 0);
                }
            } else if (r.repoTags().size() > 1 && !force) {
                throw new ImageConflictException("conflict: unable to delete " + r.id().shortHex()
                        + " (must be forced) - image is referenced in multiple repositories");
            }
            if (!users.isEmpty()) {
                if (!force)
                    throw new ImageConflictException("conflict: unable to delete " + r.id().shortHex()
                            + " (must be forced) - image is being used by container " + shortId(users.getFirst()));
                // forced: the names go, the image stays for its containers
                for (String t : r.repoTags()) {
                    untag(r, t);
                    untagged.add(ImageNames.familiar(t));
                }
                return new Removal(untagged, List.of(), 0);
            }
            return delete(r);
        }
    }

    private static String shortId(String id) { return id.length() > 12 ? id.substring(0, 12) : id; }

    /** True if the user named the image (not by ID). */
    private static boolean isName(String arg, ImageRecord r) {
        String hex = arg.startsWith("sha256:") ? arg.substring(7) : arg;
        if (hex.matches("[0-9a-f]{1,64}") && r.id().encoded().startsWith(hex)) {
            // "abc123" could be both; docker prefers the name when one exists
            String n = Reference.parse(arg).toString();
            return r.repoTags().contains(n);
        }
        return true;
    }

    private void untag(ImageRecord r, String tag) {
        content.untag(tag);
        store.untag(tag);
    }

    /** Deletes an image: names, record, then its blobs and layers nothing else uses. Under the store lock. */
    private Removal delete(ImageRecord r) {
        List<String> untagged = new ArrayList<>();
        for (String t : r.repoTags()) untagged.add(ImageNames.familiar(t));
        for (String d : r.repoDigests()) untagged.add(ImageNames.familiar(d));
        for (String t : r.repoTags()) content.untag(t);
        content.removeRoot(r.manifestDigest());
        store.delete(r.id());
        List<String> deleted = new ArrayList<>();
        deleted.add(r.id().toString());
        long freed = 0;
        // blobs of this image that no remaining image references
        Set<Digest> keep = new HashSet<>();
        List<Digest> roots = new ArrayList<>();
        for (ImageRecord o : store.list()) roots.add(o.manifestDigest());
        for (Descriptor d : content.index().manifestsOrEmpty()) roots.add(d.digest());
        keep.addAll(content.reachable(roots));
        List<Digest> mine = new ArrayList<>();
        mine.add(r.manifestDigest());
        try {
            Manifest m = content.readManifest(new Descriptor(r.manifestMediaType(), r.manifestDigest(), content.size(r.manifestDigest())));
            for (Descriptor d : m.blobs()) mine.add(d.digest());
        } catch (RuntimeException e) {
            // manifest already gone: nothing more to find
        }
        for (Digest d : mine) {
            if (keep.contains(d) || !content.has(d)) continue;
            long size = content.size(d);
            if (content.delete(d)) freed += size;
        }
        Set<Digest> usedChains = new HashSet<>();
        for (ImageRecord o : store.list()) usedChains.addAll(o.chainIds());
        for (Digest chain : r.chainIds().reversed()) {
            if (usedChains.contains(chain)) continue;
            if (removeLayer(chain)) deleted.add(chain.toString());
        }
        return new Removal(untagged, deleted, freed + r.size());
    }

    /**
     * `docker image prune`: removes dangling images (with {@code all}, every image no container uses),
     * then collects blobs and layers nothing references.
     */
    public Removal prune(boolean all) {
        try (ImageStore.Lock ignored = store.lock()) {
            List<String> untagged = new ArrayList<>(), deleted = new ArrayList<>();
            long freed = 0;
            for (ImageRecord r : store.list()) {
                if (!all && !r.dangling()) continue;
                if (!usage.containersUsing(r.id()).isEmpty()) continue;
                Removal one = delete(r);
                untagged.addAll(one.untagged());
                deleted.addAll(one.deleted());
                freed += one.reclaimed();
            }
            List<Digest> roots = store.list().stream().map(ImageRecord::manifestDigest).toList();
            ContentStore.GcResult gc = content.gc(roots, options.gcGrace());
            freed += gc.bytesFreed();
            Set<Digest> usedChains = new HashSet<>();
            for (ImageRecord o : store.list()) usedChains.addAll(o.chainIds());
            for (Digest chain : listLayers()) {
                if (!usedChains.contains(chain) && removeLayer(chain)) deleted.add(chain.toString());
            }
            return new Removal(untagged, deleted, freed);
        }
    }

    // ---- recording ---------------------------------------------------------------------------------------

    /** ChainIDs per image-spec (the layer store's names). */
    public static List<Digest> chainIds(List<Digest> diffIds) { return LayerStore.chainIds(diffIds); }

    /** Records an image whose manifest, config and layers are stored and unpacked; names it in both stores. */
    ImageRecord record(Descriptor manifestDesc, Manifest m, ImageConfig config, List<String> tags, List<String> repoDigests,
                       List<Long> layerSizes) {
        long size = 0;
        for (long s : layerSizes) size += s;
        Platform p = config.platform();
        ImageRecord r = new ImageRecord(m.config().digest(), manifestDesc.digest(),
                manifestDesc.mediaType() != null ? manifestDesc.mediaType() : MediaTypes.OCI_MANIFEST,
                List.of(), List.of(), config.created(), Instant.now().toString(), size, p.displayName(),
                config.diffIds(), chainIds(config.diffIds()), layerSizes);
        try (ImageStore.Lock ignored = store.lock()) {
            Descriptor plain = new Descriptor(r.manifestMediaType(), manifestDesc.digest(), manifestDesc.size());
            if (tags.isEmpty()) content.addRoot(plain);
            for (String t : tags) content.tag(t, plain);
            return store.add(r, tags, repoDigests);
        }
    }

    // ---- save / load / import ---------------------------------------------------------------------------

    /** `docker save`: the images named (all their tags when named by ID, as docker does). */
    public void save(List<String> names, ArchiveFormat format, OutputStream out) throws IOException {
        List<ArchiveImage> images = new ArrayList<>();
        Map<Digest, List<String>> byId = new LinkedHashMap<>();
        Map<Digest, ImageRecord> recs = new LinkedHashMap<>();
        for (String n : names) {
            ImageRecord r = resolve(n);
            recs.put(r.id(), r);
            List<String> tags = byId.computeIfAbsent(r.id(), k -> new ArrayList<>());
            String asName = Reference.parse(n).toString();
            if (r.repoTags().contains(asName)) {
                if (!tags.contains(asName)) tags.add(asName);
            } else {
                for (String t : r.repoTags()) if (!tags.contains(t)) tags.add(t);
            }
        }
        for (var e : byId.entrySet()) images.add(new ArchiveImage(e.getValue(), manifestDescriptor(recs.get(e.getKey()))));
        switch (format) {
            case DOCKER_ARCHIVE -> DockerArchive.write(content, images, out, root.resolve("tmp"));
            case OCI_ARCHIVE -> OciArchive.write(content, images, out);
        }
    }

    /** `docker load` from a tar file (docker-archive or oci-archive, detected): docker's "Loaded image: …" lines. */
    public List<String> load(Path archive, ProgressListener progress) throws IOException {
        List<ArchiveImage> images = DockerArchive.looksLike(archive)
                ? DockerArchive.read(archive, content)
                : OciArchive.read(archive, content, Platform.host());
        List<String> lines = new ArrayList<>();
        for (ArchiveImage ai : images) {
            Manifest m = content.readManifest(ai.manifest());
            ImageConfig config = Json.parse(content.read(m.config(), ContentStore.MAX_CONFIG_SIZE), ImageConfig.class)
                    .validate("config " + m.config().digest());
            List<Long> sizes = unpackAll(m, config, progress);
            ImageRecord r = record(ai.manifest(), m, config, ai.names(), List.of(), sizes);
            if (ai.names().isEmpty()) lines.add("Loaded image ID: " + r.id());
            for (String n : ai.names()) lines.add("Loaded image: " + ImageNames.familiar(n));
        }
        return lines;
    }

    /**
     * `docker import`: a root filesystem tarball (plain, gzip or zstd) becomes a one-layer image.
     * {@code changes} are Dockerfile instructions (CMD, ENV, …); {@code message} is the history comment.
     */
    public ImageRecord importImage(InputStream tarball, String reference, List<String> changes, String message,
                                   Platform platform) throws IOException {
        String name = reference == null ? null : ImageNames.normalize(reference);
        // a compressed tarball is stored as it came; a plain one gzipped (as docker and podman push it), then the
        // uncompressed form is hashed for the DiffID
        BufferedInputStream in = new BufferedInputStream(tarball, 1 << 16);
        in.mark(4);
        byte[] head = new byte[4];
        int n = in.readNBytes(head, 0, 4);
        in.reset();
        Compression given = Compression.detect(head, n);
        Descriptor layer = given == Compression.NONE ? putGzipped(in, "import") : content.put(given.ociMediaType(), in);
        Digest diffId;
        long uncompressed;
        try (DigestInputStream d = new DigestInputStream(Compression.decompress(content.open(layer.digest())),
                Digest.messageDigest(Digest.SHA256))) {
            uncompressed = d.transferTo(OutputStream.nullOutputStream());
            diffId = Digest.fromMessageDigest(Digest.SHA256, d.getMessageDigest());
        }
        String now = Instant.now().toString();
        ImageConfig.Config cc = DockerfileChanges.apply(null, changes);
        Platform p = platform.normalize();
        ImageConfig config = new ImageConfig(now, null, p.architecture(), p.os(), null, null, p.variant(), cc,
                new ImageConfig.RootFs(List.of(diffId)),
                List.of(new ImageConfig.History(now, "", null, message == null || message.isEmpty()
                        ? "Imported from -" : message, null)));
        ObjectNode tree = Json.mapper().valueToTree(config);
        if (message != null && !message.isEmpty()) tree.put("comment", message);
        Descriptor configDesc = content.put(MediaTypes.OCI_CONFIG, Json.bytes(tree));
        Manifest m = new Manifest(MediaTypes.OCI_MANIFEST, configDesc, List.of(layer));
        Descriptor md = content.put(MediaTypes.OCI_MANIFEST, Json.bytes(m));
        List<Long> sizes = unpackAll(m, config, ProgressListener.NONE);
        if (sizes.getFirst() != uncompressed) throw new ImageException("import: layer size changed while unpacking");
        return record(md, m, config, name == null ? List.of() : List.of(name), List.of(), sizes);
    }

    /**
     * Stores {@code plain} gzip-compressed. The compressor runs on its own thread into a pipe; if it fails it leaves
     * the pipe open, so the reading side fails too ("write end dead") instead of storing a truncated blob.
     */
    private Descriptor putGzipped(InputStream plain, String what) throws IOException {
        var pipeIn = new java.io.PipedInputStream(1 << 16);
        var pipeOut = new java.io.PipedOutputStream(pipeIn);
        IOException[] failure = new IOException[1];
        Thread compressor = Thread.ofPlatform().daemon().name("hako-" + what + "-gzip").start(() -> {
            try {
                var gz = new java.util.zip.GZIPOutputStream(pipeOut, 1 << 16);
                plain.transferTo(gz);
                gz.close();
            } catch (IOException e) {
                failure[0] = e;
            }
        });
        Descriptor d;
        try {
            d = content.put(MediaTypes.OCI_LAYER_GZIP, pipeIn);
        } catch (RuntimeException | IOException e) {
            compressor.interrupt();
            throw e;
        }
        try {
            compressor.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(what + ": interrupted while compressing", e);
        }
        if (failure[0] != null) throw new IOException(what + ": read the layer tar: " + failure[0].getMessage(), failure[0]);
        return d;
    }

    /**
     * `docker commit`: {@code base}'s layers plus {@code layerTar} (an uncompressed layer tar, deletions as .wh.
     * entries) with {@code config} (its rootfs is filled in here); named {@code reference} when given. The layer is
     * stored gzip-compressed, as docker and podman store and push it: the blob's digest is the gzip's, its DiffID
     * the plain tar's (hashed on the way into the compressor).
     */
    public ImageRecord commit(ImageRecord base, InputStream layerTar, ImageConfig config, String comment,
                              String reference) throws IOException {
        String name = reference == null ? null : ImageNames.normalize(reference);
        DigestInputStream plain = new DigestInputStream(layerTar, Digest.messageDigest(Digest.SHA256));
        Descriptor layer = putGzipped(plain, "commit"); // returns once the compressor has read all of the tar
        Digest diffId = Digest.fromMessageDigest(Digest.SHA256, plain.getMessageDigest());
        Manifest baseManifest = content.readManifest(manifestDescriptor(base));
        List<Descriptor> layerDescs = new ArrayList<>(baseManifest.layersOrEmpty());
        layerDescs.add(layer);
        List<Digest> diffIds = new ArrayList<>(base.diffIds());
        diffIds.add(diffId);
        ImageConfig full = config.withRootfs(new ImageConfig.RootFs(diffIds));
        ObjectNode tree = Json.mapper().valueToTree(full);
        if (comment != null && !comment.isEmpty()) tree.put("comment", comment);
        Descriptor configDesc = content.put(MediaTypes.OCI_CONFIG, Json.bytes(tree));
        Manifest m = new Manifest(MediaTypes.OCI_MANIFEST, configDesc, layerDescs);
        Descriptor md = content.put(MediaTypes.OCI_MANIFEST, Json.bytes(m));
        List<Long> sizes = unpackAll(m, full, ProgressListener.NONE);
        return record(md, m, full, name == null ? List.of() : List.of(name), List.of(), sizes);
    }

    // ---- layers (the layer store) -----------------------------------------------------------------------

    /**
     * Unpacks every layer of {@code m} not yet in the layer store, in parallel, verifying DiffIDs;
     * returns the uncompressed sizes, bottom first.
     */
    List<Long> unpackAll(Manifest m, ImageConfig config, ProgressListener progress) {
        List<Digest> diffIds = config.diffIds();
        List<Descriptor> layers = m.layersOrEmpty();
        if (diffIds.size() != layers.size())
            throw new ImageException("image " + m.config().digest() + ": config lists " + diffIds.size()
                    + " diff_ids but the manifest has " + layers.size() + " layers");
        List<Digest> chains = chainIds(diffIds);
        List<java.util.concurrent.Future<Long>> jobs = new ArrayList<>();
        // platform threads: an unpack blocks in flock(2) while its layer is unpacked elsewhere, which would pin a carrier
        try (var pool = java.util.concurrent.Executors.newThreadPerTaskExecutor(
                Thread.ofPlatform().daemon().name("hako-unpack-", 0).factory())) {
            for (int i = 0; i < layers.size(); i++) {
                int at = i;
                jobs.add(pool.submit(() -> unpackOne(layers.get(at), at == 0 ? null : chains.get(at - 1),
                        diffIds.get(at), progress)));
            }
        }
        List<Long> sizes = new ArrayList<>();
        for (var j : jobs) sizes.add(join(j));
        confirmLater();
        return sizes;
    }

    /**
     * Confirms what was just unpacked once the kernel has written it back, so a clean reboot finds it confirmed: a
     * daemon thread that only a long-lived JVM (the CLI service, an embedding application) lives to run. Otherwise
     * the next command that needs the layers confirms them, or after a reboot unpacks them again.
     */
    private void confirmLater() {
        Thread.ofVirtual().name("hako-layer-confirm").start(() -> {
            try {
                Thread.sleep(SYNC_GRACE.plusSeconds(5));
            } catch (InterruptedException e) {
                return;
            }
            confirmLayersSynced();
        });
    }

    /**
     * Makes sure every layer of {@code image} is unpacked and trusted before a container uses them: a layer the
     * machine went down with before it reached the disk (see {@link LayerStore}) is unpacked again from its blob.
     */
    public void ensureUnpacked(ImageRecord image) {
        confirmLayersSynced();
        if (image.chainIds().stream().allMatch(layers::trusted)) return;
        Manifest m = content.readManifest(new Descriptor(image.manifestMediaType(), image.manifestDigest(),
                content.size(image.manifestDigest())));
        try {
            unpackAll(m, config(image), ProgressListener.NONE);
        } catch (BlobNotFoundException e) {
            throw new ImageException("image " + image.id().shortHex() + ": a layer must be unpacked again (the machine"
                    + " went down before it was on disk) but its blob is gone: " + e.getMessage()
                    + "; remove the image and pull or load it again", e);
        }
    }

    /** How old unsynced layers must be before a syncfs confirms them: past the kernel's writeback age, it finds little. */
    private static final Duration SYNC_GRACE = Duration.ofSeconds(35);

    /** Confirms layers written a while ago as durable (cheap, see {@link LayerStore#confirmSynced}); best effort. */
    private void confirmLayersSynced() {
        try {
            layers.confirmSynced(SYNC_GRACE);
        } catch (IOException | RuntimeException e) {
            // they stay unconfirmed, which is safe: a later call, or an unpack after a crash, deals with them
        }
    }

    /** Unpacks one layer (a no-op when it is there); docker's "Extracting" / "Pull complete". */
    long unpackOne(Descriptor layer, Digest parentChain, Digest diffId, ProgressListener progress) throws IOException {
        return unpackOne(layer, parentChain, diffId, () -> content.open(layer.digest()), progress);
    }

    /** As above, reading the blob from {@code source} (the content store, or the download as it arrives). */
    long unpackOne(Descriptor layer, Digest parentChain, Digest diffId, LayerStore.BlobSource source,
                   ProgressListener progress) throws IOException {
        Digest chain = LayerStore.chainId(parentChain, diffId);
        var have = layers.trustedInfo(chain);
        if (have.isPresent()) return have.get().size();
        String id = layer.digest().shortHex();
        progress.update(id, "Extracting", -1, -1);
        LayerStore.LayerInfo info = layers.unpack(parentChain, diffId, source, ExtractOptions.overlay());
        progress.update(id, "Pull complete", -1, -1);
        return info.size();
    }

    static <T> T join(java.util.concurrent.Future<T> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ImageException("interrupted");
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException re) throw re;
            if (c instanceof IOException io) throw unchecked(io);
            throw new ImageException(String.valueOf(c), c);
        }
    }

    private Path layerPath(Digest chainId) { return layers.diffDir(chainId); }

    private boolean removeLayer(Digest chainId) {
        try {
            return layers.delete(chainId);
        } catch (IOException e) {
            throw new ImageException("remove layer " + chainId + ": " + e.getMessage(), e);
        }
    }

    private List<Digest> listLayers() {
        try {
            return layers.list().stream().map(LayerStore.LayerInfo::chainId).toList();
        } catch (IOException e) {
            throw new ImageException("list layers in " + layers.root() + ": " + e.getMessage(), e);
        }
    }

    // ---- registry ---------------------------------------------------------------------------------------

    /**
     * A registry client for one operation: the system registries.conf, the user's auth files; registries on
     * loopback addresses may speak plain http, as docker allows by default.
     */
    private RegistryClient client(String registry, boolean tlsVerify) {
        RegistriesConf conf = RegistriesConf.system();
        if (registry != null && isLoopback(registry)) {
            Reference probe = new Reference(registry, "x", null, null);
            if (conf.find(probe) == null) {
                conf = conf.merge(RegistriesConf.parse("[[registry]]\nlocation = \"" + registry + "\"\ninsecure = true\n",
                        "hako: loopback registries are insecure"));
            }
        }
        return RegistryClient.builder().registries(conf).authFile(authFile()).tlsVerify(tlsVerify)
                .parallelDownloads(PARALLEL_DOWNLOADS).build();
    }

    /** Layers downloading (and, streamed, unpacking) at once: podman's default; docker's is 3. */
    static final int PARALLEL_DOWNLOADS = Integer.getInteger("hako.pull.parallel", 6);

    static boolean isLoopback(String registry) {
        String host = registry.startsWith("[") ? registry.substring(1, registry.indexOf(']'))
                : registry.contains(":") ? registry.substring(0, registry.indexOf(':')) : registry;
        return host.equals("localhost") || host.startsWith("127.") || host.equals("::1");
    }

    /** The registry a user-typed name goes to, for choosing client settings (null: decided by search). */
    private static String registryOf(String name) {
        return Reference.isQualified(name) ? Reference.parse(name).registry() : null;
    }

    public PullResult pull(String reference, Platform platform, ProgressListener progress) {
        return pull(reference, platform, progress, true);
    }

    /**
     * `docker pull`: fetches manifest, config and layers into the content store (layers in parallel,
     * present blobs skipped), unpacks the layers (verifying DiffIDs) and records the image under the
     * pulled name. {@code platform} null = the host's.
     */
    public PullResult pull(String reference, Platform platform, ProgressListener progress, boolean tlsVerify) {
        Platform want = platform == null ? Platform.host() : platform;
        confirmLayersSynced();
        try (RegistryClient client = client(registryOf(reference), tlsVerify);
             StreamingUnpacker streaming = new StreamingUnpacker(layers,
                     (layer, parent, diffId, source) -> unpackOne(layer, parent, diffId, source, progress))) {
            TransferProgress tp = new TransferProgress(progress, content, false, null);
            dev.hako.image.registry.PullResult r;
            try {
                r = client.pullByName(reference, want, content, tp, streaming);
            } finally {
                streaming.await();   // a failed pull leaves no unpack running behind it
            }
            List<Long> sizes = unpackAll(r.parsed(), r.imageConfig(), progress);
            Reference ref = r.reference();
            List<String> tags = ref.tag() != null && ref.digest() == null ? List.of(ref.toString()) : List.of();
            String repoDigest = ref.name() + "@" + r.repoDigestTarget().digest();
            Digest before = tags.isEmpty() ? null
                    : store.list().stream().filter(i -> i.repoTags().contains(tags.getFirst())).map(ImageRecord::id).findFirst().orElse(null);
            boolean hadDigest = store.list().stream().anyMatch(i -> i.repoDigests().contains(repoDigest));
            ImageRecord rec = record(r.manifest(), r.parsed(), r.imageConfig(), tags, List.of(repoDigest), sizes);
            boolean updated = tags.isEmpty() ? !hadDigest : !rec.id().equals(before);
            return new PullResult(rec, ref.toString(), r.repoDigestTarget().digest(), updated);
        }
    }

    /** `docker pull --all-tags`: every tag of the repository. */
    public List<PullResult> pullAllTags(String reference, Platform platform, ProgressListener progress) {
        Reference repo = Reference.parseLoose(reference);
        if (repo.tag() != null || repo.digest() != null)
            throw new ImageException("tag can't be used with --all-tags/-a");
        List<String> tags;
        try (RegistryClient client = client(repo.registry(), true)) {
            tags = client.listTags(repo);
        }
        List<PullResult> out = new ArrayList<>();
        for (String t : tags) out.add(pull(repo.withTag(t).toString(), platform, progress));
        return out;
    }

    public PushResult push(String reference, ProgressListener progress) { return push(reference, progress, true); }

    /** `docker push NAME[:TAG]`: the local image with that name goes to the registry it names. */
    public PushResult push(String reference, ProgressListener progress, boolean tlsVerify) {
        Reference ref = Reference.parse(reference);
        if (ref.digest() != null) throw new ImageException("cannot push a digest reference");
        ImageRecord r;
        try {
            r = resolve(ref.toString());
        } catch (NoSuchImageException e) {
            throw new ImageException("An image does not exist locally with the tag: "
                    + new Reference(ref.registry(), ref.repository(), null, null).familiar());
        }
        progress.message("The push refers to repository [" + ref.name() + "]");
        Descriptor manifest = manifestDescriptor(r);
        Descriptor pushed;
        try (RegistryClient client = client(ref.registry(), tlsVerify)) {
            TransferProgress tp = new TransferProgress(progress, content, true, null);
            tp.resolved(ref, manifest);
            pushed = client.push(content, manifest, ref, null, tp);
        }
        store.update(map -> {
            ImageRecord cur = map.get(r.id());
            if (cur != null) map.put(r.id(), cur.addRepoDigest(ref.name() + "@" + pushed.digest()));
            return null;
        });
        return new PushResult(ref.toString(), ref.tag(), pushed.digest(), pushed.size());
    }

    /** `docker push --all-tags`: every local tag of the repository. */
    public List<PushResult> pushAllTags(String reference, ProgressListener progress) {
        Reference repo = Reference.parseLoose(reference);
        if (repo.tag() != null || repo.digest() != null)
            throw new ImageException("tag can't be used with --all-tags/-a");
        List<PushResult> out = new ArrayList<>();
        for (ImageRecord r : store.list())
            for (String t : r.repoTags())
                if (Reference.parseLoose(t).name().equals(repo.name())) out.add(push(t, progress));
        if (out.isEmpty()) throw new ImageException("An image does not exist locally with the tag: " + repo.familiar());
        return out;
    }

    // ---- credentials --------------------------------------------------------------------------------------

    /** `docker login`: checks the credentials against the registry, then stores them. */
    public void login(String server, Credentials credentials) {
        String registry = server == null ? Reference.DOCKER_HUB : AuthFileKeys.hostOf(server);
        try (RegistryClient client = client(registry, true)) {
            client.login(registry, credentials, authFile());
        }
    }

    /** `docker logout`: the key removed, or null if there were no credentials for the server. */
    public String logout(String server) {
        String key = server == null ? Reference.DOCKER_HUB : AuthFileKeys.hostOf(server);
        return RegistryClient.logout(key, authFile()) ? key : null;
    }

    /** The user's credentials; helpers in them are found on its PATH and run with its environment. */
    private AuthFile authFile() {
        Map<String, String> env = options.env() != null ? options.env() : System.getenv();
        AuthFile f = options.authFile() != null ? AuthFile.of(options.authFile(), env) : AuthFile.defaults(env);
        return options.cwd() != null ? f.inDirectory(options.cwd()) : f;
    }

    static UncheckedIOException unchecked(IOException e) { return new UncheckedIOException(e.getMessage(), e); }
}
