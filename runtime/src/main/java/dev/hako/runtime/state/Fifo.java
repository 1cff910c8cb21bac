package dev.hako.runtime.state;

import dev.hako.kernel.Native;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/** mkfifo(3) for the exec fifo. */
public final class Fifo {
    private static final MethodHandle MKFIFO = Native.function("mkfifo", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));

    private Fifo() {}

    /** Creates a fifo with exactly {@code mode} (umask does not apply: the mode is set with chmod after). */
    public static void create(Path path, int mode) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment errno = Native.errnoSegment(a);
            int r = (int) MKFIFO.invokeExact(errno, a.allocateFrom(path.toString()), mode);
            Native.check(r, errno, "mkfifo", path.toString());
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        try {
            java.nio.file.Files.setPosixFilePermissions(path, perms(mode));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("chmod " + path + ": " + e.getMessage(), e);
        }
    }

    private static java.util.Set<java.nio.file.attribute.PosixFilePermission> perms(int mode) {
        var out = java.util.EnumSet.noneOf(java.nio.file.attribute.PosixFilePermission.class);
        var all = java.nio.file.attribute.PosixFilePermission.values(); // OWNER_READ .. OTHERS_EXECUTE
        for (int i = 0; i < 9; i++) if ((mode & (1 << (8 - i))) != 0) out.add(all[i]);
        return out;
    }
}
