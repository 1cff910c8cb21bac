package dev.hako.runtime.cgroups;

import dev.hako.kernel.Errno;

/**
 * A cgroup operation failed. The message names the step, the file and the errno, e.g.
 * {@code write /sys/fs/cgroup/memory/hako/x/memory.limit_in_bytes: EBUSY (Device or resource busy)}.
 * {@link #errno()} is 0 for configuration errors that did not come from the kernel.
 */
public class CgroupException extends RuntimeException {
    private final int errno;

    public CgroupException(String message) {
        this(message, 0, null);
    }

    public CgroupException(String message, int errno, Throwable cause) {
        super(message, cause);
        this.errno = errno;
    }

    static CgroupException syscall(String step, String path, int errno, String detail) {
        return new CgroupException(step + " " + path + ": " + Errno.name(errno) + " (" + Errno.describe(errno) + ")"
                + (detail == null ? "" : ", " + detail), errno, null);
    }

    public int errno() { return errno; }
}
