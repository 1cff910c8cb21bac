package dev.hako.engine.copy;

import dev.hako.image.layer.TarReader;
import dev.hako.kernel.fs.Fs;
import dev.hako.kernel.fs.RootedDir;
import dev.hako.kernel.fs.Stat;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * Extracts a tar stream into a directory of a {@link RootedDir}: names are cleaned lexically ({@code ..} stops
 * at the root), parents are resolved inside the root, final components are never followed, new files are
 * created with O_EXCL. So neither a hostile archive nor a container racing symlinks can write outside the root.
 * The first component of each name can be renamed (docker cp's "copy SRC as DST").
 */
final class TreeUntar {
    /** Who owns what is written: the archive's ids ({@code keep}) or fixed ones. */
    record Owner(boolean keep, int uid, int gid) {
        int uid(long fromTar) { return keep ? (int) fromTar : uid; }
        int gid(long fromTar) { return keep ? (int) fromTar : gid; }
    }

    private record DirTime(String rel, long sec, int nsec) {}

    private TreeUntar() {}

    /**
     * @param into       where entries go ("" the root)
     * @param renameFrom the first name component to replace (null: none; "" prefixes every name with renameTo)
     */
    static void extract(InputStream in, RootedDir root, String into, String renameFrom, String renameTo, Owner owner)
            throws IOException {
        TarReader tar = new TarReader(in);
        List<DirTime> dirTimes = new ArrayList<>();
        byte[] heap = new byte[1 << 20];
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(heap.length, 4096);
            for (TarReader.Entry e; (e = tar.next()) != null; ) {
                String name = rename(RootedDir.clamp(e.name()), renameFrom, renameTo);
                String rel = join(into, name);
                if (name.isEmpty() || rel.isEmpty()) continue; // the destination directory itself: kept as it is
                String what = root.describe(rel);
                if (e.type() == 'x' || e.type() == 'g' || e.type() == 'L' || e.type() == 'K') continue;
                int slash = rel.lastIndexOf('/');
                if (slash > 0) root.mkdirs(rel.substring(0, slash));
                Stat existing = root.lstat(rel);
                if (e.isDirectory()) {
                    if (existing != null && !existing.isDirectory()) {
                        root.remove(rel);
                        existing = null;
                    }
                    if (existing == null) root.mkdir(rel, 0700);
                    root.chown(rel, owner.uid(e.uid()), owner.gid(e.gid()));
                    root.chmod(rel, e.mode() & 07777);
                    dirTimes.add(new DirTime(rel, e.mtimeSec(), e.mtimeNsec()));
                    continue;
                }
                if (existing != null) {
                    if (existing.isDirectory())
                        throw new IOException("cannot overwrite directory " + what + " with non-directory " + e.name());
                    root.remove(rel);
                }
                if (e.isRegular()) {
                    int fd = root.createFile(rel, 0600);
                    try {
                        for (int n; (n = tar.read(heap, 0, heap.length)) > 0; ) {
                            MemorySegment.copy(heap, 0, buf, ValueLayout.JAVA_BYTE, 0, n);
                            Fs.writeFully(fd, buf, n, what);
                        }
                        Fs.fchown(fd, owner.uid(e.uid()), owner.gid(e.gid()), what);
                        Fs.fchmod(fd, e.mode() & 07777, what); // after chown, which clears setuid
                        Fs.futimens(fd, e.mtimeSec(), e.mtimeNsec(), e.mtimeSec(), e.mtimeNsec(), what);
                    } finally {
                        Fs.close(fd);
                    }
                } else if (e.isSymlink()) {
                    root.symlink(e.linkName(), rel);
                    root.invalidate();
                    root.chown(rel, owner.uid(e.uid()), owner.gid(e.gid()));
                    root.setTimes(rel, e.mtimeSec(), e.mtimeNsec(), e.mtimeSec(), e.mtimeNsec());
                } else if (e.isHardlink()) {
                    root.link(join(into, rename(RootedDir.clamp(e.linkName()), renameFrom, renameTo)), rel);
                } else if (e.isCharDevice() || e.isBlockDevice() || e.isFifo()) {
                    int type = e.isCharDevice() ? Stat.S_IFCHR : e.isBlockDevice() ? Stat.S_IFBLK : Stat.S_IFIFO;
                    root.mknod(rel, type | 0600, e.devMajor(), e.devMinor());
                    root.chown(rel, owner.uid(e.uid()), owner.gid(e.gid()));
                    root.chmod(rel, e.mode() & 07777);
                    root.setTimes(rel, e.mtimeSec(), e.mtimeNsec(), e.mtimeSec(), e.mtimeNsec());
                }
            }
        }
        // directories last: writing into them changed their times
        for (DirTime d : dirTimes.reversed()) {
            if (root.lstat(d.rel()) != null) root.setTimes(d.rel(), d.sec(), d.nsec(), d.sec(), d.nsec());
        }
    }

    static String rename(String name, String from, String to) {
        if (from == null) return name;
        if (from.isEmpty()) return name.isEmpty() ? to : to + "/" + name;
        if (name.equals(from)) return to;
        if (name.startsWith(from + "/")) return to + name.substring(from.length());
        return name;
    }

    static String join(String dir, String name) {
        if (dir.isEmpty()) return name;
        return name.isEmpty() ? dir : dir + "/" + name;
    }
}
