package dev.hako.kernel.fs;

import dev.hako.kernel.Errno;
import dev.hako.kernel.FdStreams;
import dev.hako.kernel.Native;
import dev.hako.kernel.SyscallException;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.FunctionDescriptor;
import java.lang.invoke.MethodHandle;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HexFormat;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;

import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * Files made for another process (the services' callers) with exactly the mode that process's umask gives: created
 * with O_EXCL and O_NOFOLLOW, never with more bits than they end up with, then fchmod'ed, since this process's own
 * umask is process-wide and shared by the commands a service runs at once, so it is never changed.
 */
public final class ExactModeFile {
    private ExactModeFile() {}

    /** This process's umask, read once: from /proc (no window in which it is changed), else by setting it back. */
    public static int processUmask() { return OwnUmask.VALUE; }

    private static final class OwnUmask {
        static final int VALUE = read();

        private static int read() {
            try {
                for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                    if (line.startsWith("Umask:")) return Integer.parseInt(line.substring(6).strip(), 8) & 0777;
                }
            } catch (IOException | NumberFormatException e) {
                // no procfs: ask the kernel
            }
            try {
                MethodHandle umask = Native.plainFunction("umask", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
                int old = (int) umask.invokeExact(022);
                int ignored = (int) umask.invokeExact(old);
                return old & 0777;
            } catch (Throwable t) {
                return 022;
            }
        }
    }

    /** What fills a file. */
    @FunctionalInterface
    public interface Content {
        void writeTo(OutputStream out) throws IOException;
    }

    /** Creates {@code path}, which must not exist yet, with {@code mode}; the stream closes the fd. */
    public static OutputStream createNew(Path path, int mode) throws IOException {
        return new BufferedOutputStream(FdStreams.output(createNewFd(path, mode)), 1 << 16);
    }

    private static int createNewFd(Path path, int mode) throws IOException {
        String what = path.toString();
        int fd;
        try {
            fd = Fs.openat(Fs.AT_FDCWD, what, Fs.O_WRONLY | Fs.O_CREAT | Fs.O_EXCL | Fs.O_NOFOLLOW | Fs.O_CLOEXEC, mode, what);
        } catch (SyscallException e) {
            if (e.errno() == Errno.EEXIST) throw new FileAlreadyExistsException(what);
            throw new IOException("open " + what + ": " + Errno.describe(e.errno()).toLowerCase(Locale.ROOT), e);
        }
        try {
            Fs.fchmod(fd, mode, what);   // the bits this process's own umask took off
        } catch (SyscallException e) {
            Fs.close(fd);
            Files.deleteIfExists(path);
            throw new IOException(e.getMessage(), e);
        }
        return fd;
    }

    /**
     * Replaces {@code target} as docker's CopyToFile and runc's pid file do: the content goes to a new temp file
     * beside it (fsynced first if {@code sync}), which is renamed over it; on failure nothing is left behind and an
     * existing target is untouched.
     */
    public static void replace(Path target, int mode, boolean sync, Content content) throws IOException {
        Path abs = target.toAbsolutePath();
        Path tmp = abs.resolveSibling("." + abs.getFileName() + ".hako-tmp-"
                + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong()));
        try {
            int fd = createNewFd(tmp, mode);
            try (OutputStream out = new BufferedOutputStream(FdStreams.output(fd), 1 << 16)) {
                content.writeTo(out);
                out.flush();
                if (sync) Fs.fsync(fd, tmp.toString());
            } catch (SyscallException e) {
                throw new IOException(e.getMessage(), e);
            }
            try {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException | RuntimeException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException x) {
                e.addSuppressed(x);
            }
            throw e;
        }
    }
}
