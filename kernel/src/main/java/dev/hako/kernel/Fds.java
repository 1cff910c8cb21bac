package dev.hako.kernel;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Raw file descriptors through FFM: pipes, unix socket pairs, memfds with seals, fd passing
 * (SCM_RIGHTS). Everything created here is close-on-exec; only what is explicitly handed to a spawned
 * process (dup2 in its file actions) crosses an exec.
 */
public final class Fds {
    public static final int AF_UNIX = 1, SOCK_STREAM = 1, SOCK_DGRAM = 2, SOCK_SEQPACKET = 5;
    public static final int SOCK_CLOEXEC = 02000000, O_CLOEXEC = 02000000, O_NONBLOCK = 04000;
    public static final int MFD_CLOEXEC = 1, MFD_ALLOW_SEALING = 2, MFD_NOEXEC_SEAL = 8, MFD_EXEC = 0x10;
    public static final int F_SEAL_SEAL = 1, F_SEAL_SHRINK = 2, F_SEAL_GROW = 4, F_SEAL_WRITE = 8;
    private static final int F_GETFD = 1, F_SETFD = 2, F_DUPFD_CLOEXEC = 1030, FD_CLOEXEC = 1;
    private static final int F_ADD_SEALS = 1033, F_GET_SEALS = 1034;
    private static final int SOL_SOCKET = 1, SCM_RIGHTS = 1, MSG_CMSG_CLOEXEC = 0x40000000, MSG_NOSIGNAL = 0x4000;

