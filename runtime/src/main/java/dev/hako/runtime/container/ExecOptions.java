package dev.hako.runtime.container;

import dev.hako.kernel.exec.Stdio;

import java.nio.file.Path;

/**
 * Options of exec.
 *
 * @param detach        return once the process runs (exit code 0) instead of waiting for it
 * @param ignorePaused  allow exec into a paused container (runc --ignore-paused)
 */
public record ExecOptions(String consoleSocket, Path pidFile, int preserveFds, boolean detach, boolean ignorePaused,
                          Stdio stdio) {
    public ExecOptions {
        if (stdio == null) stdio = Stdio.inherit();
    }

    public static ExecOptions defaults() { return new ExecOptions(null, null, 0, false, false, Stdio.inherit()); }

    public ExecOptions withStdio(Stdio s) { return new ExecOptions(consoleSocket, pidFile, preserveFds, detach, ignorePaused, s); }
}
