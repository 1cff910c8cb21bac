package dev.hako.kernel.fs;

import dev.hako.kernel.Errno;
import dev.hako.kernel.Native;
import dev.hako.kernel.SyscallException;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Thin libc/syscall bindings for file-system work relative to directory fds. Every method throws
 * {@link SyscallException} naming the call, the path ({@code what}, used only in messages) and errno.
 * No policy lives here; {@link RootedDir} builds the escape-proof operations on top.
 */
public final class Fs {
    private Fs() {}

    private static final boolean AARCH64 = "aarch64".equals(System.getProperty("os.arch"));

    public static final int AT_FDCWD = -100;
    public static final int AT_SYMLINK_NOFOLLOW = 0x100, AT_REMOVEDIR = 0x200, AT_SYMLINK_FOLLOW = 0x400,
            AT_EMPTY_PATH = 0x1000;

    public static final int O_RDONLY = 0, O_WRONLY = 1, O_RDWR = 2, O_CREAT = 0100, O_EXCL = 0200,
            O_NOCTTY = 0400, O_TRUNC = 01000, O_APPEND = 02000, O_NONBLOCK = 04000,
            O_DIRECTORY = AARCH64 ? 040000 : 0200000,
            O_NOFOLLOW = AARCH64 ? 0100000 : 0400000,
            O_CLOEXEC = 02000000, O_PATH = 010000000;

    public static final long RESOLVE_NO_XDEV = 0x01, RESOLVE_NO_MAGICLINKS = 0x02, RESOLVE_NO_SYMLINKS = 0x04,
            RESOLVE_BENEATH = 0x08, RESOLVE_IN_ROOT = 0x10, RESOLVE_CACHED = 0x20;

    public static final int RENAME_NOREPLACE = 1, RENAME_EXCHANGE = 2;
    public static final int XATTR_CREATE = 1, XATTR_REPLACE = 2;
    public static final int SEEK_SET = 0, SEEK_CUR = 1, SEEK_END = 2, SEEK_DATA = 3, SEEK_HOLE = 4;
    public static final int LOCK_SH = 1, LOCK_EX = 2, LOCK_NB = 4, LOCK_UN = 8;
    /** utimensat: leave this timestamp unchanged. */
    public static final long UTIME_OMIT = (1L << 30) - 2;

    public static final long MS_RDONLY = 1, MS_NOSUID = 2, MS_NODEV = 4, MS_NOEXEC = 8, MS_REMOUNT = 32,
            MS_BIND = 4096, MS_MOVE = 8192, MS_REC = 16384, MS_PRIVATE = 1 << 18;
    public static final int MNT_FORCE = 1, MNT_DETACH = 2, UMOUNT_NOFOLLOW = 8;

    private static final long SYS_OPENAT2 = 437;

    private static final Linker.Option ERRNO = Linker.Option.captureCallState("errno");

