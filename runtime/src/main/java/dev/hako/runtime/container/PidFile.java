package dev.hako.runtime.container;

import dev.hako.kernel.Fds;
import dev.hako.kernel.SyscallException;
import dev.hako.kernel.fs.Fs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/**
 * runc's --pid-file (createPidFile): the pid in a new file beside the target, created 0666 under the umask of
 * whoever ran the command, then renamed over the target. The runtime service's own umask (022) is process-wide
 * and shared by the commands it serves, so a caller's umask is applied explicitly (fchmod) instead.
 */
final class PidFile {
    private static final int MODE = 0666;

    private PidFile() {}

    /** @param umask the caller's umask, or -1 to leave the mode to this process's own umask (the plain CLI) */
    static void write(Path target, long pid, int umask) {
        Path abs = target.toAbsolutePath();
        Path tmp = abs.resolveSibling("." + abs.getFileName() + ".tmp-"
                + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong()));
        int mode = umask < 0 ? MODE : MODE & ~umask;
        int fd;
        try {
            fd = Fs.openat(Fs.AT_FDCWD, tmp.toString(),
                    Fs.O_WRONLY | Fs.O_CREAT | Fs.O_EXCL | Fs.O_NOFOLLOW | Fs.O_CLOEXEC, mode, tmp.toString());
        } catch (SyscallException e) {   // e.g. its directory does not exist: runc does not make it either
            throw new ContainerException("write pid file " + abs + ": " + e.getMessage(), 1, e);
        }
        boolean done = false;
        try {
            if (umask >= 0) Fs.fchmod(fd, mode, tmp.toString());   // the bits our own umask took off
            Fds.writeFully(fd, Long.toString(pid).getBytes(StandardCharsets.US_ASCII));
            Fs.fsync(fd, tmp.toString());
            Fs.close(fd);
            fd = -1;
            Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            done = true;
        } catch (IOException | SyscallException e) {
            throw new ContainerException("write pid file " + abs + ": " + e.getMessage(), 1, e);
        } finally {
            Fs.close(fd);
            if (!done) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException | SyscallException ignored) {
                    // the error above is the one to report
                }
            }
        }
    }
}
