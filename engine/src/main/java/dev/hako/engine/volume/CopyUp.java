package dev.hako.engine.volume;

import dev.hako.kernel.Errno;
import dev.hako.kernel.SyscallException;
import dev.hako.kernel.fs.Fs;
import dev.hako.kernel.fs.RootedDir;
import dev.hako.kernel.fs.Stat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * docker's copy-up: what the image has at a volume's destination is copied into the (empty) volume the first
 * time it is mounted there, with owners, modes, times and hardlinks. Both trees are walked through
 * {@link RootedDir} (openat2 RESOLVE_IN_ROOT), so a symlink in the image cannot lead the copy outside the
 * container's root filesystem or outside the volume.
 */
final class CopyUp implements AutoCloseable {
    private static final int BUF = 1 << 20;
    private final RootedDir src, dst;
    private final Map<Long, String> inodes = new HashMap<>();
    private final Arena arena = Arena.ofConfined();
    private final MemorySegment buf = arena.allocate(BUF, 4096);

    private CopyUp(RootedDir src, RootedDir dst) {
        this.src = src;
        this.dst = dst;
    }

    /**
     * Copies the content of {@code destination} in {@code rootfs} (symlinks resolved inside the rootfs) into
     * {@code volumeData}; the volume's root takes the owner and mode of that directory, as docker's does.
     * Nothing happens when the image has no directory there.
     */
    static void copy(Path rootfs, String destination, Path volumeData) {
        try (RootedDir root = RootedDir.open(rootfs)) {
            String rel = RootedDir.clamp(destination);
            int fd;
            try {
                fd = root.openDirectory(rel);
            } catch (SyscallException e) {
                if (e.errno() == Errno.ENOENT || e.errno() == Errno.ENOTDIR) return;
                throw e;
            }
            // the directory as the kernel resolved it inside the rootfs: a fresh root for the walk
            Path resolved;
            try {
                resolved = Path.of(Fs.readlinkat(Fs.AT_FDCWD, RootedDir.procPath(fd), RootedDir.procPath(fd)));
            } finally {
                Fs.close(fd);
            }
            if (!resolved.startsWith(root.path())) return; // not reachable under the rootfs: nothing to copy
            try (RootedDir s = RootedDir.open(resolved); RootedDir d = RootedDir.open(volumeData); CopyUp c = new CopyUp(s, d)) {
                Stat top = s.fstatRoot();
                c.copyDir("");
                d.chown("", top.uid(), top.gid());
                d.chmod("", top.perms());
            }
        }
    }

    private void copyDir(String rel) {
        for (String name : src.list(rel)) {
            String p = rel.isEmpty() ? name : rel + "/" + name;
            Stat st = src.lstat(p);
            if (st == null) continue;
            if (st.isDirectory()) {
                dst.mkdir(p, 0700);
                copyDir(p);
                meta(p, st);
            } else if (st.isRegular()) {
                String first = st.nlink() > 1 ? inodes.get(st.ino()) : null;
                if (first != null) {
                    dst.link(first, p);
                    continue;
                }
                copyFile(p, st);
                if (st.nlink() > 1) inodes.put(st.ino(), p);
            } else if (st.isSymlink()) {
                dst.symlink(src.readlink(p), p);
                dst.chown(p, st.uid(), st.gid());
            } else if (st.isCharDevice() || st.isBlockDevice() || st.isFifo()) {
                dst.mknod(p, st.type() | 0600, st.rdevMajor(), st.rdevMinor());
                meta(p, st);
            }
            // sockets are not content
        }
    }

    private void meta(String rel, Stat st) {
        dst.chown(rel, st.uid(), st.gid());
        dst.chmod(rel, st.perms());
        dst.setTimes(rel, st.atimeSec(), st.atimeNsec(), st.mtimeSec(), st.mtimeNsec());
    }

    private void copyFile(String rel, Stat st) {
        int in = src.openNoFollow(rel, Fs.O_RDONLY);
        try {
            int out = dst.createFile(rel, 0600);
            try {
                String what = dst.describe(rel);
                for (long pos = 0; ; ) {
                    long n = Fs.read(in, buf, BUF, src.describe(rel));
                    if (n <= 0) break;
                    Fs.pwriteFully(out, buf, n, pos, what);
                    pos += n;
                }
                Fs.fchown(out, st.uid(), st.gid(), what);
                Fs.fchmod(out, st.perms(), what);
            } finally {
                Fs.close(out);
            }
        } finally {
            Fs.close(in);
        }
        dst.setTimes(rel, st.atimeSec(), st.atimeNsec(), st.mtimeSec(), st.mtimeNsec());
    }

    @Override
    public void close() { arena.close(); }
}