    private static MethodHandle fn(String name, FunctionDescriptor d, Linker.Option... extra) {
        MemorySegment sym = Native.LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name));
        Linker.Option[] opts = new Linker.Option[extra.length + 1];
        opts[0] = ERRNO;
        System.arraycopy(extra, 0, opts, 1, extra.length);
        return Native.LINKER.downcallHandle(sym, d, opts);
    }

    private static final MethodHandle SYSCALL_OPENAT2 = fn("syscall",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG),
            Linker.Option.firstVariadicArg(1));
    private static final MethodHandle OPENAT = fn("openat",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), Linker.Option.firstVariadicArg(3));
    private static final MethodHandle CLOSE = fn("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle MKDIRAT = fn("mkdirat", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle MKNODAT = fn("mknodat",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG));
    private static final MethodHandle SYMLINKAT = fn("symlinkat",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS));
    private static final MethodHandle LINKAT = fn("linkat",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle UNLINKAT = fn("unlinkat", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle RENAMEAT2 = fn("renameat2",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle FCHOWNAT = fn("fchownat",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle FCHOWN = fn("fchown", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle FCHMOD = fn("fchmod", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle FCHMODAT = fn("fchmodat",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    private static final MethodHandle UTIMENSAT = fn("utimensat",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
    private static final MethodHandle FUTIMENS = fn("futimens", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle FSETXATTR = fn("fsetxattr",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle LSETXATTR = fn("lsetxattr",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle LGETXATTR = fn("lgetxattr",
            FunctionDescriptor.of(JAVA_LONG, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG));
    private static final MethodHandle LLISTXATTR = fn("llistxattr",
            FunctionDescriptor.of(JAVA_LONG, ADDRESS, ADDRESS, JAVA_LONG));
    private static final MethodHandle LREMOVEXATTR = fn("lremovexattr", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle STATX = fn("statx",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle READLINKAT = fn("readlinkat",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG));
    private static final MethodHandle WRITE = fn("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle PWRITE = fn("pwrite",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle READ = fn("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    // write/pwrite straight from a Java array: "critical" downcalls may take heap segments, so the bytes need no
    // copy into native memory first. The JVM holds off GC during such a call: only for writes of bounded size to
    // regular files (page cache), never for anything that can block for long (pipes, sockets, ttys).
    private static final MethodHandle WRITE_HEAP = fn("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG),
            Linker.Option.critical(true));
    private static final MethodHandle PWRITE_HEAP = fn("pwrite",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG), Linker.Option.critical(true));
    /** The most one heap write hands the kernel at once (bounds how long GC waits for it). */
    private static final int HEAP_WRITE_MAX = 1 << 20;
    private static final MethodHandle LSEEK = fn("lseek", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT));
    private static final MethodHandle FTRUNCATE = fn("ftruncate", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG));
    private static final MethodHandle FALLOCATE = fn("fallocate",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle FSYNC = fn("fsync", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle SYNCFS = fn("syncfs", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle FLOCK = fn("flock", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle MOUNT = fn("mount",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS));
    private static final MethodHandle UMOUNT2 = fn("umount2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));

    private static MemorySegment str(Arena a, String s) { return s == null ? MemorySegment.NULL : a.allocateFrom(s); }

    private static SyscallException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) throw r;
        if (t instanceof Error e) throw e;
        throw new IllegalStateException(t);
    }

    // ---- open / close ------------------------------------------------------------------------------------

    /** openat2(2) with struct open_how; returns the new fd. */
    public static int openat2(int dirfd, String path, int flags, int mode, long resolve, String what) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment err = Native.errnoSegment(a);
            MemorySegment how = a.allocate(24, 8);
            how.set(JAVA_LONG, 0, flags & 0xffffffffL);
            how.set(JAVA_LONG, 8, mode);
            how.set(JAVA_LONG, 16, resolve);
            MemorySegment p = str(a, path);
            // EAGAIN: RESOLVE_IN_ROOT/BENEATH walked ".." while something was renamed or mounted anywhere on the
            // host and could not prove it stayed inside; openat2(2) says to retry
            for (int attempt = 0; ; attempt++) {
                long r = (long) SYSCALL_OPENAT2.invokeExact(err, SYS_OPENAT2, dirfd, p, how, 24L);
                if (r < 0 && attempt < 64 && Native.errno(err) == dev.hako.kernel.Errno.EAGAIN) continue;
                return (int) Native.check(r, err, "openat2", what);
            }
        } catch (Throwable t) { throw rethrow(t); }
    }

    public static int openat(int dirfd, String path, int flags, int mode, String what) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment err = Native.errnoSegment(a);
            int r = (int) OPENAT.invokeExact(err, dirfd, str(a, path), flags, mode);
            return Native.check(r, err, "openat", what);
        } catch (Throwable t) { throw rethrow(t); }
    }

    /** Closes quietly: close errors on fds we only read or that are O_PATH carry no information. */
    public static void close(int fd) {
        if (fd < 0) return;
        try (Arena a = Arena.ofConfined()) {
            int r = (int) CLOSE.invokeExact(Native.errnoSegment(a), fd);
        } catch (Throwable t) { throw rethrow(t); }
    }

    // ---- creating and removing ---------------------------------------------------------------------------

    public static void mkdirat(int dirfd, String name, int mode, String what) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment err = Native.errnoSegment(a);
            Native.check((int) MKDIRAT.invokeExact(err, dirfd, str(a, name), mode), err, "mkdirat", what);
        } catch (Throwable t) { throw rethrow(t); }
    }

    public static long makedev(int major, int minor) {
        long ma = major & 0xffffffffL, mi = minor & 0xffffffffL;
        return ((ma & 0xfffff000L) << 32) | ((ma & 0xfffL) << 8) | ((mi & 0xffffff00L) << 12) | (mi & 0xffL);
    }

    public static void mknodat(int dirfd, String name, int mode, int major, int minor, String what) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment err = Native.errnoSegment(a);
            Native.check((int) MKNODAT.invokeExact(err, dirfd, str(a, name), mode, makedev(major, minor)),
                    err, "mknodat", what);
        } catch (Throwable t) { throw rethrow(t); }
    }

    public static void symlinkat(String target, int dirfd, String name, String what) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment err = Native.errnoSegment(a);
            Native.check((int) SYMLINKAT.invokeExact(err, str(a, target), dirfd, str(a, name)), err, "symlinkat", what);
        } catch (Throwable t) { throw rethrow(t); }
    }

    /** linkat(2); with flags 0 a symlink as old path is linked itself, never followed. */
    public static void linkat(int olddirfd, String oldname, int newdirfd, String newname, int flags, String what) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment err = Native.errnoSegment(a);
            Native.check((int) LINKAT.invokeExact(err, olddirfd, str(a, oldname), newdirfd, str(a, newname), flags),
                    err, "linkat", what);
        } catch (Throwable t) { throw rethrow(t); }
    }

    public static void unlinkat(int dirfd, String name, int flags, String what) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment err = Native.errnoSegment(a);
            Native.check((int) UNLINKAT.invokeExact(err, dirfd, str(a, name), flags), err, "unlinkat", what);
        } catch (Throwable t) { throw rethrow(t); }
    }

    public static void renameat2(int olddirfd, String oldname, int newdirfd, String newname, int flags, String what) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment err = Native.errnoSegment(a);
            Native.check((int) RENAMEAT2.invokeExact(err, olddirfd, str(a, oldname), newdirfd, str(a, newname), flags),
                    err, "renameat2", what);
        } catch (Throwable t) { throw rethrow(t); }
    }

    // ---- metadata ----------------------------------------------------------------------------------------

    public static void fchownat(int dirfd, String name, int uid, int gid, int flags, String what) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment err = Native.errnoSegment(a);
            Native.check((int) FCHOWNAT.invokeExact(err, dirfd, str(a, name), uid, gid, flags), err, "fchownat", what);
        } catch (Throwable t) { throw rethrow(t); }
    }

    public static void fchown(int fd, int uid, int gid, String what) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment err = Native.errnoSegment(a);
            Native.check((int) FCHOWN.invokeExact(err, fd, uid, gid), err, "fchown", what);
        } catch (Throwable t) { throw rethrow(t); }
    }

    public static void fchmod(int fd, int mode, String what) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment err = Native.errnoSegment(a);
            Native.check((int) FCHMOD.invokeExact(err, fd, mode), err, "fchmod", what);
        } catch (Throwable t) { throw rethrow(t); }
    }

    /**
     * fchmodat(2). With {@link #AT_SYMLINK_NOFOLLOW} glibc (>= 2.32) opens the name O_PATH|O_NOFOLLOW and
     * changes the mode through that exact inode; a symlink gives EOPNOTSUPP.
     */
    public static void fchmodat(int dirfd, String name, int mode, int flags, String what) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment err = Native.errnoSegment(a);
            Native.check((int) FCHMODAT.invokeExact(err, dirfd, str(a, name), mode, flags), err, "fchmodat", what);
        } catch (Throwable t) { throw rethrow(t); }
    }

    private static MemorySegment timespecs(Arena a, long atimeSec, long atimeNsec, long mtimeSec, long mtimeNsec) {
        MemorySegment ts = a.allocate(32, 8);
        ts.set(JAVA_LONG, 0, atimeSec);
        ts.set(JAVA_LONG, 8, atimeNsec);
        ts.set(JAVA_LONG, 16, mtimeSec);
        ts.set(JAVA_LONG, 24, mtimeNsec);
        return ts;
    }

    public static void utimensat(int dirfd, String name, long atimeSec, long atimeNsec, long mtimeSec, long mtimeNsec,
                                 int flags, String what) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment err = Native.errnoSegment(a);
            Native.check((int) UTIMENSAT.invokeExact(err, dirfd, str(a, name),
                    timespecs(a, atimeSec, atimeNsec, mtimeSec, mtimeNsec), flags), err, "utimensat", what);
        } catch (Throwable t) { throw rethrow(t); }
    }

    public static void futimens(int fd, long atimeSec, long atimeNsec, long mtimeSec, long mtimeNsec, String what) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment err = Native.errnoSegment(a);
            Native.check((int) FUTIMENS.invokeExact(err, fd, timespecs(a, atimeSec, atimeNsec, mtimeSec, mtimeNsec)),
                    err, "futimens", what);
        } catch (Throwable t) { throw rethrow(t); }
    }

    public static void fsetxattr(int fd, String name, byte[] value, int flags, String what) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment err = Native.errnoSegment(a);
            MemorySegment v = a.allocate(Math.max(1, value.length));
            MemorySegment.copy(value, 0, v, ValueLayout.JAVA_BYTE, 0, value.length);
            Native.check((int) FSETXATTR.invokeExact(err, fd, str(a, name), v, (long) value.length, flags),
                    err, "fsetxattr " + name, what);
        } catch (Throwable t) { throw rethrow(t); }
    }

    /** lsetxattr(2) on an absolute path; never follows a final symlink. */
    public static void lsetxattr(String path, String name, byte[] value, int flags, String what) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment err = Native.errnoSegment(a);
            MemorySegment v = a.allocate(Math.max(1, value.length));
            MemorySegment.copy(value, 0, v, ValueLayout.JAVA_BYTE, 0, value.length);
            Native.check((int) LSETXATTR.invokeExact(err, str(a, path), str(a, name), v, (long) value.length, flags),
                    err, "lsetxattr " + name, what);
        } catch (Throwable t) { throw rethrow(t); }
    }

    /** lgetxattr(2); null when the attribute is absent (ENODATA). */
    public static byte[] lgetxattr(String path, String name, String what) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment err = Native.errnoSegment(a);
            MemorySegment p = str(a, path), n = str(a, name);
            for (int cap = 256; ; cap *= 4) {
                MemorySegment buf = a.allocate(cap);
                long r = (long) LGETXATTR.invokeExact(err, p, n, buf, (long) cap);
                if (r >= 0) return buf.asSlice(0, r).toArray(ValueLayout.JAVA_BYTE);
                int e = Native.errno(err);
                if (e == Errno.ENODATA) return null;
                if (e != Errno.ERANGE || cap > (1 << 20)) throw new SyscallException("lgetxattr " + name, what, e);
            }
        } catch (Throwable t) { throw rethrow(t); }
    }

    /** llistxattr(2): the attribute names on path (not following a final symlink). */
    public static List<String> llistxattr(String path, String what) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment err = Native.errnoSegment(a);
            MemorySegment p = str(a, path);
            for (int cap = 1024; ; cap *= 4) {
                MemorySegment buf = a.allocate(cap);
                long r = (long) LLISTXATTR.invokeExact(err, p, buf, (long) cap);
                if (r >= 0) {
                    List<String> names = new ArrayList<>();
                    byte[] bytes = buf.asSlice(0, r).toArray(ValueLayout.JAVA_BYTE);
                    int start = 0;
                    for (int i = 0; i < bytes.length; i++) {
                        if (bytes[i] == 0) {
                            if (i > start) names.add(new String(bytes, start, i - start, StandardCharsets.UTF_8));
                            start = i + 1;
                        }
                    }
                    return names;
                }
                int e = Native.errno(err);
                if (e == Errno.EOPNOTSUPP) return List.of();
                if (e != Errno.ERANGE || cap > (1 << 22)) throw new SyscallException("llistxattr", what, e);
            }
        } catch (Throwable t) { throw rethrow(t); }
    }

    public static void lremovexattr(String path, String name, String what) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment err = Native.errnoSegment(a);
            Native.check((int) LREMOVEXATTR.invokeExact(err, str(a, path), str(a, name)), err, "lremovexattr " + name, what);
        } catch (Throwable t) { throw rethrow(t); }
    }

    /** statx(2) with the given AT_* flags (AT_SYMLINK_NOFOLLOW for lstat, AT_EMPTY_PATH with "" for fstat). */
    public static Stat statx(int dirfd, String name, int flags, String what) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment err = Native.errnoSegment(a);
            MemorySegment b = a.allocate(256, 8);
            // STATX_BASIC_STATS = 0x7ff
            Native.check((int) STATX.invokeExact(err, dirfd, str(a, name), flags, 0x7ff, b), err, "statx", what);
            return stat(b);
        } catch (Throwable t) { throw rethrow(t); }
    }

    /** lstat relative to dirfd; null when nothing is there (ENOENT, checked without building an exception). */
    public static Stat lstatOrNull(int dirfd, String name, String what) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment err = Native.errnoSegment(a);
            MemorySegment b = a.allocate(256, 8);
            int r = (int) STATX.invokeExact(err, dirfd, str(a, name), AT_SYMLINK_NOFOLLOW, 0x7ff, b);
            if (r == -1 && Native.errno(err) == Errno.ENOENT) return null;
            Native.check(r, err, "statx", what);
            return stat(b);
        } catch (Throwable t) { throw rethrow(t); }
    }

    private static Stat stat(MemorySegment b) {
        return new Stat(
                b.get(ValueLayout.JAVA_SHORT, 28) & 0xffff,
                b.get(JAVA_INT, 20), b.get(JAVA_INT, 24),
                b.get(JAVA_LONG, 40), b.get(JAVA_LONG, 48), b.get(JAVA_INT, 16), b.get(JAVA_LONG, 32),
                b.get(JAVA_INT, 136), b.get(JAVA_INT, 140), b.get(JAVA_INT, 128), b.get(JAVA_INT, 132),
                b.get(JAVA_LONG, 64), b.get(JAVA_INT, 72),
                b.get(JAVA_LONG, 112), b.get(JAVA_INT, 120),
                b.get(JAVA_LONG, 96), b.get(JAVA_INT, 104));
    }

    public static Stat fstat(int fd, String what) {
        return statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, what);
    }

    public static String readlinkat(int dirfd, String name, String what) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment err = Native.errnoSegment(a);
            MemorySegment buf = a.allocate(4097);
            long r = Native.check((long) READLINKAT.invokeExact(err, dirfd, str(a, name), buf, 4097L), err,
                    "readlinkat", what);
            return new String(buf.asSlice(0, r).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
        } catch (Throwable t) { throw rethrow(t); }
    }

    // ---- data --------------------------------------------------------------------------------------------

    /** Writes all {@code len} bytes of buf (retrying short writes). */
    public static void writeFully(int fd, MemorySegment buf, long len, String what) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment err = Native.errnoSegment(a);
            long off = 0;
            while (off < len) {
                long r = (long) WRITE.invokeExact(err, fd, buf.asSlice(off), len - off);
                if (r == -1) {
                    if (Native.errno(err) == Errno.EINTR) continue;
                    throw new SyscallException("write", what, Native.errno(err));
                }
                off += r;
            }
        } catch (Throwable t) { throw rethrow(t); }
    }

    public static void pwriteFully(int fd, MemorySegment buf, long len, long offset, String what) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment err = Native.errnoSegment(a);
            long off = 0;
            while (off < len) {
                long r = (long) PWRITE.invokeExact(err, fd, buf.asSlice(off), len - off, offset + off);
                if (r == -1) {
                    if (Native.errno(err) == Errno.EINTR) continue;
                    throw new SyscallException("pwrite", what, Native.errno(err));
                }
                off += r;
            }
        } catch (Throwable t) { throw rethrow(t); }
    }

    /**
     * Writes {@code len} bytes of {@code b} from {@code off} to a regular file (retrying short writes), without
     * copying them out of the Java heap first. {@code offset} &lt; 0: at the file position (write(2)); else at that
     * offset (pwrite(2)). Only for regular files: the call must not block for long (see WRITE_HEAP).
     */
    public static void writeFully(int fd, byte[] b, int off, int len, long offset, String what) {
        java.util.Objects.checkFromIndexSize(off, len, b.length);
        MemorySegment heap = MemorySegment.ofArray(b);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment err = Native.errnoSegment(a);
            long done = 0;
            while (done < len) {
                long n = Math.min(len - done, HEAP_WRITE_MAX);
                MemorySegment src = heap.asSlice(off + done, n);
                long r = offset < 0 ? (long) WRITE_HEAP.invokeExact(err, fd, src, n)
                        : (long) PWRITE_HEAP.invokeExact(err, fd, src, n, offset + done);
                if (r == -1) {
                    if (Native.errno(err) == Errno.EINTR) continue;
                    throw new SyscallException(offset < 0 ? "write" : "pwrite", what, Native.errno(err));
                }
                done += r;
            }
        } catch (Throwable t) { throw rethrow(t); }
    }

    /** read(2) once; returns bytes read, 0 at end of file. */
    public static long read(int fd, MemorySegment buf, long len, String what) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment err = Native.errnoSegment(a);
            while (true) {
                long r = (long) READ.invokeExact(err, fd, buf, len);
                if (r == -1 && Native.errno(err) == Errno.EINTR) continue;
                return Native.check(r, err, "read", what);
            }
        } catch (Throwable t) { throw rethrow(t); }
    }

    /** lseek(2); for SEEK_DATA/SEEK_HOLE past the last data returns -1 instead of throwing ENXIO. */
    public static long lseek(int fd, long offset, int whence, String what) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment err = Native.errnoSegment(a);
            long r = (long) LSEEK.invokeExact(err, fd, offset, whence);
            if (r == -1 && Native.errno(err) == Errno.ENXIO) return -1;
            return Native.check(r, err, "lseek", what);
        } catch (Throwable t) { throw rethrow(t); }
    }

    public static void ftruncate(int fd, long length, String what) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment err = Native.errnoSegment(a);
            Native.check((int) FTRUNCATE.invokeExact(err, fd, length), err, "ftruncate", what);
        } catch (Throwable t) { throw rethrow(t); }
    }

    public static void fallocate(int fd, int mode, long offset, long len, String what) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment err = Native.errnoSegment(a);
            Native.check((int) FALLOCATE.invokeExact(err, fd, mode, offset, len), err, "fallocate", what);
        } catch (Throwable t) { throw rethrow(t); }
    }

    public static void fsync(int fd, String what) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment err = Native.errnoSegment(a);
            Native.check((int) FSYNC.invokeExact(err, fd), err, "fsync", what);
        } catch (Throwable t) { throw rethrow(t); }
    }

    /** syncfs(2): writes back every dirty inode of the filesystem holding fd (one call instead of an fsync per file). */
    public static void syncfs(int fd, String what) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment err = Native.errnoSegment(a);
            Native.check((int) SYNCFS.invokeExact(err, fd), err, "syncfs", what);
        } catch (Throwable t) { throw rethrow(t); }
    }

    /** flock(2), retrying EINTR. Returns false only for LOCK_NB when the lock is held elsewhere. */
    public static boolean flock(int fd, int op, String what) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment err = Native.errnoSegment(a);
            while (true) {
                int r = (int) FLOCK.invokeExact(err, fd, op);
                if (r == 0) return true;
                int e = Native.errno(err);
                if (e == Errno.EINTR) continue;
                if (e == Errno.EAGAIN && (op & LOCK_NB) != 0) return false;
                throw new SyscallException("flock", what, e);
            }
        } catch (Throwable t) { throw rethrow(t); }
    }

    // ---- mounts ------------------------------------------------------------------------------------------

    public static void mount(String source, String target, String fstype, long flags, String data) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment err = Native.errnoSegment(a);
            Native.check((int) MOUNT.invokeExact(err, str(a, source), str(a, target), str(a, fstype), flags, str(a, data)),
                    err, "mount" + (fstype == null ? "" : " " + fstype), target);
        } catch (Throwable t) { throw rethrow(t); }
    }

    public static void umount2(String target, int flags) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment err = Native.errnoSegment(a);
            Native.check((int) UMOUNT2.invokeExact(err, str(a, target), flags), err, "umount2", target);
        } catch (Throwable t) { throw rethrow(t); }
    }
}
