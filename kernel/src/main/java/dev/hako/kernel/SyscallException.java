package dev.hako.kernel;

/** A failed system call: names the call, what it acted on, and the errno (e.g. "mount /x: EPERM"). */
public class SyscallException extends RuntimeException {
    private final String syscall;
    private final String path;
    private final int errno;

    public SyscallException(String syscall, String path, int errno) {
        super(syscall + (path == null || path.isEmpty() ? "" : " " + path) + ": " + Errno.name(errno)
                + " (" + Errno.describe(errno) + ")");
        this.syscall = syscall;
        this.path = path;
        this.errno = errno;
    }

    public String syscall() { return syscall; }
    public String path() { return path; }
    public int errno() { return errno; }
}
