package dev.hako.kernel;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.time.Duration;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * A process handle that cannot be confused with a later process of the same pid: signals go through
 * pidfd_send_signal, and exit is observed by poll (works for any process, not only children).
 */
public final class Pidfd implements AutoCloseable {
    private static final long SYS_PIDFD_OPEN = 434, SYS_PIDFD_SEND_SIGNAL = 424;
    private static final short POLLIN = 1;
    // Each handle in its own holder class: linked on first use only, since every downcall handle spins
    // classes at run time (milliseconds each) and a short-lived CLI uses a few of them.
    private static final class SYSCALL { static final MethodHandle H = Native.function("syscall",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG)); }
    private static final class WAITPID { static final MethodHandle H = Native.function("waitpid", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT)); }

    private final int pid;
    private int fd;

    private Pidfd(int pid, int fd) {
        this.pid = pid;
        this.fd = fd;
    }

    /** pidfd_open(pid, 0); the fd is close-on-exec. Throws SyscallException (ESRCH) if there is no such process. */
    public static Pidfd open(int pid) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment e = Native.errnoSegment(a);
            long r = (long) SYSCALL.H.invokeExact(e, SYS_PIDFD_OPEN, (long) pid, 0L, 0L, 0L);
            return new Pidfd(pid, (int) Native.check(r, e, "pidfd_open", Integer.toString(pid)));
        } catch (SyscallException x) {
            throw x;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    public int pid() { return pid; }

    public int fd() { return fd; }

    /** Sends {@code signal}; false if the process has already exited (ESRCH). */
    public boolean signal(int signal) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment e = Native.errnoSegment(a);
            long r = (long) SYSCALL.H.invokeExact(e, SYS_PIDFD_SEND_SIGNAL, (long) fd, (long) signal, 0L, 0L);
            if (r == -1 && Native.errno(e) == Errno.ESRCH) return false;
            Native.check(r, e, "pidfd_send_signal", Integer.toString(pid));
            return true;
        } catch (SyscallException x) {
            throw x;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** Waits until the process has exited (null: forever); true if it has. Does not reap. */
    public boolean awaitExit(Duration timeout) {
        long deadline = timeout == null ? 0 : System.nanoTime() + timeout.toNanos();
        while (true) {
            int ms = -1;
            if (timeout != null) {
                long left = deadline - System.nanoTime();
                ms = (int) Math.max(0, Math.min(Integer.MAX_VALUE, (left + 999_999) / 1_000_000));
            }
            int r = Fds.poll(fd, POLLIN, ms, "pidfd " + pid);
            if (r == -1) continue;   // a signal: wait on
            if (r > 0) return true;
            if (timeout != null && deadline - System.nanoTime() <= 0) return false;
        }
    }

    public boolean isAlive() { return !awaitExit(Duration.ZERO); }

    @Override
    public void close() {
        if (fd >= 0) {
            Fds.close(fd);
            fd = -1;
        }
    }

    /**
     * waitpid(pid, 0) for a child of this JVM that hako spawned itself (never one the JDK's Process
     * machinery owns). Returns the raw wait status.
     */
    public static int waitChild(int pid) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment e = Native.errnoSegment(a);
            MemorySegment status = a.allocate(JAVA_INT);
            while (true) {
                int r = (int) WAITPID.H.invokeExact(e, pid, status, 0);
                if (r == -1 && Native.errno(e) == Errno.EINTR) continue;
                Native.check(r, e, "waitpid", Integer.toString(pid));
                return status.get(JAVA_INT, 0);
            }
        } catch (SyscallException x) {
            throw x;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** The shell convention for a wait status: the exit code, or 128+n for death by signal n. */
    public static int exitCode(int waitStatus) {
        int sig = waitStatus & 0x7f;
        return sig == 0 ? (waitStatus >> 8) & 0xff : 128 + sig;
    }
}
