package dev.hako.cli;

import dev.hako.kernel.Errno;
import dev.hako.kernel.FdStreams;
import dev.hako.kernel.SyscallException;
import dev.hako.kernel.fs.Fs;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Files a command writes into its caller's filesystem (`save -o`, `export -o`, `--cidfile`) get the mode the
 * caller's own process would give them: {@code mode & ~umask} of the {@link Host}'s caller, set with fchmod. The
 * CLI service's umask is its own (022) and process-wide, shared by the commands it runs at once, so it is never
 * changed, and what it masks off is put back explicitly. A new file is created with O_EXCL and O_NOFOLLOW, and
 * never with more bits than it ends up with.
 */
public final class CallerFiles {
    /** docker's CopyToFile (save -o, export -o) writes a temp file from os.CreateTemp: mode 0600. */
    public static final int ARCHIVE_MODE = 0600;
    /** os.Create (docker's --cidfile): 0666. */
    public static final int CREATE_MODE = 0666;

    private CallerFiles() {}

    /** What fills a file. */
    @FunctionalInterface
    public interface Content {
        void writeTo(OutputStream out) throws IOException;
    }

    /** Creates {@code path}, which must not exist yet, with {@code mode} under the caller's umask. */
    public static OutputStream createNew(Host host, Path path, int mode) throws IOException {
        int m = host.caller().mode(mode);
        String what = path.toString();
        int fd;
        try {
            fd = Fs.openat(Fs.AT_FDCWD, what, Fs.O_WRONLY | Fs.O_CREAT | Fs.O_EXCL | Fs.O_NOFOLLOW | Fs.O_CLOEXEC, m, what);
        } catch (SyscallException e) {
            if (e.errno() == Errno.EEXIST) throw new FileAlreadyExistsException(what);
            throw new IOException("open " + what + ": " + Errno.describe(e.errno()).toLowerCase(java.util.Locale.ROOT), e);
        }
        try {
            Fs.fchmod(fd, m, what);   // the bits this process's own umask took off
        } catch (SyscallException e) {
            Fs.close(fd);
            Files.deleteIfExists(path);
            throw new IOException(e.getMessage(), e);
        }
        return new BufferedOutputStream(FdStreams.output(fd), 1 << 16);
    }

    /**
     * docker's CopyToFile: the content goes to a new temp file beside {@code target}, which then replaces it
     * (rename); on failure nothing is left behind and an existing target is untouched.
     */
    public static void replace(Host host, Path target, int mode, Content content) throws IOException {
        Path abs = target.toAbsolutePath();
        Path tmp = abs.resolveSibling("." + abs.getFileName() + ".hako-tmp-"
                + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong()));
        try {
            try (OutputStream out = createNew(host, tmp, mode)) {
                content.writeTo(out);
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
