package dev.hako.runtime.cli;

import java.nio.file.Path;

/**
 * The options of create and run, as parsed.
 * @param bundle null for the current directory
 */
public record CreateOptions(String id, String bundle, String consoleSocket, String pidFile, boolean noPivot,
                            boolean noNewKeyring, int preserveFds, boolean detach, boolean keep) {

    public Path bundlePath() { return bundlePath(Caller.self()); }

    /** The bundle directory as {@code caller} means it. */
    public Path bundlePath(Caller caller) {
        return bundle == null || bundle.isEmpty() ? caller.cwd() : caller.resolve(bundle);
    }
}
