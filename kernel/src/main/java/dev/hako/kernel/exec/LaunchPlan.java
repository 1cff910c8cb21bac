package dev.hako.kernel.exec;

import java.util.List;

/**
 * Everything the executor does between clone() and execve(), decided in Java. The executor has no
 * policy and no JSON parser: it runs these primitive steps in order and reports the step, path and
 * errno of the first that fails. See PlanCodec for the wire format.
 *
 * @param mode          CREATE: wait on the exec fifo before exec; RUN: exec at once; EXEC: join an existing
 *                      container's namespaces (namespaces all have paths) and exec a process there
 * @param namespaces    in order; path == null creates a new one, otherwise setns() to it
 * @param uidMappings   for a new user namespace; written by the parent (Java) after the pid report
 * @param gidMappings   likewise; setgroups is set to "deny" first when {@code denySetgroups}
 * @param timeOffsets   for a new time namespace (clock "monotonic" / "boottime")
 * @param rootfs        absolute host path of the root filesystem (null in EXEC mode)
 * @param rootfsSteps   mount-namespace work, in order (mounts, devices, masks, pivot_root ...)
 * @param sysctls       written under /proc/sys after pivot_root, through a verified procfs handle
 * @param hostname      null: leave as is
 * @param execFifo      CREATE mode: path of the fifo the init opens for writing, blocking until `start`
 * @param consoleSocket terminal: path of the unix socket the pty master is sent to (SCM_RIGHTS)
 * @param cgroupJoin    EXEC mode: cgroup.procs files the process joins before exec (may be empty)
 * @param startHooks    startContainer hooks: run inside the container after start, before the exec
 * @param preserveFds   fds 3..3+n-1 of the executor passed on to the container process
 */
