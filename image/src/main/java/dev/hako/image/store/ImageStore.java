package dev.hako.image.store;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.hako.image.reference.InvalidReferenceException;
import dev.hako.image.reference.Reference;
import dev.hako.kernel.fs.ReentrantFileLock;
import dev.hako.oci.AtomicFiles;
import dev.hako.oci.Json;
import dev.hako.oci.image.Digest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Local image metadata under {@code <root>/images/}: one JSON document (images.json) with every
 * {@link ImageRecord}, replaced atomically (temp + fsync + rename) so a crash leaves the old or the new
 * state. Writers hold {@code images/lock} (flock) so concurrent hako processes don't lose updates.
 * Readers need no lock: a rename is atomic.
 */
public final class ImageStore {
    private final Path dir;
    private final Path file;
    private final ReentrantFileLock lock;

    private record Db(@JsonProperty("images") List<ImageRecord> images) {}

    /** @param root the hako root (--root); the store lives in root/images */
    public ImageStore(Path root) {
        this.dir = root.resolve("images");
        this.file = dir.resolve("images.json");
        this.lock = new ReentrantFileLock(dir.resolve("lock"));
    }

    public Path directory() { return dir; }

    /**
     * An exclusive lock over the image store (and, by convention, GC of content and layers). Reentrant for this
     * instance's holding thread; another instance (another command of the same JVM) or process waits.
     */
    public Lock lock() {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("lock image store: create " + dir + ": " + e.getMessage(), e);
        }
        try {
            return new Lock(lock.lock());
        } catch (UncheckedIOException e) {
            if (Thread.currentThread().isInterrupted()) throw new ImageException("lock image store " + lock.file() + ": interrupted");
            throw e;
        }
    }

    /** Held lock; close to release. */
    public static final class Lock implements AutoCloseable {
        private final ReentrantFileLock.Held held;

        private Lock(ReentrantFileLock.Held held) { this.held = held; }

        @Override
        public void close() { held.close(); }
    }

    /** All images, in the order they were added. */
    public List<ImageRecord> list() {
        if (!Files.exists(file)) return List.of();
        Db db = Json.read(file, Db.class);
        return db.images() == null ? List.of() : db.images();
    }

    public Optional<ImageRecord> get(Digest id) {
        return list().stream().filter(r -> r.id().equals(id)).findFirst();
    }

    /** Read-modify-write under the lock; {@code change} edits the map (id → record) in place. */
    public <T> T update(Function<Map<Digest, ImageRecord>, T> change) {
        try (Lock ignored = lock()) {
            Map<Digest, ImageRecord> map = new LinkedHashMap<>();
            for (ImageRecord r : list()) map.put(r.id(), r);
            List<ImageRecord> before = List.copyOf(map.values());
            T result = change.apply(map);
            List<ImageRecord> after = List.copyOf(map.values());
            if (!after.equals(before)) AtomicFiles.write(file, Json.bytes(new Db(after)));
            return result;
        }
    }

    /**
     * Records an image, merging with an existing record of the same ID, and moves each of {@code tags}
     * (normalized names) from whatever image had it to this one.
     */
    public ImageRecord add(ImageRecord image, List<String> tags, List<String> repoDigests) {
        return update(map -> {
            ImageRecord old = map.get(image.id());
            // keep the names an existing record has; take the newer facts (manifest, size) from the new one
            ImageRecord r = old == null ? image : new ImageRecord(image.id(), image.manifestDigest(),
                    image.manifestMediaType(), old.repoTags(), old.repoDigests(), image.created(), old.lastTagTime(),
                    image.size(), image.platform(), image.diffIds(), image.chainIds(), image.layerSizes());
            for (String d : image.repoDigests()) r = r.addRepoDigest(d);
            for (String t : image.repoTags()) r = r.addRepoTag(t);
            for (String t : tags) {
                removeTag(map, t, r.id());
                r = r.addRepoTag(t);
            }
            for (String d : repoDigests) r = r.addRepoDigest(d);
            map.put(r.id(), r);
            return r;
        });
    }

    private static void removeTag(Map<Digest, ImageRecord> map, String tag, Digest except) {
        for (ImageRecord other : List.copyOf(map.values())) {
            if (!other.id().equals(except) && other.repoTags().contains(tag)) {
                List<String> left = new ArrayList<>(other.repoTags());
                left.remove(tag);
                map.put(other.id(), other.withRepoTags(left));
            }
        }
    }

    /** Points a normalized tag at an image (moving it from another image). */
    public ImageRecord tag(Digest id, String tag) {
        return update(map -> {
            ImageRecord r = map.get(id);
            if (r == null) throw new NoSuchImageException(id.toString());
            removeTag(map, tag, id);
            r = r.addRepoTag(tag);
            map.put(id, r);
            return r;
        });
    }

    /** Removes a normalized tag; returns the image it was on (after the change), if any. */
    public Optional<ImageRecord> untag(String tag) {
        return update(map -> {
            for (ImageRecord r : List.copyOf(map.values())) {
                if (r.repoTags().contains(tag)) {
                    List<String> left = new ArrayList<>(r.repoTags());
                    left.remove(tag);
                    ImageRecord changed = r.withRepoTags(left);
                    map.put(r.id(), changed);
                    return Optional.of(changed);
                }
            }
            return Optional.<ImageRecord>empty();
        });
    }

    /** Forgets an image record (blobs and layers are collected separately). */
    public boolean delete(Digest id) {
        return update(map -> map.remove(id) != null);
    }

    /**
     * Finds an image as docker does: a name (with tag, default latest), name@digest (a repo digest),
     * a full ID (sha256:… or 64 hex) or a unique prefix of the ID's hex.
     *
     * @throws NoSuchImageException with docker's text, e.g. "No such image: foo:latest"
     */
    public ImageRecord resolve(String nameOrId) {
        List<ImageRecord> all = list();
        Reference ref = null;
        try {
            ref = Reference.parse(nameOrId);
        } catch (InvalidReferenceException e) {
            // not a name: maybe an ID (e.g. "sha256:abcd…")
        }
        if (ref != null) {
            String wanted = ref.toString();
            if (ref.digest() != null) {
                String byDigest = ref.name() + "@" + ref.digest();
                for (ImageRecord r : all) {
                    if (r.repoDigests().contains(byDigest)) return r;
                }
            } else {
                for (ImageRecord r : all) if (r.repoTags().contains(wanted)) return r;
            }
        }
        String hex = nameOrId.startsWith("sha256:") ? nameOrId.substring(7) : nameOrId;
        if (hex.matches("[0-9a-f]{1,64}")) {
            List<ImageRecord> hits = all.stream().filter(r -> r.id().encoded().startsWith(hex)).toList();
            if (hits.size() == 1) return hits.getFirst();
            if (hits.size() > 1 && hex.length() < 64)
                throw new ImageException("ambiguous image ID prefix " + nameOrId + ": matches " + hits.size() + " images");
        }
        throw new NoSuchImageException(ref != null && !nameOrId.matches("(sha256:)?[0-9a-f]{64}")
                ? ImageNames.familiar(ref) : nameOrId);
    }
}
