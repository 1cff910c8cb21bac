package dev.hako.kernel;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * The caller's terminal, for interactive containers: isatty, raw mode (cfmakeraw, restored by {@link Raw#close}),
 * and the window size (TIOCGWINSZ / TIOCSWINSZ).
 */
public final class Tty {
    private static final long TIOCGWINSZ = 0x5413, TIOCSWINSZ = 0x5414;
    private static final int TCSANOW = 0;
    /** glibc's struct termios is 60 bytes on Linux; a little room to spare */
    private static final long TERMIOS_SIZE = 128;

    private static final MethodHandle ISATTY = Native.plainFunction("isatty", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle TCGETATTR = Native.function("tcgetattr", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle TCSETATTR = Native.function("tcsetattr",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle CFMAKERAW = Native.plainFunction("cfmakeraw", FunctionDescriptor.ofVoid(ADDRESS));
    /** ioctl is variadic: the third argument is the first variadic one */
    private static final MethodHandle IOCTL = Native.LINKER.downcallHandle(Native.LIBC.find("ioctl").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS),
            Linker.Option.captureCallState("errno"), Linker.Option.firstVariadicArg(2));

    private Tty() {}

    /** The rows and columns of a terminal. */
    public record Size(int rows, int cols) {}

    public static boolean isatty(int fd) {
        try {
            return (int) ISATTY.invokeExact(fd) == 1;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** The window size of the terminal on {@code fd}, or null when it is not a terminal. */
    public static Size size(int fd) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment e = Native.errnoSegment(a);
            MemorySegment ws = a.allocate(8);
            if ((int) IOCTL.invokeExact(e, fd, TIOCGWINSZ, ws) == -1) return null;
            return new Size(Short.toUnsignedInt(ws.get(JAVA_SHORT, 0)), Short.toUnsignedInt(ws.get(JAVA_SHORT, 2)));
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** Sets the window size of the terminal on {@code fd} (its foreground process group gets SIGWINCH). */
    public static void resize(int fd, Size size) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment e = Native.errnoSegment(a);
            MemorySegment ws = a.allocate(8);
            ws.set(JAVA_SHORT, 0, (short) size.rows());
            ws.set(JAVA_SHORT, 2, (short) size.cols());
            Native.check((int) IOCTL.invokeExact(e, fd, TIOCSWINSZ, ws), e, "ioctl(TIOCSWINSZ)", "fd " + fd);
        } catch (SyscallException x) {
            throw x;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /**
     * Puts the terminal on {@code fd} into raw mode (no echo, no line editing, no signals from keys: ctrl-c and
     * the detach keys reach the container as bytes). Close the result to restore the settings it had.
     */
    public static Raw raw(int fd) {
        return change(fd, t -> {
            try {
                CFMAKERAW.invokeExact(t);
            } catch (Throwable x) {
                throw new AssertionError(x);
            }
        });
    }

    /**
     * What the terminal on {@code fd} already holds as complete input in canonical mode: typed lines, and an
     * end-of-file (ctrl-D, or what script(1) sends when its stdin ends) as the terminal's EOF character. Take it
     * before {@link #raw}: in canonical mode the kernel keeps a pending EOF as a NUL byte, which a read in raw mode
     * would return as data. Empty when the terminal is not in canonical mode or holds no complete line.
     */
    public static byte[] takePendingInput(int fd) {
        byte eof;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment e = Native.errnoSegment(a);
            MemorySegment t = a.allocate(TERMIOS_SIZE);
            if ((int) TCGETATTR.invokeExact(e, fd, t) == -1) return new byte[0];
            if ((t.get(JAVA_INT, C_LFLAG_OFFSET) & ICANON) == 0) return new byte[0];
            eof = t.get(java.lang.foreign.ValueLayout.JAVA_BYTE, C_CC_OFFSET + VEOF);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
        if (eof == 0) eof = 4; // _POSIX_VDISABLE: the usual ctrl-D
        var out = new java.io.ByteArrayOutputStream();
        byte[] buf = new byte[4096];
        try {
            for (int i = 0; i < 1024; i++) { // bounded: a writer that keeps typing must not hold us here
                int ev = Fds.poll(fd, POLLIN, 0, "terminal fd " + fd);
                if (ev == -1) continue;
                if ((ev & POLLIN) == 0 || (ev & (POLLERR | POLLHUP | POLLNVAL)) != 0) break;
                int n = Fds.read(fd, buf, 0, buf.length); // one line, or 0 for an end-of-file
                if (n == 0) out.write(eof);
                else out.write(buf, 0, n);
            }
        } catch (SyscallException x) {
            // the terminal went away: what was read stands
        }
        return out.toByteArray();
    }

    /** Turns echo off on the terminal on {@code fd} (a password prompt); close the result to restore it. */
    public static Raw noEcho(int fd) {
        return change(fd, t -> t.set(java.lang.foreign.ValueLayout.JAVA_INT, C_LFLAG_OFFSET,
                t.get(java.lang.foreign.ValueLayout.JAVA_INT, C_LFLAG_OFFSET) & ~ECHO));
    }

    /** struct termios: c_iflag, c_oflag, c_cflag, c_lflag (4 bytes each), ...; ECHO in c_lflag. */
    private static final long C_LFLAG_OFFSET = 12;
    private static final int ECHO = 010, ICANON = 02;
    /** c_cc follows c_lflag and the 1-byte c_line; VEOF is its 5th entry */
    private static final long C_CC_OFFSET = 17;
    private static final int VEOF = 4;
    private static final short POLLIN = 1, POLLERR = 8, POLLHUP = 0x10, POLLNVAL = 0x20;

    /** Saves the settings of the terminal on fd, applies {@code edit} to a copy, sets that; the result restores. */
    private static Raw change(int fd, java.util.function.Consumer<MemorySegment> edit) {
        Arena arena = Arena.ofShared();
        try {
            MemorySegment e = Native.errnoSegment(arena);
            MemorySegment saved = arena.allocate(TERMIOS_SIZE);
            Native.check((int) TCGETATTR.invokeExact(e, fd, saved), e, "tcgetattr", "fd " + fd);
            MemorySegment changed = arena.allocate(TERMIOS_SIZE);
            changed.copyFrom(saved);
            edit.accept(changed);
            Native.check((int) TCSETATTR.invokeExact(e, fd, TCSANOW, changed), e, "tcsetattr", "fd " + fd);
            return new Raw(fd, saved, arena);
        } catch (SyscallException x) {
            arena.close();
            throw x;
        } catch (Throwable t) {
            arena.close();
            throw new AssertionError(t);
        }
    }

    /** A terminal in raw mode; {@link #close} puts the saved settings back (once; later calls do nothing). */
    public static final class Raw implements AutoCloseable {
        private final int fd;
        private final MemorySegment saved;
        private final Arena arena;
        private boolean closed;

        private Raw(int fd, MemorySegment saved, Arena arena) {
            this.fd = fd;
            this.saved = saved;
            this.arena = arena;
        }

        @Override
        public synchronized void close() {
            if (closed) return;
            closed = true;
            try {
                MemorySegment e = Native.errnoSegment(arena);
                int r = (int) TCSETATTR.invokeExact(e, fd, TCSANOW, saved);
                if (r == -1) throw new SyscallException("tcsetattr", "fd " + fd, Native.errno(e));
            } catch (SyscallException x) {
                throw x;
            } catch (Throwable t) {
                throw new AssertionError(t);
            } finally {
                arena.close();
            }
        }
    }
}
