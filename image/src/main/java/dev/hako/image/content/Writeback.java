package dev.hako.image.content;

import dev.hako.kernel.Native;

import java.lang.foreign.FunctionDescriptor;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Starts writing dirty pages of a file to disk now, without waiting (sync_file_range(2) with SYNC_FILE_RANGE_WRITE).
 * A pull writes hundreds of MB that must be durable before they become visible; left alone, the kernel starts
 * writing only at its dirty threshold (GBs on a large machine), so the final fdatasync/syncfs wrote everything
 * while the pipeline stood still. Kicking each written range lets the disk work while the download goes on; the
 * final sync then has little left to wait for. Only a hint: durability still comes from that sync. Errors are
 * ignored (a filesystem without it just writes back later).
 */
public final class Writeback {
    /** Bytes written to one file between two kicks. */
    public static final long STEP = 8L << 20;

    private static final int SYNC_FILE_RANGE_WRITE = 2;
    private static final MethodHandle SYNC_FILE_RANGE = Native.plainFunction("sync_file_range",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT));

    private Writeback() {}

    /** Starts writeback of {@code len} bytes at {@code offset} of {@code fd} (len 0: to the end of the file). */
    public static void start(int fd, long offset, long len) {
        try {
            int ignored = (int) SYNC_FILE_RANGE.invokeExact(fd, offset, len, SYNC_FILE_RANGE_WRITE);
        } catch (Throwable t) {
            // a hint: the final sync covers the data anyway
        }
    }
}
