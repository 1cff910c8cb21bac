package dev.hako.runtime.seccomp;

/**
 * A seccomp action and its 16-bit data (errno for ERRNO, the message for TRACE).
 * SCMP_ACT_KILL means KILL_THREAD, as in libseccomp and runc.
 */
public record SeccompAction(Kind kind, int data) {
    public enum Kind { KILL_PROCESS, KILL_THREAD, TRAP, ERRNO, NOTIFY, TRACE, LOG, ALLOW }

    static final int EPERM = 1;
    static final int ENOSYS = 38;
    /** The kernel clamps errno data to MAX_ERRNO; larger values are a config mistake. */
    static final int MAX_ERRNO = 4095;

    public static final SeccompAction ALLOW = new SeccompAction(Kind.ALLOW, 0);
    public static final SeccompAction KILL_PROCESS = new SeccompAction(Kind.KILL_PROCESS, 0);

    public static SeccompAction errno(int errno) { return new SeccompAction(Kind.ERRNO, errno); }

    /** The SECCOMP_RET_* value the filter returns. */
    public int ret() {
        return switch (kind) {
            case KILL_PROCESS -> Bpf.RET_KILL_PROCESS;
            case KILL_THREAD -> Bpf.RET_KILL_THREAD;
            case TRAP -> Bpf.RET_TRAP;
            case ERRNO -> Bpf.RET_ERRNO | (data & Bpf.RET_DATA);
            case NOTIFY -> Bpf.RET_USER_NOTIF;
            case TRACE -> Bpf.RET_TRACE | (data & Bpf.RET_DATA);
            case LOG -> Bpf.RET_LOG;
            case ALLOW -> Bpf.RET_ALLOW;
        };
    }

    /** Lets the syscall run (runc skips its -ENOSYS stub for these default actions). */
    boolean permissive() { return kind == Kind.ALLOW || kind == Kind.LOG || kind == Kind.TRACE; }

    /**
     * Parses an OCI action name. {@code errnoRet} is allowed only for ERRNO (default EPERM) and TRACE
     * (default EPERM, as runc); {@code path} names the field for errors.
     */
    static SeccompAction parse(String name, Integer errnoRet, String path, String errnoPath) {
        if (name == null || name.isEmpty()) throw new SeccompException(path, "required");
        Kind kind = switch (name) {
            case "SCMP_ACT_KILL", "SCMP_ACT_KILL_THREAD" -> Kind.KILL_THREAD;
            case "SCMP_ACT_KILL_PROCESS" -> Kind.KILL_PROCESS;
            case "SCMP_ACT_TRAP" -> Kind.TRAP;
            case "SCMP_ACT_ERRNO" -> Kind.ERRNO;
            case "SCMP_ACT_NOTIFY" -> Kind.NOTIFY;
            case "SCMP_ACT_TRACE" -> Kind.TRACE;
            case "SCMP_ACT_LOG" -> Kind.LOG;
            case "SCMP_ACT_ALLOW" -> Kind.ALLOW;
            default -> throw new SeccompException(path, "unknown action \"" + name + "\"");
        };
        if (errnoRet != null) {
            if (kind != Kind.ERRNO && kind != Kind.TRACE) {
                throw new SeccompException(errnoPath, "only SCMP_ACT_ERRNO and SCMP_ACT_TRACE take an errno, not " + name);
            }
            int max = kind == Kind.ERRNO ? MAX_ERRNO : Bpf.RET_DATA;
            if (errnoRet < 0 || errnoRet > max) {
                throw new SeccompException(errnoPath, errnoRet + " is out of range 0.." + max);
            }
            return new SeccompAction(kind, errnoRet);
        }
        return new SeccompAction(kind, kind == Kind.ERRNO || kind == Kind.TRACE ? EPERM : 0);
    }
}
