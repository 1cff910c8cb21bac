package dev.hako.kernel.fs;

import dev.hako.kernel.Errno;
import dev.hako.kernel.SyscallException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A directory held by an fd, with operations on relative paths that can never reach outside it.
 *
 * <p>Every path is resolved in two steps: the parent is opened with openat2(RESOLVE_IN_ROOT |
 * RESOLVE_NO_MAGICLINKS), so {@code ..} and symlinks (absolute or relative, chained) in the parent
 * part are resolved as if this directory were {@code /}; the final component is then acted on with a
 * *at call that does not follow symlinks. Nothing here follows a final symlink except {@link #open} and
 * {@link #openDirectory}, which still resolve inside the root.
 *
 * <p>Not thread-safe: it caches the last parent fd (extraction visits one directory many times).
 */
public final class RootedDir implements AutoCloseable {
    private static final long RESOLVE = Fs.RESOLVE_IN_ROOT | Fs.RESOLVE_NO_MAGICLINKS;

    private final Path path;
    private final int fd;
    private String cachedParent;
    private int cachedParentFd = -1;

    private RootedDir(Path path, int fd) {
        this.path = path;
        this.fd = fd;
    }

    /** Opens {@code dir} (which must exist and be a directory; a symlink as the last component is refused). */
    public static RootedDir open(Path dir) {
        Path abs = dir.toAbsolutePath().normalize();
        int fd = Fs.openat(Fs.AT_FDCWD, abs.toString(), Fs.O_PATH | Fs.O_DIRECTORY | Fs.O_NOFOLLOW | Fs.O_CLOEXEC, 0,
                abs.toString());
        return new RootedDir(abs, fd);
    }

    /**
     * Takes ownership of {@code dirFd}, a directory opened by the caller (e.g. through the magic link
     * /proc/PID/root, which {@link #open} refuses as a symlink); {@code label} is only used in messages.
     */
    public static RootedDir adopt(Path label, int dirFd) { return new RootedDir(label, dirFd); }

    public Path path() { return path; }
    public int fd() { return fd; }

    /** For messages: the host path this relative path would have if nothing were a symlink. */
    public String describe(String rel) { return rel.isEmpty() ? path.toString() : path + "/" + rel; }

    /** A path that reaches the inode held by {@code fd} through procfs (for APIs that only take paths). */
    public static String procPath(int fd) { return "/proc/self/fd/" + fd; }

    // ---- path splitting ----------------------------------------------------------------------------------

    /** Splits a relative path into parent and final name; rejects empty, "." and ".." as final names. */
    static String[] split(String rel) {
        String r = trimSlashes(rel);
        int i = r.lastIndexOf('/');
        String parent = i < 0 ? "" : r.substring(0, i);
        String name = i < 0 ? r : r.substring(i + 1);
        if (name.isEmpty() || name.equals(".") || name.equals(".."))
            throw new IllegalArgumentException("not a usable final path component: '" + rel + "'");
        return new String[] {parent, name};
    }

    private static String trimSlashes(String rel) {
        int s = 0, e = rel.length();
        while (s < e && rel.charAt(s) == '/') s++;
        while (e > s && rel.charAt(e - 1) == '/') e--;
        return rel.substring(s, e);
    }

    /** The parent directory of {@code rel} as an O_PATH fd, resolved inside the root. Do not close it. */
    private int parentFd(String parent) {
        if (parent.isEmpty()) return fd;
        if (parent.equals(cachedParent)) return cachedParentFd;
        int pfd = Fs.openat2(fd, parent, Fs.O_PATH | Fs.O_DIRECTORY | Fs.O_CLOEXEC, 0, RESOLVE, describe(parent));
        invalidate();
        cachedParent = parent;
        cachedParentFd = pfd;
        return pfd;
    }

    /** Forgets the cached parent fd; needed whenever a directory or symlink may have been replaced. */
    public void invalidate() {
        if (cachedParentFd >= 0) Fs.close(cachedParentFd);
        cachedParentFd = -1;
        cachedParent = null;
    }

    // ---- queries -----------------------------------------------------------------------------------------

    /** lstat of {@code rel} (the final component is not followed); null when it does not exist. */
    public Stat lstat(String rel) {
        String r = trimSlashes(rel);
        if (r.isEmpty()) return Fs.fstat(fd, path.toString());
        String[] pn = split(r);
        int pfd;
        try {
            pfd = parentFd(pn[0]);
        } catch (SyscallException e) {
            if (e.errno() == Errno.ENOENT || e.errno() == Errno.ENOTDIR) return null;
            throw e;
        }
        return Fs.lstatOrNull(pfd, pn[1], describe(r));
    }

    public String readlink(String rel) {
        String[] pn = split(rel);
        return Fs.readlinkat(parentFd(pn[0]), pn[1], describe(rel));
    }

    /** Names in directory {@code rel} (not following a final symlink); "" is the root. */
    public List<String> list(String rel) {
        int dfd = openNoFollow(rel, Fs.O_RDONLY | Fs.O_DIRECTORY);
        try {
            return listFd(dfd, describe(rel));
        } finally {
            Fs.close(dfd);
        }
    }

    /** Names in the directory held by {@code dirFd}. */
    public static List<String> listFd(int dirFd, String what) {
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(Path.of(procPath(dirFd)))) {
            for (Path p : ds) names.add(p.getFileName().toString());
        } catch (IOException e) {
            throw new UncheckedIOException("list " + what + ": " + e.getMessage(), e);
        }
        return names;
    }

    public Stat fstatRoot() { return Fs.fstat(fd, path.toString()); }

    // ---- opening -----------------------------------------------------------------------------------------

    /** openat2(RESOLVE_IN_ROOT): follows symlinks, final one included, but only ever inside the root. */
    public int open(String rel, int flags, int mode) {
        String r = trimSlashes(rel);
        return Fs.openat2(fd, r.isEmpty() ? "." : r, flags | Fs.O_CLOEXEC, mode, RESOLVE, describe(r));
    }

    /** Opens a directory, following symlinks inside the root. */
    public int openDirectory(String rel) {
        return open(rel, Fs.O_RDONLY | Fs.O_DIRECTORY, 0);
    }

    /** Opens {@code rel} without following its final component ({@code O_NOFOLLOW}); "" opens the root. */
    public int openNoFollow(String rel, int flags) {
        String r = trimSlashes(rel);
        if (r.isEmpty()) return Fs.openat(fd, ".", flags | Fs.O_CLOEXEC, 0, path.toString());
        String[] pn = split(r);
        return Fs.openat(parentFd(pn[0]), pn[1], flags | Fs.O_NOFOLLOW | Fs.O_CLOEXEC, 0, describe(r));
    }

    /** Creates a new regular file (O_EXCL: never reuses or writes through what is there) open for writing. */
    public int createFile(String rel, int mode) {
        String[] pn = split(rel);
        return Fs.openat(parentFd(pn[0]), pn[1],
                Fs.O_WRONLY | Fs.O_CREAT | Fs.O_EXCL | Fs.O_NOFOLLOW | Fs.O_CLOEXEC, mode, describe(rel));
    }

    // ---- creating ----------------------------------------------------------------------------------------

    public void mkdir(String rel, int mode) {
        String[] pn = split(rel);
        Fs.mkdirat(parentFd(pn[0]), pn[1], mode, describe(rel));
    }

    /**
     * Creates missing directories of {@code rel} (mode 0755). Existing directories and symlinks to directories
     * are kept; a dangling symlink in the way has its target created, resolved inside the root (like
     * containerd's root-scoped MkdirAll).
     */
    public void mkdirs(String rel) {
        mkdirs(trimSlashes(rel), 0);
    }

    private void mkdirs(String r, int depth) {
        if (r.isEmpty()) return;
        if (depth > 40) throw new SyscallException("mkdirs", describe(r), Errno.ELOOP);
        try {
            Fs.close(Fs.openat2(fd, r, Fs.O_PATH | Fs.O_DIRECTORY | Fs.O_CLOEXEC, 0, RESOLVE, describe(r)));
            return;
        } catch (SyscallException e) {
            if (e.errno() != Errno.ENOENT) throw e;
        }
        String[] pn = split(r);
        mkdirs(pn[0], depth);
        int pfd = parentFd(pn[0]);
        Stat st = Fs.lstatOrNull(pfd, pn[1], describe(r));
        if (st != null && st.isSymlink()) {
            String target = Fs.readlinkat(pfd, pn[1], describe(r));
            mkdirs(clamp(target.startsWith("/") ? target : pn[0] + "/" + target), depth + 1);
            return;
        }
        Fs.mkdirat(pfd, pn[1], 0755, describe(r));
    }

    /** Lexically resolves "." and ".." with ".." stopping at the root, as RESOLVE_IN_ROOT does. */
    public static String clamp(String path) {
        java.util.ArrayDeque<String> parts = new java.util.ArrayDeque<>();
        for (String p : path.split("/")) {
            if (p.isEmpty() || p.equals(".")) continue;
            if (p.equals("..")) { parts.pollLast(); continue; }
            parts.addLast(p);
        }
        return String.join("/", parts);
    }

    public void symlink(String target, String rel) {
        String[] pn = split(rel);
        Fs.symlinkat(target, parentFd(pn[0]), pn[1], describe(rel));
    }

    /**
     * Hard-links {@code rel} to the existing {@code targetRel}, both inside the root. The target's parent is
     * resolved inside the root and its final component is linked as is (a symlink is linked, not followed).
     */
    public void link(String targetRel, String rel) {
        String[] tn = split(targetRel);
        String[] pn = split(rel);
        int tfd = Fs.openat2(fd, tn[0].isEmpty() ? "." : tn[0], Fs.O_PATH | Fs.O_DIRECTORY | Fs.O_CLOEXEC, 0,
                RESOLVE, describe(tn[0]));
        try {
            Fs.linkat(tfd, tn[1], parentFd(pn[0]), pn[1], 0, describe(rel) + " -> " + describe(targetRel));
        } finally {
            Fs.close(tfd);
        }
    }

    /** mknod: {@code mode} includes the type bits (S_IFCHR, S_IFBLK, S_IFIFO). */
    public void mknod(String rel, int mode, int major, int minor) {
        String[] pn = split(rel);
        Fs.mknodat(parentFd(pn[0]), pn[1], mode, major, minor, describe(rel));
    }

    public void rename(String fromRel, String toRel, int flags) {
        String[] fn = split(fromRel);
        String[] tn = split(toRel);
        int ffd = Fs.openat2(fd, fn[0].isEmpty() ? "." : fn[0], Fs.O_PATH | Fs.O_DIRECTORY | Fs.O_CLOEXEC, 0,
                RESOLVE, describe(fn[0]));
        try {
            Fs.renameat2(ffd, fn[1], parentFd(tn[0]), tn[1], flags, describe(fromRel) + " -> " + describe(toRel));
        } finally {
            Fs.close(ffd);
            invalidate();
        }
    }

    // ---- removing ----------------------------------------------------------------------------------------

    /** Removes {@code rel} whatever it is (a directory with all its content); false if nothing was there. */
    public boolean remove(String rel) {
        String[] pn = split(rel);
        int pfd;
        try {
            pfd = parentFd(pn[0]);
        } catch (SyscallException e) {
            if (e.errno() == Errno.ENOENT || e.errno() == Errno.ENOTDIR) return false; // no parent, nothing to remove
            throw e;
        }
        Stat st = Fs.lstatOrNull(pfd, pn[1], describe(rel));
        if (st == null) return false;
        if (st.isDirectory()) {
            // the cached fd may be this directory or below it
            int own = Fs.openat(pfd, ".", Fs.O_PATH | Fs.O_DIRECTORY | Fs.O_CLOEXEC, 0, describe(pn[0]));
            invalidate();
            try {
                removeTree(own, pn[1], describe(rel));
            } finally {
                Fs.close(own);
            }
        } else {
            Fs.unlinkat(pfd, pn[1], 0, describe(rel));
            if (st.isSymlink()) invalidate();
        }
        return true;
    }

    /** Removes everything inside directory {@code rel} but keeps the directory. */
    public void clear(String rel) {
        int dfd = openNoFollow(rel, Fs.O_RDONLY | Fs.O_DIRECTORY);
        invalidate();
        try {
            for (String child : listFd(dfd, describe(rel))) removeAt(dfd, child, describe(rel) + "/" + child);
        } finally {
            Fs.close(dfd);
        }
    }

    /** Removes {@code name} in directory {@code dirFd}, recursively, never following a symlink. */
    public static void removeAt(int dirFd, String name, String what) {
        Stat st = Fs.lstatOrNull(dirFd, name, what);
        if (st == null) return;
        if (st.isDirectory()) removeTree(dirFd, name, what);
        else Fs.unlinkat(dirFd, name, 0, what);
    }

    private static void removeTree(int parentFd, String name, String what) {
        int dfd = Fs.openat(parentFd, name, Fs.O_RDONLY | Fs.O_DIRECTORY | Fs.O_NOFOLLOW | Fs.O_CLOEXEC, 0, what);
        try {
            for (String child : listFd(dfd, what)) removeAt(dfd, child, what + "/" + child);
        } finally {
            Fs.close(dfd);
        }
        Fs.unlinkat(parentFd, name, Fs.AT_REMOVEDIR, what);
    }

    // ---- metadata (final component never followed) -------------------------------------------------------

    public void chown(String rel, int uid, int gid) {
        String r = trimSlashes(rel);
        if (r.isEmpty()) { Fs.fchownat(fd, "", uid, gid, Fs.AT_EMPTY_PATH, path.toString()); return; }
        String[] pn = split(r);
        Fs.fchownat(parentFd(pn[0]), pn[1], uid, gid, Fs.AT_SYMLINK_NOFOLLOW, describe(r));
    }

    /** chmod without following; on a symlink this fails with EOPNOTSUPP (Linux symlinks have no mode). */
    public void chmod(String rel, int mode) {
        String r = trimSlashes(rel);
        if (r.isEmpty()) { Fs.fchmodat(fd, ".", mode, 0, path.toString()); return; }
        String[] pn = split(r);
        Fs.fchmodat(parentFd(pn[0]), pn[1], mode, Fs.AT_SYMLINK_NOFOLLOW, describe(r));
    }

    public void setTimes(String rel, long atimeSec, long atimeNsec, long mtimeSec, long mtimeNsec) {
        String r = trimSlashes(rel);
        if (r.isEmpty()) { Fs.utimensat(fd, ".", atimeSec, atimeNsec, mtimeSec, mtimeNsec, 0, path.toString()); return; }
        String[] pn = split(r);
        Fs.utimensat(parentFd(pn[0]), pn[1], atimeSec, atimeNsec, mtimeSec, mtimeNsec, Fs.AT_SYMLINK_NOFOLLOW, describe(r));
    }

    /** The final component through its parent's fd in procfs: the parent is pinned, the name is not followed. */
    private String xattrPath(String r) {
        if (r.isEmpty()) return procPath(fd) + "/.";
        String[] pn = split(r);
        return procPath(parentFd(pn[0])) + "/" + pn[1];
    }

    public void setXattr(String rel, String name, byte[] value) {
        String r = trimSlashes(rel);
        Fs.lsetxattr(xattrPath(r), name, value, 0, describe(r));
    }

    public void removeXattr(String rel, String name) {
        String r = trimSlashes(rel);
        Fs.lremovexattr(xattrPath(r), name, describe(r));
    }

    /** The value of xattr {@code name} on {@code rel} (not following), or null. */
    public byte[] getXattr(String rel, String name) {
        String r = trimSlashes(rel);
        return Fs.lgetxattr(xattrPath(r), name, describe(r));
    }

    public List<String> listXattrs(String rel) {
        String r = trimSlashes(rel);
        return Fs.llistxattr(xattrPath(r), describe(r));
    }

    @Override
    public void close() {
        invalidate();
        Fs.close(fd);
    }
}
