package dev.hako.image.layer;

import dev.hako.kernel.BootId;
import dev.hako.kernel.fs.Fs;
import dev.hako.kernel.fs.LockFile;
import dev.hako.kernel.fs.RootedDir;
import dev.hako.oci.Json;
import dev.hako.oci.image.Digest;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * Unpacked, read-only layer trees shared by all images, keyed by chainID:
 * <pre>
 *   layers/&lt;chainID hex&gt;/diff        the layer's tree, whiteouts in overlay form (an overlay lower dir)
 *   layers/&lt;chainID hex&gt;/layer.json  {@link LayerInfo}
 *   layers/.tmp/&lt;hex&gt;-&lt;random&gt;     unpacks in progress and deletions; leftovers are removed on next use
 *   layers/.locks/&lt;hex&gt;.lock        flock per chainID: concurrent unpacks of one layer (threads or processes) queue
 *   layers/.unsynced/&lt;hex&gt;         index of layers not yet confirmed on disk: "&lt;boot id&gt; &lt;CLOCK_MONOTONIC ns&gt;"
 * </pre>
 * A layer appears by one rename of a complete directory: no reader ever sees a half-made one.
 * Only the hex is used in paths: a ':' would break overlay's lowerdir list.
 *
 * <p><b>Durability.</b> An unpacked tree is not synced before it is published: making hundreds of MB durable took
 * as long as the rest of a pull, while the tree can always be made again from its blob, which the content store
 * does sync. Instead its layer.json records the boot it was written in ({@link LayerInfo#unsyncedBoot}); once a
 * syncfs(2) that started after the layer was published has returned, layer.json is rewritten without it
 * ({@link #confirmSynced}). A layer of another boot that was never confirmed may have lost data when the machine
 * went down, and one whose layer.json is missing or unreadable is incomplete: neither is {@link #trusted}, and the
 * next {@link #unpack} of it makes it again. This needs no ordering between writes, so it holds on filesystems
 * without a journal too (ext4 without one is common on VMs, this project's CI among them).
 */
public final class LayerStore {
    private final Path root;
    private final SecureRandom random = new SecureRandom();

    /**
     * Metadata of one stored layer. {@code parent} is null for a base layer; {@code size} is the tar's size;
     * {@code unsyncedBoot} is the boot id (/proc/sys/kernel/random/boot_id) the tree was written in while it is not
     * yet confirmed on disk, null once it is.
     */
    public record LayerInfo(Digest chainId, Digest diffId, Digest parent, long size, String unsyncedBoot) {}

    /** Opens a layer blob (compressed or not) only when it must be unpacked. */
    @FunctionalInterface
    public interface BlobSource {
        InputStream open() throws IOException;
    }

    public LayerStore(Path layersDir) { this.root = layersDir.toAbsolutePath(); }

    public Path root() { return root; }

    /** chainID(1) = diffID(1); chainID(n) = sha256(chainID(n-1) + " " + diffID(n)) (image-spec config.md). */
    public static Digest chainId(Digest parentChainId, Digest diffId) {
        if (parentChainId == null) return diffId;
        return Digest.sha256((parentChainId + " " + diffId).getBytes(StandardCharsets.UTF_8));
    }

    /** The chainIDs of every prefix of {@code diffIds}, bottom layer first. */
    public static List<Digest> chainIds(List<Digest> diffIds) {
        List<Digest> out = new ArrayList<>();
        Digest c = null;
        for (Digest d : diffIds) out.add(c = chainId(c, d));
        return out;
    }

    private static String hex(Digest chainId) {
        if (!Digest.SHA256.equals(chainId.algorithm())) throw new IllegalArgumentException("chainID must be sha256: " + chainId);
        return chainId.encoded();
    }

    /** The tree of a layer (an overlay lower dir); it exists only if {@link #exists} says so. */
    public Path diffDir(Digest chainId) { return root.resolve(hex(chainId)).resolve("diff"); }

    public boolean exists(Digest chainId) { return Files.isRegularFile(root.resolve(hex(chainId)).resolve("layer.json")); }

    /**
     * The layer exists and its files can be relied on: they were synced, or written during this boot (the page cache
     * has them). A layer left unsynced by an earlier boot may have lost data in a crash and is unpacked again.
     */
    public boolean trusted(Digest chainId) { return trustedInfo(chainId).isPresent(); }

    /** The layer's metadata if it is {@link #trusted}. */
    public Optional<LayerInfo> trustedInfo(Digest chainId) {
        return info(chainId).filter(i -> i.unsyncedBoot() == null || i.unsyncedBoot().equals(BootId.current()));
    }

    /** The layer's metadata; empty when it is not there or its layer.json is unreadable. */
    public Optional<LayerInfo> info(Digest chainId) { return Optional.ofNullable(readInfo(hex(chainId))); }

    /**
     * Makes sure the layer {@code chainId(parent, diffId)} is unpacked, unpacking {@code blob} if it is not. The
     * blob's uncompressed digest must equal {@code diffId}, or nothing is stored. Concurrent calls for the same
     * layer wait for each other; the second finds the layer present and returns.
     *
     * <p>Each layer is extracted into its own tree independently of the layers below, as docker's overlay2 and
     * containers-storage do: paths resolve inside this layer's tree only (RESOLVE_IN_ROOT), a parent directory
     * the tar does not list is created with default metadata, whiteouts become overlay char devices. So layers
     * of one image unpack in parallel and no layer waits for its parent.
     *
     * <p>The blob stream is read to its end after the tar: a streamed blob ({@code download → extract}) reports a
     * wrong compressed digest only there, and then nothing is committed. The tree is published unsynced (see the
     * class comment); a present layer that is not {@link #trusted} is replaced.
     */
    public LayerInfo unpack(Digest parent, Digest diffId, BlobSource blob, ExtractOptions opts) throws IOException {
        Digest chain = chainId(parent, diffId);
        String hex = hex(chain);
        try (LockFile ignored = lock(hex)) {
            Optional<LayerInfo> have = trustedInfo(chain);
            if (have.isPresent()) return have.get();
            // not there, or left incomplete or unconfirmed by a machine that went down: made again from the blob
            if (Files.exists(root.resolve(hex), java.nio.file.LinkOption.NOFOLLOW_LINKS)) discard(hex);
            Path tmpRoot = root.resolve(".tmp");
            removeLeftovers(tmpRoot, hex);
            Path tmp = tmpRoot.resolve(hex + "-" + HexFormat.of().formatHex(randomBytes()));
            Files.createDirectory(tmp);
            boolean done = false;
            try {
                Path diff = Files.createDirectory(tmp.resolve("diff"));
                ExtractResult r;
                try (InputStream in = blob.open()) {
                    r = LayerExtractor.extract(in, diff, opts);
                    in.transferTo(OutputStream.nullOutputStream());
                }
                if (!r.diffId().equals(diffId))
                    throw new LayerException("layer " + diffId + ": content has diffID " + r.diffId()
                            + " (the image config says " + diffId + "); refusing it");
                LayerInfo info = new LayerInfo(chain, diffId, parent, r.uncompressedSize(), BootId.current());
                Files.write(tmp.resolve("layer.json"), Json.bytes(info));
                Files.writeString(unsyncedDir().resolve(hex), BootId.current() + " " + System.nanoTime() + "\n");
                try (RootedDir layers = RootedDir.open(root)) {
                    layers.rename(".tmp/" + tmp.getFileName(), hex, Fs.RENAME_NOREPLACE);
                }
                done = true;
                return info;
            } finally {
                if (!done) removeTree(tmp);
            }
        }
    }

    /** Every complete layer in the store. */
    public List<LayerInfo> list() throws IOException {
        List<LayerInfo> out = new ArrayList<>();
        if (!Files.isDirectory(root)) return out;
        try (var s = Files.list(root)) {
            for (Path p : s.sorted().toList()) {
                String n = p.getFileName().toString();
                LayerInfo info = n.startsWith(".") ? null : readInfo(n);
                if (info != null) out.add(info);
            }
        }
        return out;
    }

    /**
     * Deletes a layer (the caller, e.g. prune, knows no image or container uses it). The layer vanishes by one
     * rename; its files are removed afterwards. Returns false if it was not there.
     */
    public boolean delete(Digest chainId) throws IOException {
        String hex = hex(chainId);
        try (LockFile ignored = lock(hex)) {
            if (!Files.exists(root.resolve(hex))) return false;
            discard(hex);
            return true;
        }
    }

    /** Removes a layer (the caller holds its lock): one rename out of sight, then its files and its marker. */
    private void discard(String hex) throws IOException {
        Path graveyard = root.resolve(".tmp").resolve(hex + "-del-" + HexFormat.of().formatHex(randomBytes()));
        try (RootedDir layers = RootedDir.open(root)) {
            layers.rename(hex, ".tmp/" + graveyard.getFileName(), Fs.RENAME_NOREPLACE);
        }
        removeTree(graveyard);
        Files.deleteIfExists(unsyncedDir().resolve(hex));
    }

    /**
     * Confirms the layers written during this boot at least {@code minAge} ago as on disk: one syncfs(2), then each
     * layer.json loses its {@link LayerInfo#unsyncedBoot}. Cheap when there are none (one directory read) and, past
     * the kernel's 30 s writeback age, when there are. Layers of earlier boots are left: they are made again when
     * next needed. Returns how many layers it confirmed.
     */
    public int confirmSynced(java.time.Duration minAge) throws IOException {
        Path index = root.resolve(UNSYNCED);
        if (!Files.isDirectory(index)) return 0;
        long now = System.nanoTime();
        List<String> due = new ArrayList<>();
        try (var s = Files.list(index)) {
            for (Path p : s.toList()) {
                Pending m = Pending.read(p);
                if (m != null && m.thisBoot() && now - m.nanos() >= minAge.toNanos()) due.add(p.getFileName().toString());
            }
        }
        if (due.isEmpty()) return 0;
        long syncStart = System.nanoTime();
        syncFs(root);
        int confirmed = 0;
        for (String hex : due) {
            try (LockFile l = tryLock(hex)) {
                if (l == null) continue;   // being unpacked or removed right now: a later call confirms it
                Pending m = Pending.read(index.resolve(hex));   // again: a new unpack may have replaced it meanwhile
                if (m == null || !m.thisBoot() || m.nanos() >= syncStart) continue;
                LayerInfo info = readInfo(hex);
                if (info != null && BootId.current().equals(info.unsyncedBoot())) {
                    // no fsync: if this rewrite is lost, the layer is only made again
                    Path meta = root.resolve(hex).resolve("layer.json"), next = meta.resolveSibling("layer.json.new");
                    Files.write(next, Json.bytes(new LayerInfo(info.chainId(), info.diffId(), info.parent(), info.size(), null)));
                    Files.move(next, meta, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                    confirmed++;
                }
                Files.deleteIfExists(index.resolve(hex));
            }
        }
        return confirmed;
    }

    /** Removes what interrupted unpacks and deletions left behind, skipping layers being worked on right now. */
    public void cleanupLeftovers() throws IOException {
        Path tmpRoot = root.resolve(".tmp");
        if (!Files.isDirectory(tmpRoot)) return;
        List<String> hexes;
        try (var s = Files.list(tmpRoot)) {
            hexes = s.map(p -> p.getFileName().toString()).map(n -> n.contains("-") ? n.substring(0, n.indexOf('-')) : n)
                    .distinct().toList();
        }
        for (String hex : hexes) {
            try (LockFile l = tryLock(hex)) {
                if (l != null) removeLeftovers(tmpRoot, hex);
            }
        }
    }

    private static final String UNSYNCED = ".unsynced";

    private Path unsyncedDir() throws IOException { return Files.createDirectories(root.resolve(UNSYNCED)); }

    /** layer.json, or null when it is missing or unreadable (a machine that went down can leave it so). */
    private LayerInfo readInfo(String hex) {
        try {
            return Json.parse(Files.readAllBytes(root.resolve(hex).resolve("layer.json")), LayerInfo.class);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** An entry of the .unsynced index; null when it is unreadable. */
    private record Pending(String bootId, long nanos) {
        boolean thisBoot() { return bootId.equals(BootId.current()); }

        static Pending read(Path p) {
            try {
                String[] f = Files.readString(p).trim().split(" ");
                return f.length == 2 ? new Pending(f[0], Long.parseLong(f[1])) : null;
            } catch (IOException | RuntimeException e) {
                return null;
            }
        }
    }

    // ---- internals ---------------------------------------------------------------------------------------

    private byte[] randomBytes() {
        byte[] b = new byte[6];
        random.nextBytes(b);
        return b;
    }

    private void removeLeftovers(Path tmpRoot, String hex) throws IOException {
        if (!Files.isDirectory(tmpRoot)) return;
        List<Path> stale;
        try (var s = Files.list(tmpRoot)) {
            stale = s.filter(p -> p.getFileName().toString().startsWith(hex + "-")).toList();
        }
        for (Path p : stale) removeTree(p);
    }

    private static void removeTree(Path p) {
        if (!Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) return;
        try (RootedDir parent = RootedDir.open(p.getParent())) {
            parent.remove(p.getFileName().toString());
        }
    }

    // syncfs(2) calls of concurrent unpacks are coalesced: one that starts after a caller's writes covers them
    private final Object syncLock = new Object();
    private long syncsStarted, syncsDone;   // guarded by syncLock; syncs run one at a time, in order
    private boolean syncing;

    /**
     * Makes everything written so far to the store's filesystem durable (unpacked trees: their files, dirs and
     * their entries) with one syncfs(2) instead of an fsync per file. Concurrent callers share: a caller waits for
     * a syncfs that started after it was called rather than issuing its own.
     */
    private void syncFs(Path dir) throws IOException {
        long mine;
        synchronized (syncLock) {
            long need = syncsStarted + 1;      // a sync started before now may have missed our writes
            while (true) {
                if (syncsDone >= need) return;
                if (!syncing) break;
                try {
                    syncLock.wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("interrupted waiting for syncfs of " + dir);
                }
            }
            syncing = true;
            mine = ++syncsStarted;
        }
        boolean ok = false;
        try {
            int fd = Fs.openat(Fs.AT_FDCWD, dir.toString(), Fs.O_RDONLY | Fs.O_DIRECTORY | Fs.O_CLOEXEC, 0, dir.toString());
            try {
                Fs.syncfs(fd, "unpacked layer " + dir);
            } finally {
                Fs.close(fd);
            }
            ok = true;
        } finally {
            synchronized (syncLock) {
                syncing = false;
                if (ok) syncsDone = mine;    // a failed sync covers nobody: a waiter starts its own
                syncLock.notifyAll();
            }
        }
    }

    /** layers/.locks/&lt;hex&gt;.lock: an flock per open file, so it also orders threads and stores of one JVM. */
    private Path lockFile(String hex) throws IOException {
        Path locks = root.resolve(".locks");
        Files.createDirectories(locks);
        Files.createDirectories(root.resolve(".tmp"));
        return locks.resolve(hex + ".lock");
    }

    private LockFile lock(String hex) throws IOException { return LockFile.exclusive(lockFile(hex)); }

    private LockFile tryLock(String hex) throws IOException { return LockFile.tryExclusive(lockFile(hex)); }
}
