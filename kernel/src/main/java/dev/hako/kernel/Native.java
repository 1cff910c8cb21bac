package dev.hako.kernel;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * Shared plumbing for libc downcalls through FFM: symbol lookup with errno captured, so every
 * binding in hako can report the syscall, the path and the errno of a failure.
 *
 * <p>Usage pattern (each binding class holds its own handles):
 * <pre>
 *   private static final MethodHandle MKDIRAT = Native.function("mkdirat",
 *       FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
 *   try (Arena a = Arena.ofConfined()) {
 *       MemorySegment errno = Native.errnoSegment(a);
 *       int r = (int) MKDIRAT.invokeExact(errno, dirfd, a.allocateFrom(name), mode);
 *       Native.check(r, errno, "mkdirat", name);
 *   }
 * </pre>
 */
public final class Native {
    public static final Linker LINKER = Linker.nativeLinker();
    public static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");
    private static final StructLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE_LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("errno"));

    public static final ValueLayout.OfInt C_INT = ValueLayout.JAVA_INT;
    public static final ValueLayout.OfLong C_LONG = ValueLayout.JAVA_LONG;
    public static final ValueLayout.OfLong C_SIZE_T = ValueLayout.JAVA_LONG;
    public static final java.lang.foreign.AddressLayout C_POINTER = ValueLayout.ADDRESS;

    private Native() {}

    /** A downcall handle whose first parameter is the errno capture segment (see {@link #errnoSegment}). */
    public static MethodHandle function(String name, FunctionDescriptor descriptor) {
        MemorySegment symbol = LIBC.find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("libc has no symbol " + name));
        return LINKER.downcallHandle(symbol, descriptor, CAPTURE_ERRNO);
    }

    /** A downcall handle without errno capture, for functions that cannot fail. */
    public static MethodHandle plainFunction(String name, FunctionDescriptor descriptor) {
        MemorySegment symbol = LIBC.find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("libc has no symbol " + name));
        return LINKER.downcallHandle(symbol, descriptor);
    }

    public static MemorySegment errnoSegment(Arena arena) {
        return arena.allocate(CAPTURE_LAYOUT);
    }

    public static int errno(MemorySegment captured) {
        return (int) ERRNO.get(captured, 0L);
    }

    /** Throws {@link SyscallException} when {@code result} is -1. */
    public static int check(int result, MemorySegment captured, String syscall, String path) {
        if (result == -1) throw new SyscallException(syscall, path, errno(captured));
        return result;
    }

    public static long check(long result, MemorySegment captured, String syscall, String path) {
        if (result == -1) throw new SyscallException(syscall, path, errno(captured));
        return result;
    }
}
