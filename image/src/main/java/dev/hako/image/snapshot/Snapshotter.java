package dev.hako.image.snapshot;

import dev.hako.kernel.SyscallException;
import dev.hako.kernel.fs.Fs;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Turns an image's unpacked layers (see {@code LayerStore}, whiteouts in overlay form) into a container's
 * writable root filesystem. Overlay mounts the layers as lower dirs; vfs copies them, for hosts without overlay.
 */
public sealed interface Snapshotter permits OverlaySnapshotter, VfsSnapshotter {

    /** "overlay" or "vfs" (the names docker and podman use for these drivers). */
    String name();

    /** Creates a snapshot in the (new or empty) directory {@code dir} over {@code lowersBottomFirst}. */
    Snapshot create(Path dir, List<Path> lowersBottomFirst) throws IOException;

    /** Makes the snapshot's merged view appear at {@code target} (an existing directory). */
    void mount(Snapshot s, Path target);

    /** Undoes {@link #mount}. */
    default void unmount(Path target) {
        try {
            Fs.umount2(target.toString(), Fs.UMOUNT_NOFOLLOW);
        } catch (SyscallException e) {
            if (e.errno() != dev.hako.kernel.Errno.EBUSY) throw e;
            Fs.umount2(target.toString(), Fs.MNT_DETACH | Fs.UMOUNT_NOFOLLOW);
        }
    }

    /** What the container changed against its image: added, changed, deleted paths, sorted. */
    List<Change> diff(Snapshot s) throws IOException;

    /** A tar of the merged view (what {@code docker export} writes). Does not close {@code out}. */
    void export(Snapshot s, OutputStream out) throws IOException;

    /**
     * The container's changes as a layer tar (whiteouts for deletions), e.g. for commit. Extracting it onto the
     * image's flattened layers gives the container's filesystem.
     */
    void writeDiff(Snapshot s, OutputStream out) throws IOException;

    /** Deletes the snapshot's directory (unmount first). */
    void remove(Snapshot s) throws IOException;

    /** Overlay when the kernel has it and it works under {@code scratch} (e.g. the store's root), else vfs. */
    static Snapshotter detect(Path scratch) {
        return OverlaySnapshotter.supported(scratch) ? new OverlaySnapshotter() : new VfsSnapshotter();
    }

    /** The snapshotter for a name given on the command line or in a config. */
    static Snapshotter named(String name) {
        return switch (name) {
            case "overlay", "overlay2", "overlayfs" -> new OverlaySnapshotter();
            case "vfs" -> new VfsSnapshotter();
            default -> throw new SnapshotException("unknown snapshotter '" + name + "' (want overlay or vfs)");
        };
    }

    static boolean isDirectory(Path p) { return Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS); }
}
