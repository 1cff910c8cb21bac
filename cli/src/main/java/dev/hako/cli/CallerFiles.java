package dev.hako.cli;

import dev.hako.kernel.fs.ExactModeFile;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;

/**
 * Files a command writes into its caller's filesystem (`save -o`, `export -o`, `--cidfile`) get the mode the
 * caller's own process would give them: {@code mode & ~umask} of the {@link Host}'s caller (see {@link ExactModeFile}).
 */
public final class CallerFiles {
    /** docker's CopyToFile (save -o, export -o) writes a temp file from os.CreateTemp: mode 0600. */
    public static final int ARCHIVE_MODE = 0600;
    /** os.Create (docker's --cidfile): 0666. */
    public static final int CREATE_MODE = 0666;

    private CallerFiles() {}

    /** Creates {@code path}, which must not exist yet, with {@code mode} under the caller's umask. */
    public static OutputStream createNew(Host host, Path path, int mode) throws IOException {
        return ExactModeFile.createNew(path, host.caller().mode(mode));
    }

    /**
     * docker's CopyToFile: the content goes to a new temp file beside {@code target}, which then replaces it
     * (rename); on failure nothing is left behind and an existing target is untouched.
     */
    public static void replace(Host host, Path target, int mode, ExactModeFile.Content content) throws IOException {
        ExactModeFile.replace(target, host.caller().mode(mode), false, content);
    }
}
