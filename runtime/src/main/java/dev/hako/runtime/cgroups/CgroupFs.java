package dev.hako.runtime.cgroups;

import dev.hako.kernel.Errno;
import dev.hako.kernel.Native;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * cgroupfs file access through libc, so that every failure carries the exact errno (the kernel
 * answers a bad value with EINVAL, a busy cgroup with EBUSY) and every value is one write(2),
 * which is what a cgroup control file treats as one command.
 */
final class CgroupFs {
    private static final int O_RDONLY = 0, O_WRONLY = 1, O_CLOEXEC = 0x80000;
    // Holder classes: each downcall handle is linked on first use only (linking one spins classes).
    private static final class OPEN { static final MethodHandle H = Native.function("open",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT)); }
    private static final class READ { static final MethodHandle H = Native.function("read",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG)); }
    private static final class WRITE { static final MethodHandle H = Native.function("write",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG)); }
    private static final class CLOSE { static final MethodHandle H = Native.plainFunction("close",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT)); }
    private static final class MKDIR { static final MethodHandle H = Native.function("mkdir",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT)); }
    private static final class RMDIR { static final MethodHandle H = Native.function("rmdir",
            FunctionDescriptor.of(JAVA_INT, ADDRESS)); }
    private static final class KILL { static final MethodHandle H = Native.function("kill",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT)); }

    private CgroupFs() {}

    /** Writes {@code value} with a single write(2); the error names the file, the errno and the value. */
    static void write(Path file, String value) {
        int e = tryWrite(file, value);
        if (e != 0) throw CgroupException.syscall("write", file.toString(), e, "value \"" + value.strip() + "\"");
    }

    /** Like {@link #write} but returns the errno (0 on success) for callers that retry or fall back. */
    static int tryWrite(Path file, String value) {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment err = Native.errnoSegment(a);
            int fd = (int) OPEN.H.invokeExact(err, a.allocateFrom(file.toString()), O_WRONLY | O_CLOEXEC, 0);
            if (fd < 0) return Native.errno(err);
            try {
                MemorySegment buf = a.allocate(Math.max(1, bytes.length));
                MemorySegment.copy(bytes, 0, buf, JAVA_BYTE_LAYOUT, 0, bytes.length);
                long n = (long) WRITE.H.invokeExact(err, fd, buf, (long) bytes.length);
                if (n < 0) return Native.errno(err);
                if (n != bytes.length) return Errno.EIO;
                return 0;
            } finally {
                int ignored = (int) CLOSE.H.invokeExact(fd);
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** The whole file as text; the error names the file and the errno. */
    static String read(Path file) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment err = Native.errnoSegment(a);
            int fd = (int) OPEN.H.invokeExact(err, a.allocateFrom(file.toString()), O_RDONLY | O_CLOEXEC, 0);
            if (fd < 0) throw CgroupException.syscall("open", file.toString(), Native.errno(err), null);
            try {
                int cap = 16384;
                MemorySegment buf = a.allocate(cap);
                java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
                while (true) {
                    long n = (long) READ.H.invokeExact(err, fd, buf, (long) cap);
                    if (n < 0) {
                        int e = Native.errno(err);
                        if (e == Errno.EINTR) continue;
                        throw CgroupException.syscall("read", file.toString(), e, null);
                    }
                    if (n == 0) break;
                    out.write(buf.asSlice(0, n).toArray(JAVA_BYTE_LAYOUT), 0, (int) n);
                }
                return out.toString(StandardCharsets.UTF_8);
            } finally {
                int ignored = (int) CLOSE.H.invokeExact(fd);
            }
        } catch (CgroupException e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** mkdir(2); returns the errno (0 on success). */
    static int mkdir(Path dir) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment err = Native.errnoSegment(a);
            int r = (int) MKDIR.H.invokeExact(err, a.allocateFrom(dir.toString()), 0755);
            return r == 0 ? 0 : Native.errno(err);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** rmdir(2); returns the errno (0 on success). */
    static int rmdir(Path dir) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment err = Native.errnoSegment(a);
            int r = (int) RMDIR.H.invokeExact(err, a.allocateFrom(dir.toString()));
            return r == 0 ? 0 : Native.errno(err);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** kill(2); returns the errno (0 on success). */
    static int kill(int pid, int signal) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment err = Native.errnoSegment(a);
            int r = (int) KILL.H.invokeExact(err, pid, signal);
            return r == 0 ? 0 : Native.errno(err);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static final java.lang.foreign.ValueLayout.OfByte JAVA_BYTE_LAYOUT = java.lang.foreign.ValueLayout.JAVA_BYTE;

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) return r;
        if (t instanceof Error e) throw e;
        return new IllegalStateException(t);
    }
}
