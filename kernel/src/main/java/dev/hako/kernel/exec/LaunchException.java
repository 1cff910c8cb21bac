package dev.hako.kernel.exec;

import dev.hako.kernel.Errno;

/**
 * A launch that failed: the executor's structured report of the step that failed, what it acted on and
 * the errno, e.g. {@code mount proc on /proc: EPERM (Operation not permitted)}. When this is thrown the
 * container process is dead and reaped, and so is the executor.
 */
public class LaunchException extends RuntimeException {
    private final String step;
    private final String path;
    private final int errno;
    private final String detail;

    public LaunchException(String step, String path, int errno, String detail) {
        super(format(step, path, errno, detail));
        this.step = step;
        this.path = path;
        this.errno = errno;
        this.detail = detail;
    }

    public LaunchException(String message, Throwable cause) {
        super(message, cause);
        this.step = "launch";
        this.path = null;
        this.errno = 0;
        this.detail = message;
    }

    private static String format(String step, String path, int errno, String detail) {
        StringBuilder b = new StringBuilder(step);
        if (path != null && !path.isEmpty()) b.append(' ').append(path);
        if (detail != null && !detail.isEmpty()) b.append(": ").append(detail);
        if (errno > 0) b.append(": ").append(Errno.name(errno)).append(" (").append(Errno.describe(errno)).append(')');
        return b.toString();
    }

    /** The executor step that failed: mount, mknod, pivot_root, sysctl, exec, setns, hook, ... */
    public String step() { return step; }

    /** What it acted on (e.g. "proc on /proc", "/dev/null", the command name); may be null. */
    public String path() { return path; }

    /** The errno, 0 when the failure was not a system call (e.g. a hook's exit status). */
    public int errno() { return errno; }

    /** Extra words from the executor (e.g. "is a symlink"), may be null. */
    public String detail() { return detail; }

    /**
     * The exit status a CLI reports for this failure, as runc/docker do: 127 when the command was not
     * found, 126 when it could not be executed, 1 (runtime error) otherwise.
     */
    public int exitCode() {
        if ("exec".equals(step)) return errno == Errno.ENOENT ? 127 : 126;
        return 1;
    }
}
