package dev.hako.runtime.container;

import dev.hako.kernel.SyscallException;
import dev.hako.kernel.fs.ExactModeFile;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * runc's --pid-file (createPidFile): the pid in a new file beside the target, created 0666 under the umask of
 * whoever ran the command (see {@link ExactModeFile}), fsynced, then renamed over the target.
 */
final class PidFile {
    private static final int MODE = 0666;

    private PidFile() {}

    /** @param umask the caller's umask, or -1 for this process's own (the plain CLI) */
    static void write(Path target, long pid, int umask) {
        int mode = MODE & ~(umask >= 0 ? umask : ExactModeFile.processUmask());
        try {
            ExactModeFile.replace(target, mode, true,
                    out -> out.write(Long.toString(pid).getBytes(StandardCharsets.US_ASCII)));
        } catch (IOException e) {   // e.g. its directory does not exist: runc does not make it either
            Throwable why = e.getCause() instanceof SyscallException s ? s : e;
            throw new ContainerException("write pid file " + target.toAbsolutePath() + ": " + why.getMessage(), 1, e);
        }
    }
}