public record LaunchPlan(
        Mode mode,
        List<Namespace> namespaces,
        List<IdMap> uidMappings,
        List<IdMap> gidMappings,
        boolean denySetgroups,
        List<TimeOffset> timeOffsets,
        String rootfs,
        List<RootfsStep> rootfsSteps,
        List<Sysctl> sysctls,
        String hostname,
        String domainname,
        ProcessPlan process,
        String execFifo,
        String consoleSocket,
        List<String> cgroupJoin,
        List<HookPlan> startHooks,
        int preserveFds) {

    public enum Mode { CREATE, RUN, EXEC }

    /** type: one of pid, net, mnt, ipc, uts, user, cgroup, time (the /proc/PID/ns names). */
    public record Namespace(String type, String path) {}

    public record IdMap(long containerId, long hostId, long size) {}

    public record TimeOffset(String clock, long secs, long nanosecs) {}

    public record Sysctl(String key, String value) {}

    /** A hook run by the executor itself (createContainer, startContainer): state JSON goes to its stdin. */
    public record HookPlan(String path, List<String> args, List<String> env, int timeoutSeconds, String stateJson) {}

    /** Mount-namespace steps. Every in-container path is resolved inside the rootfs, never following symlinks out. */
    public sealed interface RootfsStep {}

    /**
     * mount(2) of source on target (path inside the rootfs), then, if any, the propagation changes and
     * a bind remount with {@code remountFlags} (for ro/nosuid/... binds). {@code createAs} says what to
     * create at the target when missing: "dir" or "file" (a file for binds of non-directories).
     * {@code attrSet}/{@code attrClr}: mount_setattr attributes for recursive options (rro, rnosuid...), applied
     * recursively; {@code idmapUserns}: a user namespace path for an idmapped bind mount (null if none);
     * {@code /proc/self/ns/user} means the container's own (new) user namespace. The executor's parent
     * process makes the idmapped tree (it needs CAP_SYS_ADMIN over the source filesystem). {@code copyUp}
     * (tmpcopyup, not for binds): the target directory's content is copied into the new mount.
     */
    public record MountStep(String source, String target, String fstype, long flags, String data,
                            List<Long> propagation, long remountFlags, String createAs,
                            long attrSet, long attrClr, String idmapUserns, boolean copyUp) implements RootfsStep {
        /** Without copyUp. */
        public MountStep(String source, String target, String fstype, long flags, String data, List<Long> propagation,
                         long remountFlags, String createAs, long attrSet, long attrClr, String idmapUserns) {
            this(source, target, fstype, flags, data, propagation, remountFlags, createAs, attrSet, attrClr, idmapUserns, false);
        }
    }

    /** mknod (or bind-mount from the host path when {@code bindFromHost}, as in user namespaces). type: c b p u */
    public record DeviceStep(String path, char type, long major, long minor, int mode, int uid, int gid,
                             boolean bindFromHost) implements RootfsStep {}

    public record SymlinkStep(String target, String linkPath) implements RootfsStep {}

    public record MkdirStep(String path, int mode) implements RootfsStep {}

    /** After pivot_root: hide path (bind /dev/null over a file, a read-only tmpfs over a directory). */
    public record MaskStep(String path) implements RootfsStep {}

    /** After pivot_root: bind path onto itself and remount it read-only. */
    public record ReadonlyStep(String path) implements RootfsStep {}

    /** Propagation of "/" in the new mount namespace before anything is mounted (e.g. MS_REC|MS_SLAVE). */
    public record RootPropagationStep(long flags) implements RootfsStep {}

    /** Makes the rootfs a mount point (bind onto itself) and applies its propagation. */
    public record PrepareRootStep(long propagation) implements RootfsStep {}

    /** createContainer hooks: run after mounts, before pivot_root, in the container's namespaces. */
    public record HookStep(HookPlan hook) implements RootfsStep {}

    /** pivot_root into the rootfs (or chroot/move-root when {@code noPivot}), then detach the old root. */
    public record PivotRootStep(boolean noPivot) implements RootfsStep {}

    /** After pivot_root: remount / read-only (root.readonly). */
    public record ReadonlyRootStep() implements RootfsStep {}

    public record ProcessPlan(
            List<String> args,
            List<String> env,
            String cwd,
            int uid,
            int gid,
            List<Integer> additionalGids,
            Integer umask,
            List<Rlimit> rlimits,
            Capabilities capabilities,
            boolean noNewPrivileges,
            SeccompPlan seccomp,
            Long personality,
            Integer oomScoreAdj,
            String apparmorProfile,
            String selinuxLabel,
            boolean terminal,
            Integer consoleHeight,
            Integer consoleWidth,
            Extras extras) {
        /** Without the later additions (extras: none). */
        public ProcessPlan(List<String> args, List<String> env, String cwd, int uid, int gid, List<Integer> additionalGids,
                           Integer umask, List<Rlimit> rlimits, Capabilities capabilities, boolean noNewPrivileges,
                           SeccompPlan seccomp, Long personality, Integer oomScoreAdj, String apparmorProfile,
                           String selinuxLabel, boolean terminal, Integer consoleHeight, Integer consoleWidth) {
            this(args, env, cwd, uid, gid, additionalGids, umask, rlimits, capabilities, noNewPrivileges, seccomp,
                    personality, oomScoreAdj, apparmorProfile, selinuxLabel, terminal, consoleHeight, consoleWidth, null);
        }

        public Extras extrasOrNone() { return extras == null ? Extras.NONE : extras; }
    }

    /**
     * Process settings done in the container just before the user and capabilities change (runc order).
     *
     * @param homeFromPasswd set HOME from the container's /etc/passwd entry of the uid ("/" if none), read
     *                       after pivot_root; Java sets it when env has no HOME (runc does the same)
     * @param ioPriority     ioprio_set(IOPRIO_WHO_PROCESS) or null
     * @param scheduler      sched_setattr or null
     * @param sessionKeyring join (or create) the session keyring of this name (runc: "_ses." + id), null: keep
     * @param keyringPerms   bits OR-ed into a joined keyring's permissions (runc: search for possessor's uid or other)
     * @param cpuAffinityInitial execCPUAffinity.initial: CPU list ("0-3,7") the executor runs on from its start, or null
     * @param cpuAffinityFinal   execCPUAffinity.final: CPU list set after the cgroup join, before exec, or null
     */
    public record Extras(boolean homeFromPasswd, IoPriority ioPriority, Scheduler scheduler, String sessionKeyring,
                         long keyringPerms, String cpuAffinityInitial, String cpuAffinityFinal) {
        public static final Extras NONE = new Extras(false, null, null, null, 0);

        public Extras(boolean homeFromPasswd, IoPriority ioPriority, Scheduler scheduler, String sessionKeyring,
                      long keyringPerms) {
            this(homeFromPasswd, ioPriority, scheduler, sessionKeyring, keyringPerms, null, null);
        }
    }

    /** ioClass: IOPRIO_CLASS_RT 1, BE 2, IDLE 3; level 0..7. */
    public record IoPriority(int ioClass, int level) {}

    /** struct sched_attr: policy (SCHED_* number), flags (SCHED_FLAG_* bits), times in ns. */
    public record Scheduler(int policy, int nice, int priority, long flags, long runtime, long deadline, long period) {}

    /** resource: the RLIMIT_* number. */
    public record Rlimit(int resource, long soft, long hard) {}

    /** Bit masks of capability numbers (bit n = capability n). */
    public record Capabilities(long bounding, long effective, long permitted, long inheritable, long ambient) {}

    /**
     * A compiled classic-BPF program (struct sock_filter array, 8 bytes each, host byte order) loaded with
     * seccomp(SECCOMP_SET_MODE_FILTER, flags). With {@code listenerPath}, the notify fd is sent there
     * (SCM_RIGHTS) together with {@code stateJson} as the message.
     */
    public record SeccompPlan(byte[] program, long flags, String listenerPath, String stateJson) {}
}
