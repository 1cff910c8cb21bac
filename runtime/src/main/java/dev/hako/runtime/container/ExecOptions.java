package dev.hako.runtime.container;

import dev.hako.kernel.exec.Stdio;

import java.nio.file.Path;

/**
 * Options of exec.
 *
 * @param detach        return once the process runs (exit code 0) instead of waiting for it
 * @param ignorePaused  allow exec into a paused container (runc --ignore-paused)
 * @param subCgroups    runc exec --cgroup: {@code [controller:]path} of existing sub-cgroups of the container's to
 *                      run in (v1: every hierarchy, or the named controller's; v2: the one path)
 */
public record ExecOptions(String consoleSocket, Path pidFile, int preserveFds, boolean detach, boolean ignorePaused,
                          Stdio stdio, java.util.List<String> subCgroups) {
    public ExecOptions {
        if (stdio == null) stdio = Stdio.inherit();
        subCgroups = subCgroups == null ? java.util.List.of() : java.util.List.copyOf(subCgroups);
    }

    public ExecOptions(String consoleSocket, Path pidFile, int preserveFds, boolean detach, boolean ignorePaused, Stdio stdio) {
        this(consoleSocket, pidFile, preserveFds, detach, ignorePaused, stdio, null);
    }

    public static ExecOptions defaults() { return new ExecOptions(null, null, 0, false, false, Stdio.inherit()); }

    public ExecOptions withStdio(Stdio s) {
        return new ExecOptions(consoleSocket, pidFile, preserveFds, detach, ignorePaused, s, subCgroups);
    }

    public ExecOptions withSubCgroups(java.util.List<String> c) {
        return new ExecOptions(consoleSocket, pidFile, preserveFds, detach, ignorePaused, stdio, c);
    }
}
