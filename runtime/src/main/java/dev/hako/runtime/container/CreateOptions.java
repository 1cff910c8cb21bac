package dev.hako.runtime.container;

import dev.hako.kernel.exec.Stdio;

import java.nio.file.Path;

/**
 * Options of create and run (runc's flags).
 *
 * @param consoleSocket unix socket path the pty master is sent to when process.terminal is true
 * @param pidFile       where the init's host pid is written (null: nowhere)
 * @param preserveFds   pass this process's fds 3..3+n-1 on to the container
 * @param noPivot       chroot/move-root instead of pivot_root
 * @param noNewKeyring  keep the caller's session keyring; otherwise the init joins a new one named "_ses." + id (runc)
 * @param stdio         the container's stdio (runc: the caller's own)
 */
public record CreateOptions(String consoleSocket, Path pidFile, int preserveFds, boolean noPivot, boolean noNewKeyring,
                            Stdio stdio) {
    public CreateOptions {
        if (stdio == null) stdio = Stdio.inherit();
        if (preserveFds < 0) throw new IllegalArgumentException("preserveFds must not be negative");
    }

    public static CreateOptions defaults() { return new CreateOptions(null, null, 0, false, false, Stdio.inherit()); }

    public CreateOptions withStdio(Stdio s) { return new CreateOptions(consoleSocket, pidFile, preserveFds, noPivot, noNewKeyring, s); }
}
