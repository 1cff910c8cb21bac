package dev.hako.runtime.service;

import dev.hako.kernel.Fds;
import dev.hako.kernel.Native;
import dev.hako.kernel.SyscallException;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/** The few socket calls the service needs beyond {@link dev.hako.kernel.Fds}, and its message format. */
final class ServiceSockets {
    private static final int SOL_SOCKET = 1, SO_PEERCRED = 17, SO_RCVTIMEO = 20;
    private static final short POLLHUP = 0x10, POLLRDHUP = 0x2000;

    private static final class GETSOCKOPT { static final MethodHandle H = Native.function("getsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS)); }
    private static final class SETSOCKOPT { static final MethodHandle H = Native.function("setsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT)); }
    private static final class GETEUID { static final MethodHandle H = Native.plainFunction("geteuid", FunctionDescriptor.of(JAVA_INT)); }

    private ServiceSockets() {}

    /** The connected peer's credentials (SO_PEERCRED: as of its connect). */
    record PeerCred(int pid, int uid, int gid) {}

    static PeerCred peerCred(int sock) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment e = Native.errnoSegment(a);
            MemorySegment cred = a.allocate(12);
            MemorySegment len = a.allocate(JAVA_INT);
            len.set(JAVA_INT, 0, 12);
            Native.check((int) GETSOCKOPT.H.invokeExact(e, sock, SOL_SOCKET, SO_PEERCRED, cred, len), e, "getsockopt(SO_PEERCRED)", null);
            return new PeerCred(cred.get(JAVA_INT, 0), cred.get(JAVA_INT, 4), cred.get(JAVA_INT, 8));
        } catch (SyscallException x) {
            throw x;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** A receive (and accept) timeout on {@code sock}: they fail with EAGAIN after {@code millis}. */
    static void receiveTimeout(int sock, long millis) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment e = Native.errnoSegment(a);
            MemorySegment tv = a.allocate(16);
            tv.set(JAVA_LONG, 0, millis / 1000);
            tv.set(JAVA_LONG, 8, (millis % 1000) * 1000);
            Native.check((int) SETSOCKOPT.H.invokeExact(e, sock, SOL_SOCKET, SO_RCVTIMEO, tv, 16), e, "setsockopt(SO_RCVTIMEO)", null);
        } catch (SyscallException x) {
            throw x;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** Waits up to {@code millis} for the peer of {@code sock} to hang up; true if it did. Reads nothing. */
    static boolean awaitHangup(int sock, int millis) {
        int revents = Fds.poll(sock, POLLRDHUP, millis, "service connection");
        return revents > 0 && (revents & (POLLRDHUP | POLLHUP)) != 0;
    }

    static int geteuid() {
        try {
            return (int) GETEUID.H.invokeExact();
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** A message: each field followed by a NUL (the front-end's format, kernel/src/main/c/front/front.c). */
    static byte[] encode(List<String> fields) {
        var b = new java.io.ByteArrayOutputStream();
        for (String f : fields) {
            if (f.indexOf('\0') >= 0) throw new IllegalArgumentException("NUL in a message field");
            b.writeBytes(f.getBytes(StandardCharsets.UTF_8));
            b.write(0);
        }
        return b.toByteArray();
    }

    static byte[] encode(String... fields) { return encode(List.of(fields)); }

    /** The fields of a message; null if it is not NUL-terminated. */
    static List<String> decode(byte[] data) {
        List<String> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < data.length; i++) {
            if (data[i] == 0) {
                out.add(new String(data, start, i - start, StandardCharsets.UTF_8));
                start = i + 1;
            }
        }
        return start == data.length ? out : null;
    }
}
