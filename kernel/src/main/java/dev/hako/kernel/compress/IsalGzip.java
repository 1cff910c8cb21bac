package dev.hako.kernel.compress;

import dev.hako.kernel.Fds;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.ref.Cleaner;
import java.util.Objects;
import java.util.zip.ZipException;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * gzip decompression with ISA-L, about 3x zlib's inflate on layer tarballs, through a small shim of ours
 * (kernel/src/main/c/gunzip, libhako-gunzip.so) that travels in the jar and is loaded from a sealed memfd.
 * The stream behaves as {@link java.util.zip.GZIPInputStream}: concatenated members are read in turn, bytes after
 * the last member that do not start another are ignored, the CRC-32 and length of each member are checked.
 * {@link #available} is false when the shim was not built (no libisal-dev) or libisal.so.2 is missing; callers
 * then use java.util.zip.
 */
public final class IsalGzip {
    private IsalGzip() {}

    public static boolean available() { return Lib.AVAILABLE; }

    /** The decompressed bytes of {@code gzip}; closing it closes {@code gzip}. Requires {@link #available}. */
    public static InputStream decompress(InputStream gzip) {
        if (!Lib.AVAILABLE) throw new IllegalStateException("ISA-L gzip is not available");
        return new Stream(Objects.requireNonNull(gzip));
    }

    private static final class Lib {
        static final boolean AVAILABLE;
        static MethodHandle newState, reset, free, gunzip;

        static {
            boolean ok = false;
            try (InputStream so = IsalGzip.class.getResourceAsStream("/dev/hako/kernel/libhako-gunzip.so")) {
                if (so != null) {
                    int fd = Fds.sealedMemfd("libhako-gunzip.so", so.readAllBytes());
                    try {
                        // dlopen maps it (with libisal.so.2, or fails without): the fd is not needed afterwards. The
                        // name, not a Path: the Path form resolves the link, which names a deleted file
                        SymbolLookup lib = SymbolLookup.libraryLookup("/proc/self/fd/" + fd, Arena.global());
                        Linker linker = Linker.nativeLinker();
                        newState = linker.downcallHandle(lib.findOrThrow("hako_gunzip_new"), FunctionDescriptor.of(ADDRESS));
                        reset = linker.downcallHandle(lib.findOrThrow("hako_gunzip_reset"), FunctionDescriptor.ofVoid(ADDRESS));
                        free = linker.downcallHandle(lib.findOrThrow("hako_gunzip_free"), FunctionDescriptor.ofVoid(ADDRESS));
                        // critical: the Java arrays are passed as they are, no copy in or out
                        gunzip = linker.downcallHandle(lib.findOrThrow("hako_gunzip"), FunctionDescriptor.of(JAVA_INT,
                                ADDRESS, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, ADDRESS), Linker.Option.critical(true));
                        ok = true;
                    } finally {
                        Fds.close(fd);
                    }
                }
            } catch (Throwable t) {
                // no shim or no libisal.so.2: java.util.zip does the work
            }
            AVAILABLE = ok;
        }
    }

    private static final Cleaner CLEANER = Cleaner.create();
    /** The most output one native call makes: it holds off the GC while it runs. */
    private static final int MAX_CALL_OUTPUT = 1 << 20;

    private static final class Stream extends InputStream {
        private final InputStream src;
        private final byte[] in = new byte[128 << 10];
        private int inPos, inLen;
        private boolean srcEnded, memberEnded, ended, closed;
        private final MemorySegment state;
        private final Cleaner.Cleanable freeState;
        private final int[] counts = new int[2];   // used, made
        private final MemorySegment used = MemorySegment.ofArray(counts).asSlice(0, 4);
        private final MemorySegment made = MemorySegment.ofArray(counts).asSlice(4, 4);

        Stream(InputStream src) {
            this.src = src;
            try {
                state = (MemorySegment) Lib.newState.invokeExact();
            } catch (Throwable t) {
                throw new IllegalStateException("hako_gunzip_new", t);
            }
            if (state.equals(MemorySegment.NULL)) throw new OutOfMemoryError("ISA-L inflate state");
            long address = state.address();   // the action must not hold this stream
            freeState = CLEANER.register(this, () -> {
                try {
                    Lib.free.invokeExact(MemorySegment.ofAddress(address));
                } catch (Throwable t) {
                    // nothing to do in a cleaner
                }
            });
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            Objects.checkFromIndexSize(off, len, b.length);
            if (closed) throw new IOException("Stream closed");
            if (len == 0) return 0;
            while (!ended) {
                if (memberEnded && !startNextMember()) break;
                if (inPos == inLen && !fill()) throw new EOFException("Unexpected end of ZLIB input stream");
                int r;
                try {
                    r = (int) Lib.gunzip.invokeExact(state, MemorySegment.ofArray(in).asSlice(inPos), inLen - inPos,
                            MemorySegment.ofArray(b).asSlice(off), Math.min(len, MAX_CALL_OUTPUT), used, made);
                } catch (Throwable t) {
                    throw new IOException("ISA-L inflate", t);
                }
                if (r < 0) throw new ZipException(error(r));
                inPos += counts[0];
                if (r == 1) memberEnded = true;
                if (counts[1] > 0) return counts[1];
            }
            ended = true;
            return -1;
        }

        /** After a member: true when another one follows (and the state is reset for it), false at the end. */
        private boolean startNextMember() throws IOException {
            while (inLen - inPos < 2 && fill()) { }
            if (inLen - inPos < 2 || (in[inPos] & 0xff) != 0x1f || (in[inPos + 1] & 0xff) != 0x8b) return false;
            try {
                Lib.reset.invokeExact(state);
            } catch (Throwable t) {
                throw new IOException("ISA-L inflate reset", t);
            }
            memberEnded = false;
            return true;
        }

        /** Reads more compressed bytes after those not used yet; false at the source's end. */
        private boolean fill() throws IOException {
            if (srcEnded) return false;
            if (inPos > 0) {
                System.arraycopy(in, inPos, in, 0, inLen - inPos);
                inLen -= inPos;
                inPos = 0;
            }
            int n = src.read(in, inLen, in.length - inLen);
            if (n < 0) {
                srcEnded = true;
                return false;
            }
            inLen += n;
            return true;
        }

        private static String error(int r) {
            return switch (r) {
                case -1 -> "invalid deflate block";
                case -2 -> "invalid deflate symbol";
                case -3 -> "invalid distance too far back";
                case -4 -> "Not in GZIP format";
                case -5 -> "Unsupported compression method";
                case -6 -> "Corrupt GZIP trailer";
                default -> "gzip decompression failed (ISA-L error " + r + ")";
            };
        }

        @Override
        public void close() throws IOException {
            if (closed) return;
            closed = true;
            freeState.clean();
            src.close();
        }
    }
}
