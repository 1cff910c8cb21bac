package dev.hako.kernel.exec;

import dev.hako.kernel.Native;
import dev.hako.kernel.SyscallException;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.List;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * posix_spawn through FFM (glibc's is a CLONE_VM|CLONE_VFORK child: safe from a multithreaded JVM). The
 * child gets exactly the fds in {@code actions}; everything from {@code closeFrom} up is closed, all
 * signal dispositions are reset to default and the signal mask is emptied.
 */
final class Spawn {
    private static final short POSIX_SPAWN_SETSIGDEF = 0x04, POSIX_SPAWN_SETSIGMASK = 0x08;
    private static final MethodHandle SPAWN = Native.plainFunction("posix_spawn",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
    private static final MethodHandle FA_INIT = Native.plainFunction("posix_spawn_file_actions_init", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle FA_DESTROY = Native.plainFunction("posix_spawn_file_actions_destroy", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle FA_DUP2 = Native.plainFunction("posix_spawn_file_actions_adddup2",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    private static final MethodHandle FA_OPEN = Native.plainFunction("posix_spawn_file_actions_addopen",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    private static final MethodHandle FA_CLOSEFROM = Native.plainFunction("posix_spawn_file_actions_addclosefrom_np",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle ATTR_INIT = Native.plainFunction("posix_spawnattr_init", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle ATTR_DESTROY = Native.plainFunction("posix_spawnattr_destroy", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle ATTR_FLAGS = Native.plainFunction("posix_spawnattr_setflags",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_SHORT));
    private static final MethodHandle ATTR_SIGMASK = Native.plainFunction("posix_spawnattr_setsigmask",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle ATTR_SIGDEFAULT = Native.plainFunction("posix_spawnattr_setsigdefault",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle SIGEMPTYSET = Native.plainFunction("sigemptyset", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle SIGFILLSET = Native.plainFunction("sigfillset", FunctionDescriptor.of(JAVA_INT, ADDRESS));

    private Spawn() {}

    static int spawn(String path, List<String> argv, List<Spawner.FdAction> actions, int closeFrom) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment fa = a.allocate(1024, 16);
            MemorySegment attr = a.allocate(1024, 16);
            check((int) FA_INIT.invokeExact(fa), "posix_spawn_file_actions_init");
            check((int) ATTR_INIT.invokeExact(attr), "posix_spawnattr_init");
            try {
                MemorySegment devNull = a.allocateFrom("/dev/null");
                for (Spawner.FdAction act : actions) {
                    switch (act.kind()) {
                        case NULL -> check((int) FA_OPEN.invokeExact(fa, act.target(), devNull, 2 /* O_RDWR */, 0), "addopen");
                        case LOCAL -> check((int) FA_DUP2.invokeExact(fa, act.fd(), act.target()), "adddup2");
                        case CALLER -> throw new IllegalArgumentException("caller fds are dup'ed to local ones first");
                    }
                }
                check((int) FA_CLOSEFROM.invokeExact(fa, closeFrom), "addclosefrom_np");
                MemorySegment empty = a.allocate(128, 8), full = a.allocate(128, 8);
                check((int) SIGEMPTYSET.invokeExact(empty), "sigemptyset");
                check((int) SIGFILLSET.invokeExact(full), "sigfillset");
                check((int) ATTR_SIGMASK.invokeExact(attr, empty), "setsigmask");
                check((int) ATTR_SIGDEFAULT.invokeExact(attr, full), "setsigdefault");
                check((int) ATTR_FLAGS.invokeExact(attr, (short) (POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK)), "setflags");
                MemorySegment args = a.allocate(ADDRESS, argv.size() + 1);
                for (int i = 0; i < argv.size(); i++) args.setAtIndex(ADDRESS, i, a.allocateFrom(argv.get(i)));
                args.setAtIndex(ADDRESS, argv.size(), MemorySegment.NULL);
                MemorySegment env = a.allocate(ADDRESS, 1);
                env.setAtIndex(ADDRESS, 0, MemorySegment.NULL);
                MemorySegment pid = a.allocate(JAVA_INT);
                int r = (int) SPAWN.invokeExact(pid, a.allocateFrom(path), fa, attr, args, env);
                if (r != 0) throw new SyscallException("posix_spawn", path, r);
                return pid.get(JAVA_INT, 0);
            } finally {
                int ignored = (int) FA_DESTROY.invokeExact(fa);
                ignored = (int) ATTR_DESTROY.invokeExact(attr);
            }
        } catch (SyscallException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    private static void check(int r, String what) {
        if (r != 0) throw new SyscallException(what, null, r);
    }
}
