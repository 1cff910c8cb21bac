package dev.hako.runtime.cli;

import java.nio.file.Path;

/**
 * The options of create and run, as parsed.
 * @param bundle null for the current directory
 */
public record CreateOptions(String id, String bundle, String consoleSocket, String pidFile, boolean noPivot,
                            boolean noNewKeyring, int preserveFds, boolean detach, boolean keep) {

    public Path bundlePath() {
        return bundle == null || bundle.isEmpty() ? Path.of("").toAbsolutePath() : Path.of(bundle).toAbsolutePath();
    }
}
