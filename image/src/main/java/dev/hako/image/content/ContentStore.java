package dev.hako.image.content;

import dev.hako.kernel.Errno;
import dev.hako.kernel.SyscallException;
import dev.hako.kernel.fs.LockFile;
import dev.hako.oci.AtomicFiles;
import dev.hako.oci.Json;
import dev.hako.oci.OciException;
import dev.hako.oci.image.Descriptor;
import dev.hako.oci.image.Digest;
import dev.hako.oci.image.ImageDocument;
import dev.hako.oci.image.ImageLayout;
import dev.hako.oci.image.Index;
import dev.hako.oci.image.Manifest;
import dev.hako.oci.image.MediaTypes;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * A content-addressed blob store that is an OCI image layout directory (oci-layout, index.json,
 * blobs/&lt;alg&gt;/&lt;hex&gt;), so skopeo ({@code oci:DIR:TAG}) and umoci read it as is.
 *
 * <p>Blobs enter only through {@link BlobWriter}: written under ingest/, verified (digest and size),
 * fsynced, renamed into blobs/. Writers of the same digest take turns on a per-digest lock; the
 * second finds the blob present. Partials survive a crash and are resumed. index.json changes are
 * atomic and serialized by a lock; tags are the org.opencontainers.image.ref.name annotation.
 * Locks are flock(2) files under ingest/, so this is safe across threads, instances and processes.
 */
public final class ContentStore {
    /** Upper bound for a manifest or index read from anywhere. */
    public static final long MAX_MANIFEST_SIZE = 4L << 20;
    /** Upper bound for an image config. */
    public static final long MAX_CONFIG_SIZE = 8L << 20;

    private final Path root;
    private final Path blobs;
    private final Path ingest;

    private ContentStore(Path root) {
        this.root = root;
        this.blobs = root.resolve("blobs");
        this.ingest = root.resolve("ingest");
    }

    /** Opens the layout at {@code root}, creating oci-layout, index.json and blobs/ if absent. */
    public static ContentStore open(Path root) {
        ContentStore s = new ContentStore(root.toAbsolutePath().normalize());
        s.init();
        return s;
    }

    @SuppressWarnings("try")
    private void init() {
        try {
            Files.createDirectories(blobs.resolve(Digest.SHA256));
            Files.createDirectories(ingest);
            Path layout = root.resolve(ImageLayout.FILE);
            if (!Files.exists(layout)) {
                AtomicFiles.write(layout, Json.bytes(ImageLayout.current()));
            } else {
                ImageLayout l = Json.read(layout, ImageLayout.class);
                if (l.imageLayoutVersion() == null || !l.imageLayoutVersion().startsWith("1."))
                    throw new ContentException(layout + ": unsupported imageLayoutVersion " + l.imageLayoutVersion());
            }
            if (!Files.exists(root.resolve("index.json"))) {
                try (LockFile l = LockFile.exclusive(ingest.resolve("index.lock"))) {
                    if (!Files.exists(root.resolve("index.json")))
                        AtomicFiles.write(root.resolve("index.json"), Json.bytes(new Index(MediaTypes.OCI_INDEX, List.of())));
                }
            }
        } catch (IOException e) {
            throw new ContentException("open content store " + root + ": " + e.getMessage(), e);
        }
    }

    public Path root() { return root; }

    // ---- blobs ----------------------------------------------------------------------------------------

    /** Where the blob lives (whether or not it exists). */
    public Path blobPath(Digest d) { return blobs.resolve(d.algorithm()).resolve(d.encoded()); }

    public boolean has(Digest d) { return Files.isRegularFile(blobPath(d)); }

    /** The stored size; throws {@link BlobNotFoundException} if absent. */
    public long size(Digest d) {
        try {
            return Files.size(blobPath(d));
        } catch (NoSuchFileException e) {
            throw new BlobNotFoundException(d, root.toString());
        } catch (IOException e) {
            throw new ContentException("stat blob " + blobPath(d) + ": " + e.getMessage(), e);
        }
    }

