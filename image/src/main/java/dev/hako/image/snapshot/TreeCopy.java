package dev.hako.image.snapshot;

import dev.hako.image.layer.LowerView;
import dev.hako.kernel.Errno;
import dev.hako.kernel.SyscallException;
import dev.hako.kernel.fs.Fs;
import dev.hako.kernel.fs.RootedDir;
import dev.hako.kernel.fs.Stat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.Map;

/**
 * Copies a layer tree in overlay form onto a flattened tree, applying its whiteouts and opaque dirs and
 * preserving owners, modes, times, xattrs, hardlinks (within the layer), device nodes and holes.
 */
final class TreeCopy implements AutoCloseable {
    private static final int BUF = 1 << 20;
    private final RootedDir src, dst;
    private final String opaqueXattr;
    private final Map<Long, String> inodes = new HashMap<>();
    private final Arena arena = Arena.ofConfined();
    private final MemorySegment buf = arena.allocate(BUF, 4096);

    TreeCopy(RootedDir src, RootedDir dst, String opaqueXattr) {
        this.src = src;
        this.dst = dst;
        this.opaqueXattr = opaqueXattr;
    }

    void copyLayer() {
        Stat root = src.fstatRoot();
        copyMeta("", root);
        copyDir("");
        dst.setTimes("", root.atimeSec(), root.atimeNsec(), root.mtimeSec(), root.mtimeNsec());
    }

    private void copyDir(String rel) {
        for (String name : src.list(rel)) {
            String p = LowerView.join(rel, name);
            Stat st = src.lstat(p);
            if (st == null) continue;
            Stat existing = dst.lstat(p);
            if (st.isWhiteout()) {
                if (existing != null) dst.remove(p);
                continue;
            }
            if (st.isDirectory()) {
                if (existing != null && !existing.isDirectory()) { dst.remove(p); existing = null; }
                if (existing == null) dst.mkdir(p, 0700);
                else if (isOpaque(p)) dst.clear(p);
                copyMeta(p, st);
                copyDir(p);
                dst.setTimes(p, st.atimeSec(), st.atimeNsec(), st.mtimeSec(), st.mtimeNsec());
                continue;
            }
            if (existing != null) dst.remove(p);
            if (st.isRegular()) {
                String first = st.nlink() > 1 ? inodes.get(st.ino()) : null;
                if (first != null) { dst.link(first, p); continue; }
                copyFile(p, st);
                if (st.nlink() > 1) inodes.put(st.ino(), p);
                continue;
            }
            if (st.isSymlink()) {
                dst.symlink(src.readlink(p), p);
            } else if (st.isCharDevice() || st.isBlockDevice() || st.isFifo()) {
                dst.mknod(p, st.type() | 0600, st.rdevMajor(), st.rdevMinor());
            } else {
                continue; // sockets are not content
            }
            copyMeta(p, st);
            dst.setTimes(p, st.atimeSec(), st.atimeNsec(), st.mtimeSec(), st.mtimeNsec());
        }
    }

    private boolean isOpaque(String rel) {
        byte[] v = src.getXattr(rel, opaqueXattr);
        return v != null && v.length == 1 && v[0] == 'y';
    }

    private void copyMeta(String rel, Stat st) {
        dst.chown(rel, st.uid(), st.gid());
        if (!st.isSymlink()) dst.chmod(rel, st.perms());
        for (String x : src.listXattrs(rel)) {
            if (x.startsWith("trusted.overlay.") || x.startsWith("user.overlay.")) continue;
            byte[] v = src.getXattr(rel, x);
            if (v == null) continue;
            try {
                dst.setXattr(rel, x, v);
            } catch (SyscallException e) {
                if (e.errno() != Errno.EOPNOTSUPP && e.errno() != Errno.EPERM) throw e;
            }
        }
    }

    private void copyFile(String rel, Stat st) {
        int in = src.openNoFollow(rel, Fs.O_RDONLY);
        try {
            int out = dst.createFile(rel, 0600);
            try {
                String what = dst.describe(rel);
                long off = 0;
                while (off < st.size()) {
                    long data = Fs.lseek(in, off, Fs.SEEK_DATA, what);
                    if (data < 0) break;
                    long hole = Fs.lseek(in, data, Fs.SEEK_HOLE, what);
                    Fs.lseek(in, data, Fs.SEEK_SET, what);
                    for (long pos = data; pos < hole; ) {
                        long n = Fs.read(in, buf, Math.min(BUF, hole - pos), src.describe(rel));
                        if (n == 0) break;
                        Fs.pwriteFully(out, buf, n, pos, what);
                        pos += n;
                    }
                    off = hole;
                }
                Fs.ftruncate(out, st.size(), what);
                Fs.fchown(out, st.uid(), st.gid(), what);
                Fs.fchmod(out, st.perms(), what);
            } finally {
                Fs.close(out);
            }
        } finally {
            Fs.close(in);
        }
        copyMeta(rel, st); // xattrs after chown (chown drops security.capability)
        dst.setTimes(rel, st.atimeSec(), st.atimeNsec(), st.mtimeSec(), st.mtimeNsec());
    }

    @Override
    public void close() { arena.close(); }
}
