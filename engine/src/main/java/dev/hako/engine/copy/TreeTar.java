package dev.hako.engine.copy;

import dev.hako.image.layer.TarWriter;
import dev.hako.kernel.fs.RootedDir;
import dev.hako.kernel.fs.Stat;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes one path of a {@link RootedDir} and everything under it as tar entries named {@code base/...}: every
 * lookup stays inside the root and no symlink is followed, so a tree that changes while it is read (a running
 * container) can only ever yield its own files. Owners are numeric; no user or group name is looked up.
 */
final class TreeTar {
    private static final int BUF = 1 << 20;

    private final RootedDir root;
    private final TarWriter tar;
    private final Map<Long, String> inodes = new HashMap<>();
    private final byte[] heap = new byte[BUF];
    private final Set<String> opaque;

    private TreeTar(RootedDir root, TarWriter tar, Set<String> opaque) {
        this.root = root;
        this.tar = tar;
        this.opaque = opaque;
    }

    /** Archives {@code rel} (already lstat-ed as {@code st}) as {@code base}; finishes the archive. */
    static void write(RootedDir root, String rel, Stat st, String base, TarWriter tar) throws IOException {
        write(root, rel, st, base, tar, Set.of());
    }

    /** As above; the directories in {@code opaque} (e.g. /proc) are archived without what is below them. */
    static void write(RootedDir root, String rel, Stat st, String base, TarWriter tar, Set<String> opaque)
            throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            new TreeTar(root, tar, opaque).entry(rel, st, base, arena.allocate(BUF, 4096));
        }
        tar.finish();
    }

    private void entry(String rel, Stat st, String name, MemorySegment buf) throws IOException {
        if (st.isDirectory()) {
            header(name.endsWith("/") ? name : name + "/", '5', "", st, 0);
            if (opaque.contains(rel)) return;
            List<String> children = new ArrayList<>(root.list(rel));
            Collections.sort(children);
            for (String c : children) {
                String p = rel.isEmpty() ? c : rel + "/" + c;
                Stat cs = root.lstat(p);
                if (cs == null || cs.isSocket()) continue; // gone meanwhile, or not archivable
                entry(p, cs, (name.endsWith("/") ? name : name + "/") + c, buf);
            }
        } else if (st.isRegular()) {
            if (st.nlink() > 1) {
                String first = inodes.putIfAbsent(st.ino(), name);
                if (first != null) {
                    header(name, '1', first, st, 0);
                    return;
                }
            }
            header(name, '0', "", st, st.size());
            content(rel, st.size(), buf);
        } else if (st.isSymlink()) {
            header(name, '2', root.readlink(rel), st, 0);
        } else if (st.isCharDevice() || st.isBlockDevice()) {
            header(name, st.isCharDevice() ? '3' : '4', "", st, 0);
        } else if (st.isFifo()) {
            header(name, '6', "", st, 0);
        }
    }

    private void header(String name, char type, String link, Stat st, long size) throws IOException {
        tar.add(TarWriter.Header.of(name, type, link, st, size, Map.of()));
    }

    private void content(String rel, long size, MemorySegment buf) throws IOException {
        tar.content(root, rel, size, buf, heap);
    }
}