    /** Opens a stored blob for reading (verified when it was written). */
    public InputStream open(Digest d) {
        try {
            return Files.newInputStream(blobPath(d));
        } catch (NoSuchFileException e) {
            throw new BlobNotFoundException(d, root.toString());
        } catch (IOException e) {
            throw new ContentException("open blob " + blobPath(d) + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads a whole blob of at most {@code limit} bytes, checking the stored size against the
     * descriptor and re-verifying the digest (small documents: cheap, and catches on-disk damage).
     */
    public byte[] read(Descriptor desc, long limit) {
        Digest d = desc.digest();
        if (desc.size() > limit)
            throw new ContentException("blob " + d + " is " + desc.size() + " bytes, over the limit of " + limit);
        long size = size(d);
        if (desc.size() >= 0 && size != desc.size())
            throw new DigestMismatchException("size mismatch for " + d + ": descriptor says " + desc.size() + ", store has " + size);
        return readVerified(d, limit);
    }

    /** Reads a whole blob of at most {@code limit} bytes and re-verifies its digest. */
    public byte[] read(Digest d, long limit) { return readVerified(d, limit); }

    private byte[] readVerified(Digest d, long limit) {
        byte[] bytes;
        try (InputStream in = open(d)) {
            bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, limit + 1));
        } catch (IOException e) {
            throw new ContentException("read blob " + blobPath(d) + ": " + e.getMessage(), e);
        }
        if (bytes.length > limit) throw new ContentException("blob " + d + " is over the limit of " + limit + " bytes");
        Digest actual = Digest.of(d.algorithm(), bytes);
        if (!actual.equals(d))
            throw new DigestMismatchException("stored blob " + blobPath(d) + " is damaged: digest " + actual + ", want " + d);
        return bytes;
    }

    /** Reads and parses a manifest or index (bounded, verified). */
    public ImageDocument readDocument(Descriptor desc) {
        byte[] b = read(desc, MAX_MANIFEST_SIZE);
        return ImageDocument.parse(b, desc.mediaType(), desc.digest().toString());
    }

    /** Reads and parses an image manifest (not an index). */
    public Manifest readManifest(Descriptor desc) {
        if (readDocument(desc) instanceof Manifest m) return m;
        throw new ContentException(desc.digest() + " is an image index, not a manifest");
    }

    /** Stores small content whose digest is computed here. Returns its descriptor. */
    public Descriptor put(String mediaType, byte[] content) {
        Descriptor d = new Descriptor(mediaType, Digest.sha256(content), content.length);
        put(d, content);
        return d;
    }

    /** Stores content that must match {@code expected} (digest and size). */
    public void put(Descriptor expected, byte[] content) {
        try (BlobWriter w = writer(expected)) {
            if (w.alreadyExists()) return;
            if (w.offset() > 0) w.reset();
            w.write(content, 0, content.length);
            w.commit();
        }
    }

    /** Stores a stream whose digest is computed while reading. */
    public Descriptor put(String mediaType, InputStream in) throws IOException {
        try (BlobWriter w = writer(mediaType)) {
            w.writeAll(in);
            return w.commit();
        }
    }

    /**
     * A writer for a blob of known digest and size. Blocks while another writer (thread or process)
     * holds the same digest; if the blob then exists, the writer reports {@link BlobWriter#alreadyExists()}.
     * A partial left by an earlier attempt is resumed: see {@link BlobWriter#offset()}.
     */
    public BlobWriter writer(Descriptor expected) {
        if (expected.digest() == null) throw new ContentException("blob writer: descriptor has no digest");
        if (expected.size() < 0) throw new ContentException("blob writer: descriptor " + expected.digest() + " has no size");
        if (has(expected.digest())) return new BlobWriter(this, expected, expected.mediaType(), ingestDir(expected.digest()), null, null, true);
        LockFile guard = gcGuard();
        try {
            Path dir = ingestDir(expected.digest());
            LockFile lock = lockIn(dir);
            if (has(expected.digest())) {
                lock.deleteAndClose();
                try { Files.deleteIfExists(dir); } catch (IOException ignored) { /* someone else is in it */ }
                guard.close();
                return new BlobWriter(this, expected, expected.mediaType(), dir, null, null, true);
            }
            return new BlobWriter(this, expected, expected.mediaType(), dir, lock, guard, false);
        } catch (RuntimeException e) {
            guard.close();
            throw e;
        }
    }

    /** A writer whose digest (sha256) is computed at commit; not resumable. */
    public BlobWriter writer(String mediaType) {
        LockFile guard = gcGuard();
        try {
            Path dir = Files.createTempDirectory(ingest, "tmp-");
            return new BlobWriter(this, null, mediaType, dir, null, guard, false);
        } catch (IOException e) {
            guard.close();
            throw new ContentException("create ingest dir in " + ingest + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            guard.close();
            throw e;
        }
    }

    /** Bytes of a resumable partial for {@code d} (0 if none). */
    public long partialSize(Digest d) {
        try {
            Path p = ingestDir(d).resolve("data");
            return Files.exists(p) ? Files.size(p) : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    private Path ingestDir(Digest d) { return ingest.resolve(d.algorithm() + "-" + d.encoded()); }

    private LockFile lockIn(Path dir) {
        while (true) {
            try {
                Files.createDirectories(dir);
                return LockFile.exclusive(dir.resolve("lock"));
            } catch (SyscallException e) {
                if (e.errno() != Errno.ENOENT) throw e; // the previous holder removed the dir: retry
            } catch (FileAlreadyExistsException e) {
                // createDirectories saw the dir, then not: the previous holder removed it meanwhile; retry, unless
                // something other than a directory is in the way
                if (Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS))
                    throw new ContentException("create ingest dir " + dir + ": not a directory", e);
            } catch (IOException e) {
                throw new ContentException("create ingest dir " + dir + ": " + e.getMessage(), e);
            }
        }
    }

    private LockFile gcGuard() { return LockFile.shared(ingest.resolve("gc.lock")); }

    /** Called by a writer after verification: atomically moves the data into blobs/. */
    void publish(Path data, Digest d) throws IOException {
        Path target = blobPath(d);
        Files.createDirectories(target.getParent());
        try {
            Files.move(data, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(data, target);
        } catch (FileAlreadyExistsException e) {
            Files.deleteIfExists(data); // same content, already there
        }
        // ATOMIC_MOVE replaces an existing target too, which is fine: same verified content.
        Files.setLastModifiedTime(target, FileTime.from(Instant.now()));
        fsyncDir(target.getParent());
    }

    private static void fsyncDir(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException ignored) {
            // best effort: some filesystems refuse fsync on directories
        }
    }

    /** Every stored blob's digest. */
    public List<Digest> blobs() {
        List<Digest> out = new ArrayList<>();
        try (Stream<Path> algs = Files.list(blobs)) {
            for (Path alg : algs.toList()) {
                try (Stream<Path> files = Files.list(alg)) {
                    for (Path f : files.toList()) {
                        if (f.getFileName().toString().startsWith(".")) continue;
                        try {
                            out.add(new Digest(alg.getFileName().toString(), f.getFileName().toString()));
                        } catch (OciException ignored) { /* not a blob: leave it alone */ }
                    }
                }
            }
        } catch (IOException e) {
            throw new ContentException("list " + blobs + ": " + e.getMessage(), e);
        }
        return out;
    }

    /** Re-hashes every blob; returns the damaged ones (name ≠ content). */
    public List<Digest> verify() {
        List<Digest> bad = new ArrayList<>();
        for (Digest d : blobs()) {
            try (InputStream in = open(d)) {
                if (!Digest.compute(d.algorithm(), in).equals(d)) bad.add(d);
            } catch (IOException e) {
                bad.add(d);
            }
        }
        return bad;
    }

    /** Deletes one blob (callers check it is unreferenced; {@link #gc} does that for you). */
    public boolean delete(Digest d) {
        try {
            return Files.deleteIfExists(blobPath(d));
        } catch (IOException e) {
            throw new ContentException("delete blob " + blobPath(d) + ": " + e.getMessage(), e);
        }
    }

    // ---- index.json -------------------------------------------------------------------------------------

    /** The current index.json. */
    public Index index() {
        Index idx = Json.read(root.resolve("index.json"), Index.class);
        idx.validate(root.resolve("index.json").toString());
        return idx;
    }

    /** Applies {@code change} to index.json under the index lock and writes it atomically. */
    @SuppressWarnings("try")
    public Index updateIndex(UnaryOperator<List<Descriptor>> change) {
        try (LockFile l = LockFile.exclusive(ingest.resolve("index.lock"))) {
            Index cur = index();
            List<Descriptor> next = List.copyOf(change.apply(new ArrayList<>(cur.manifestsOrEmpty())));
            Index updated = new Index(cur.schemaVersion() == 0 ? 2 : cur.schemaVersion(),
                    cur.mediaType() == null ? MediaTypes.OCI_INDEX : cur.mediaType(), cur.artifactType(), next,
                    cur.subject(), cur.annotations());
            AtomicFiles.write(root.resolve("index.json"), Json.bytes(updated));
            return updated;
        }
    }

    /**
     * Names {@code manifest} (which must be stored) as {@code refName} in index.json, replacing any
     * entry with that name and any untagged entry of the same digest.
     */
    public void tag(String refName, Descriptor manifest) {
        if (refName == null || refName.isEmpty() || !refName.matches("[A-Za-z0-9._:@/+-]+"))
            throw new ContentException("invalid ref name \"" + refName + "\"");
        if (!has(manifest.digest())) throw new BlobNotFoundException(manifest.digest(), root.toString());
        Map<String, String> ann = new TreeMap<>(manifest.annotationsOrEmpty());
        ann.put(Descriptor.ANNOTATION_REF_NAME, refName);
        Descriptor entry = manifest.withAnnotations(ann);
        updateIndex(list -> {
            list.removeIf(d -> refName.equals(d.refName()) || (d.refName() == null && d.digest().equals(manifest.digest())));
            list.add(entry);
            return list;
        });
    }

    /** Adds {@code manifest} to index.json without a name (keeps it a GC root), unless already listed. */
    public void addRoot(Descriptor manifest) {
        updateIndex(list -> {
            if (list.stream().noneMatch(d -> d.digest().equals(manifest.digest()))) list.add(manifest);
            return list;
        });
    }

    /** Removes the entry named {@code refName}; true if there was one. */
    public boolean untag(String refName) {
        boolean[] removed = {false};
        updateIndex(list -> {
            removed[0] = list.removeIf(d -> refName.equals(d.refName()));
            return list;
        });
        return removed[0];
    }

    /** Removes every index.json entry for {@code digest}; returns how many. */
    public int removeRoot(Digest digest) {
        int[] n = {0};
        updateIndex(list -> {
            int before = list.size();
            list.removeIf(d -> d.digest().equals(digest));
            n[0] = before - list.size();
            return list;
        });
        return n[0];
    }

    /** The manifest named {@code refName} in index.json. */
    public Optional<Descriptor> resolve(String refName) {
        return index().manifestsOrEmpty().stream().filter(d -> refName.equals(d.refName())).findFirst();
    }

    // ---- garbage collection ---------------------------------------------------------------------------

    /** What {@link #gc} removed. */
    public record GcResult(List<Digest> removed, long bytesFreed, int partialsRemoved) {}

    /**
     * Every digest reachable from {@code roots}: indexes → manifests → config and layers (and subjects).
     * Missing children (e.g. other platforms of a pulled index) are skipped.
     */
    public Set<Digest> reachable(Collection<Digest> roots) {
        Set<Digest> seen = new HashSet<>();
        Deque<Digest> todo = new ArrayDeque<>(roots);
        while (!todo.isEmpty()) {
            Digest d = todo.pop();
            if (!seen.add(d) || !has(d)) continue;
            ImageDocument doc = tryParse(d);
            if (doc instanceof Index idx) {
                for (Descriptor c : idx.manifestsOrEmpty()) todo.push(c.digest());
                if (idx.subject() != null) todo.push(idx.subject().digest());
            } else if (doc instanceof Manifest m) {
                for (Descriptor c : m.blobs()) seen.add(c.digest());
                if (m.subject() != null) todo.push(m.subject().digest());
            }
        }
        return seen;
    }

    private ImageDocument tryParse(Digest d) {
        long size = size(d);
        if (size > MAX_MANIFEST_SIZE || size < 2) return null;
        try (InputStream in = open(d)) {
            if (in.read() != '{') return null;
        } catch (IOException e) {
            return null;
        }
        try {
            return ImageDocument.parse(read(d, MAX_MANIFEST_SIZE), null, d.toString());
        } catch (OciException | ContentException e) {
            return null; // a JSON blob that isn't a manifest (e.g. a config)
        }
    }

    /**
     * Deletes every blob not reachable from {@code roots} or from index.json entries, and abandoned
     * partials. Blobs and partials younger than {@code grace} are kept (a pull that stored them may
     * not have tagged them yet). Waits for running writers to finish first.
     */
    @SuppressWarnings("try")
    public GcResult gc(Collection<Digest> roots, Duration grace) {
        Instant cutoff = Instant.now().minus(grace);
        try (LockFile gcLock = LockFile.exclusive(ingest.resolve("gc.lock"));
             LockFile idxLock = LockFile.exclusive(ingest.resolve("index.lock"))) {
            List<Digest> all = new ArrayList<>(roots);
            for (Descriptor d : index().manifestsOrEmpty()) all.add(d.digest());
            Set<Digest> keep = reachable(all);
            List<Digest> removed = new ArrayList<>();
            long freed = 0;
            for (Digest d : blobs()) {
                if (keep.contains(d)) continue;
                Path p = blobPath(d);
                try {
                    if (Files.getLastModifiedTime(p).toInstant().isAfter(cutoff)) continue;
                    long size = Files.size(p);
                    if (Files.deleteIfExists(p)) { removed.add(d); freed += size; }
                } catch (IOException e) {
                    throw new ContentException("gc: delete " + p + ": " + e.getMessage(), e);
                }
            }
            int partials = 0;
            try (Stream<Path> s = Files.list(ingest)) {
                for (Path dir : s.filter(Files::isDirectory).toList()) {
                    if (Files.getLastModifiedTime(dir).toInstant().isAfter(cutoff)) continue;
                    Path data = dir.resolve("data");
                    if (Files.exists(data) && Files.getLastModifiedTime(data).toInstant().isAfter(cutoff)) continue;
                    LockFile l = LockFile.tryExclusive(dir.resolve("lock"));
                    if (l == null) continue;
                    try (Stream<Path> files = Files.list(dir)) {
                        for (Path f : files.toList()) if (!f.getFileName().toString().equals("lock")) Files.deleteIfExists(f);
                    }
                    l.deleteAndClose();
                    try { Files.deleteIfExists(dir); partials++; } catch (IOException ignored) { }
                }
            } catch (IOException e) {
                throw new ContentException("gc: clean " + ingest + ": " + e.getMessage(), e);
            }
            return new GcResult(removed, freed, partials);
        }
    }
}