    // Each handle in its own holder class: linked on first use only, since every downcall handle spins
    // classes at run time (milliseconds each) and a short-lived CLI uses a few of them.
    private static final class CLOSE { static final MethodHandle H = Native.function("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT)); }
    private static final class READ { static final MethodHandle H = Native.function("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG)); }
    private static final class WRITE { static final MethodHandle H = Native.function("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG)); }
    private static final class PIPE2 { static final MethodHandle H = Native.function("pipe2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT)); }
    private static final class SOCKETPAIR { static final MethodHandle H = Native.function("socketpair",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS)); }
    private static final class MEMFD_CREATE { static final MethodHandle H = Native.function("memfd_create", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT)); }
    private static final class FCNTL { static final MethodHandle H = Native.function("fcntl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT)); }
    private static final class SENDMSG { static final MethodHandle H = Native.function("sendmsg", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT)); }
    private static final class RECVMSG { static final MethodHandle H = Native.function("recvmsg", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT)); }
    private static final class OPEN { static final MethodHandle H = Native.function("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT)); }
    private static final class SOCKET { static final MethodHandle H = Native.function("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT)); }
    private static final class BIND { static final MethodHandle H = Native.function("bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT)); }
    private static final class LISTEN { static final MethodHandle H = Native.function("listen", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT)); }
    private static final class ACCEPT4 { static final MethodHandle H = Native.function("accept4", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT)); }
    private static final class CONNECT { static final MethodHandle H = Native.function("connect", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT)); }
    private static final class MKNOD { static final MethodHandle H = Native.function("mknod", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG)); }
    private static final class POLL { static final MethodHandle H = Native.function("poll", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT)); }
    private static final class LSEEK { static final MethodHandle H = Native.function("lseek", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT)); }

    private Fds() {}

    /**
     * poll(2) on one fd for {@code events} (POLLIN = 1, POLLHUP = 0x10, POLLRDHUP = 0x2000), up to {@code millis}
     * (-1: forever). Returns the revents (0: timed out), or -1 if a signal interrupted the wait.
     */
    public static int poll(int fd, short events, int millis, String what) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment e = Native.errnoSegment(a);
            MemorySegment p = a.allocate(8);
            p.set(JAVA_INT, 0, fd);
            p.set(ValueLayout.JAVA_SHORT, 4, events);
            int r = (int) POLL.H.invokeExact(e, p, 1L, millis);
            if (r == -1 && Native.errno(e) == Errno.EINTR) return -1;
            Native.check(r, e, "poll", what);
            return r == 0 ? 0 : p.get(ValueLayout.JAVA_SHORT, 6) & 0xffff;
        } catch (SyscallException x) {
            throw x;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static void close(int fd) {
        if (fd < 0) return;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment e = Native.errnoSegment(a);
            int r = (int) CLOSE.H.invokeExact(e, fd);
            if (r == -1 && Native.errno(e) != Errno.EINTR) throw new SyscallException("close", Integer.toString(fd), Native.errno(e));
        } catch (SyscallException x) {
            throw x;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** Reads up to {@code len} bytes; 0 at end of file. Retries on EINTR. */
    public static int read(int fd, byte[] buf, int off, int len) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment e = Native.errnoSegment(a);
            MemorySegment m = a.allocate(Math.max(1, len));
            while (true) {
                long r = (long) READ.H.invokeExact(e, fd, m, (long) len);
                if (r == -1 && Native.errno(e) == Errno.EINTR) continue;
                Native.check(r, e, "read", "fd " + fd);
                MemorySegment.copy(m, ValueLayout.JAVA_BYTE, 0, buf, off, (int) r);
                return (int) r;
            }
        } catch (SyscallException x) {
            throw x;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static void writeFully(int fd, byte[] buf, int off, int len) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment e = Native.errnoSegment(a);
            MemorySegment m = a.allocate(Math.max(1, len));
            MemorySegment.copy(buf, off, m, ValueLayout.JAVA_BYTE, 0, len);
            long done = 0;
            while (done < len) {
                long r = (long) WRITE.H.invokeExact(e, fd, m.asSlice(done), (long) len - done);
                if (r == -1 && Native.errno(e) == Errno.EINTR) continue;
                Native.check(r, e, "write", "fd " + fd);
                done += r;
            }
        } catch (SyscallException x) {
            throw x;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static void writeFully(int fd, byte[] buf) { writeFully(fd, buf, 0, buf.length); }

    /** pipe2(O_CLOEXEC): [read end, write end]. */
    public static int[] pipe() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment e = Native.errnoSegment(a);
            MemorySegment fds = a.allocate(JAVA_INT, 2);
            Native.check((int) PIPE2.H.invokeExact(e, fds, O_CLOEXEC), e, "pipe2", null);
            return new int[] {fds.getAtIndex(JAVA_INT, 0), fds.getAtIndex(JAVA_INT, 1)};
        } catch (SyscallException x) {
            throw x;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** socketpair(AF_UNIX, type|SOCK_CLOEXEC). */
    public static int[] socketpair(int type) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment e = Native.errnoSegment(a);
            MemorySegment fds = a.allocate(JAVA_INT, 2);
            Native.check((int) SOCKETPAIR.H.invokeExact(e, AF_UNIX, type | SOCK_CLOEXEC, 0, fds), e, "socketpair", null);
            return new int[] {fds.getAtIndex(JAVA_INT, 0), fds.getAtIndex(JAVA_INT, 1)};
        } catch (SyscallException x) {
            throw x;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static int memfdCreate(String name, int flags) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment e = Native.errnoSegment(a);
            return Native.check((int) MEMFD_CREATE.H.invokeExact(e, a.allocateFrom(name), flags), e, "memfd_create", name);
        } catch (SyscallException x) {
            throw x;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    private static int fcntl(int fd, int cmd, int arg, String what) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment e = Native.errnoSegment(a);
            return Native.check((int) FCNTL.H.invokeExact(e, fd, cmd, arg), e, what, "fd " + fd);
        } catch (SyscallException x) {
            throw x;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static void addSeals(int fd, int seals) { fcntl(fd, F_ADD_SEALS, seals, "fcntl(F_ADD_SEALS)"); }

    /** An executable memfd holding {@code bytes}, sealed against every change. */
    public static int sealedMemfd(String name, byte[] bytes) {
        int fd;
        try {
            fd = memfdCreate(name, MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
        } catch (SyscallException e) {
            if (e.errno() != Errno.EINVAL) throw e;
            fd = memfdCreate(name, MFD_CLOEXEC | MFD_ALLOW_SEALING); // kernels before 6.3
        }
        writeFully(fd, bytes);
        addSeals(fd, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE);
        return fd;
    }

    public static int seals(int fd) { return fcntl(fd, F_GET_SEALS, 0, "fcntl(F_GET_SEALS)"); }

    /** A close-on-exec duplicate numbered at least {@code min}. */
    public static int dupCloexec(int fd, int min) { return fcntl(fd, F_DUPFD_CLOEXEC, min, "fcntl(F_DUPFD_CLOEXEC)"); }

    public static void setCloexec(int fd, boolean on) {
        int flags = fcntl(fd, F_GETFD, 0, "fcntl(F_GETFD)");
        fcntl(fd, F_SETFD, on ? flags | FD_CLOEXEC : flags & ~FD_CLOEXEC, "fcntl(F_SETFD)");
    }

    /** open(2) with O_CLOEXEC added. */
    public static int open(String path, int flags, int mode) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment e = Native.errnoSegment(a);
            return Native.check((int) OPEN.H.invokeExact(e, a.allocateFrom(path), flags | O_CLOEXEC, mode), e, "open", path);
        } catch (SyscallException x) {
            throw x;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static long lseek(int fd, long offset, int whence) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment e = Native.errnoSegment(a);
            return Native.check((long) LSEEK.H.invokeExact(e, fd, offset, whence), e, "lseek", "fd " + fd);
        } catch (SyscallException x) {
            throw x;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    private static MemorySegment sockaddr(Arena a, String path) {
        byte[] p = path.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        if (p.length >= 108) throw new SyscallException("bind", path, Errno.ENAMETOOLONG);
        MemorySegment sa = a.allocate(110);
        sa.set(ValueLayout.JAVA_SHORT, 0, (short) AF_UNIX);
        MemorySegment.copy(p, 0, sa, ValueLayout.JAVA_BYTE, 2, p.length);
        return sa;
    }

    /**
     * A listening unix stream socket bound at {@code path} (a path socket, never abstract), close-on-exec.
     * Used for console sockets (the pty master arrives with SCM_RIGHTS, see {@link #receive}).
     */
    public static int listenUnix(String path, int backlog) { return listenUnix(path, backlog, SOCK_STREAM); }

    /** {@link #listenUnix(String, int)} of socket type {@code type} ({@link #SOCK_SEQPACKET}: message boundaries kept). */
    public static int listenUnix(String path, int backlog, int type) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment e = Native.errnoSegment(a);
            int s = Native.check((int) SOCKET.H.invokeExact(e, AF_UNIX, type | SOCK_CLOEXEC, 0), e, "socket", path);
            try {
                Native.check((int) BIND.H.invokeExact(e, s, sockaddr(a, path), 110), e, "bind", path);
                Native.check((int) LISTEN.H.invokeExact(e, s, backlog), e, "listen", path);
            } catch (SyscallException x) {
                close(s);
                throw x;
            }
            return s;
        } catch (SyscallException x) {
            throw x;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** A connected unix stream socket to {@code path}, close-on-exec. */
    public static int connectUnix(String path) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment e = Native.errnoSegment(a);
            int s = Native.check((int) SOCKET.H.invokeExact(e, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), e, "socket", path);
            int r;
            do {
                r = (int) CONNECT.H.invokeExact(e, s, sockaddr(a, path), 110);
            } while (r == -1 && Native.errno(e) == Errno.EINTR);
            if (r == -1) {
                int err = Native.errno(e);
                close(s);
                throw new SyscallException("connect", path, err);
            }
            return s;
        } catch (SyscallException x) {
            throw x;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** accept4(SOCK_CLOEXEC), retrying on EINTR. */
    public static int accept(int listener) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment e = Native.errnoSegment(a);
            while (true) {
                int r = (int) ACCEPT4.H.invokeExact(e, listener, MemorySegment.NULL, MemorySegment.NULL, SOCK_CLOEXEC);
                if (r == -1 && Native.errno(e) == Errno.EINTR) continue;
                return Native.check(r, e, "accept", "fd " + listener);
            }
        } catch (SyscallException x) {
            throw x;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** mkfifo(path, mode) (through mknod), e.g. the exec fifo of a created container. */
    public static void mkfifo(String path, int mode) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment e = Native.errnoSegment(a);
            Native.check((int) MKNOD.H.invokeExact(e, a.allocateFrom(path), 0010000 | (mode & 07777), 0L), e, "mkfifo", path);
        } catch (SyscallException x) {
            throw x;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** A received message: its bytes and any fds that came with it (SCM_RIGHTS, already close-on-exec). */
    public record Message(byte[] data, int[] fds) {
        public boolean eof() { return data.length == 0 && fds.length == 0; }
    }

    /** sendmsg with optional fds as SCM_RIGHTS; never raises SIGPIPE. */
    public static void send(int sock, byte[] data, int... fds) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment e = Native.errnoSegment(a);
            MemorySegment buf = a.allocate(Math.max(1, data.length));
            MemorySegment.copy(data, 0, buf, ValueLayout.JAVA_BYTE, 0, data.length);
            MemorySegment iov = a.allocate(16);
            iov.set(ADDRESS, 0, buf);
            iov.set(JAVA_LONG, 8, data.length);
            MemorySegment msg = a.allocate(56);
            msg.set(ADDRESS, 16, iov);
            msg.set(JAVA_LONG, 24, 1);
            if (fds.length > 0) {
                long cmsgLen = 16 + 4L * fds.length;
                long space = (cmsgLen + 7) & ~7L;
                MemorySegment c = a.allocate(space);
                c.set(JAVA_LONG, 0, cmsgLen);
                c.set(JAVA_INT, 8, SOL_SOCKET);
                c.set(JAVA_INT, 12, SCM_RIGHTS);
                for (int i = 0; i < fds.length; i++) c.set(JAVA_INT, 16 + 4L * i, fds[i]);
                msg.set(ADDRESS, 32, c);
                msg.set(JAVA_LONG, 40, space);
            }
            while (true) {
                long r = (long) SENDMSG.H.invokeExact(e, sock, msg, MSG_NOSIGNAL);
                if (r == -1 && Native.errno(e) == Errno.EINTR) continue;
                Native.check(r, e, "sendmsg", "fd " + sock);
                return;
            }
        } catch (SyscallException x) {
            throw x;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** recvmsg of one message (up to {@code max} bytes) with up to 16 fds; an empty message at end of stream. */
    public static Message receive(int sock, int max) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment e = Native.errnoSegment(a);
            MemorySegment buf = a.allocate(Math.max(1, max));
            MemorySegment iov = a.allocate(16);
            iov.set(ADDRESS, 0, buf);
            iov.set(JAVA_LONG, 8, max);
            long space = 16 + 4 * 16;
            MemorySegment c = a.allocate(space);
            MemorySegment msg = a.allocate(56);
            msg.set(ADDRESS, 16, iov);
            msg.set(JAVA_LONG, 24, 1);
            msg.set(ADDRESS, 32, c);
            msg.set(JAVA_LONG, 40, space);
            long r;
            while (true) {
                r = (long) RECVMSG.H.invokeExact(e, sock, msg, MSG_CMSG_CLOEXEC);
                if (r == -1 && Native.errno(e) == Errno.EINTR) continue;
                Native.check(r, e, "recvmsg", "fd " + sock);
                break;
            }
            byte[] data = buf.asSlice(0, r).toArray(ValueLayout.JAVA_BYTE);
            int[] fds = new int[0];
            long controlLen = msg.get(JAVA_LONG, 40);
            if (controlLen >= 16) {
                long cmsgLen = c.get(JAVA_LONG, 0);
                if (c.get(JAVA_INT, 8) == SOL_SOCKET && c.get(JAVA_INT, 12) == SCM_RIGHTS && cmsgLen > 16) {
                    int n = (int) ((cmsgLen - 16) / 4);
                    fds = new int[n];
                    for (int i = 0; i < n; i++) fds[i] = c.get(JAVA_INT, 16 + 4L * i);
                }
            }
            return new Message(data, fds);
        } catch (SyscallException x) {
            throw x;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }
}
