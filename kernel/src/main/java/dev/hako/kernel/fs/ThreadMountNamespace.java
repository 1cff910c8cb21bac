package dev.hako.kernel.fs;

import dev.hako.kernel.Native;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * A mount namespace of the calling thread alone: unshare(CLONE_NEWNS) is allowed in a multithreaded process (it
 * unshares only the thread's fs_struct), so a dedicated platform thread can mount things nobody else sees. Every
 * mount in the copy is made private first, so nothing done there propagates back to the host. When the thread
 * ends, the namespace and all its mounts go with it, also if the process is killed: nothing is left to clean up.
 *
 * <p>fds opened in the namespace keep working from any thread (path walks cross mounts by the fd's mount, not
 * the walker's namespace); they should be closed before the thread ends, which tears the tree apart.
 */
public final class ThreadMountNamespace {
    private static final int CLONE_NEWNS = 0x00020000;
    private static final MethodHandle UNSHARE = Native.function("unshare", FunctionDescriptor.of(JAVA_INT, JAVA_INT));

    private ThreadMountNamespace() {}

    /** Moves the calling (platform, dedicated) thread into a private copy of its mount namespace. */
    public static void enter() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment err = Native.errnoSegment(a);
            Native.check((int) UNSHARE.invokeExact(err, CLONE_NEWNS), err, "unshare(CLONE_NEWNS)", null);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        Fs.mount(null, "/", null, Fs.MS_REC | Fs.MS_PRIVATE, null);
    }
}
