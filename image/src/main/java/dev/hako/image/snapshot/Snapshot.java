package dev.hako.image.snapshot;

import dev.hako.oci.Json;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A container's writable filesystem: {@code dir} holds the snapshotter's state (overlay: upper/ and work/;
 * vfs: rootfs/), {@code lowers} are the image's layer trees, bottom first. Saved as dir/snapshot.json so a
 * later hako process can mount, diff or remove it.
 */
public record Snapshot(String kind, Path dir, List<Path> lowers) {
    public Snapshot {
        lowers = List.copyOf(lowers);
    }

    static final String FILE = "snapshot.json";

    void save() { Json.writeAtomic(dir.resolve(FILE), this); }

    /** Reads the snapshot saved in {@code dir}. */
    public static Snapshot load(Path dir) {
        Path f = dir.resolve(FILE);
        if (!Files.isRegularFile(f)) throw new SnapshotException("no snapshot in " + dir + " (missing " + FILE + ")");
        return Json.read(f, Snapshot.class);
    }
}
