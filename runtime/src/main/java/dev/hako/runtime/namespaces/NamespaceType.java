package dev.hako.runtime.namespaces;

import java.util.Optional;

/** The Linux namespaces the runtime-spec names, with their /proc/PID/ns names and clone flags. */
public enum NamespaceType {
    // Order is the order the executor joins/creates them: user first so later ones are owned by it.
    USER("user", "user", 0x10000000L),
    PID("pid", "pid", 0x20000000L),
    NETWORK("network", "net", 0x40000000L),
    IPC("ipc", "ipc", 0x08000000L),
    UTS("uts", "uts", 0x04000000L),
    MOUNT("mount", "mnt", 0x00020000L),
    CGROUP("cgroup", "cgroup", 0x02000000L),
    TIME("time", "time", 0x00000080L);

    private final String ociName;
    private final String procName;
    private final long cloneFlag;

    NamespaceType(String ociName, String procName, long cloneFlag) {
        this.ociName = ociName;
        this.procName = procName;
        this.cloneFlag = cloneFlag;
    }

    /** The name in config.json linux.namespaces[].type. */
    public String ociName() { return ociName; }

    /** The name under /proc/PID/ns/ (and in LaunchPlan.Namespace.type). */
    public String procName() { return procName; }

    public long cloneFlag() { return cloneFlag; }

    public static Optional<NamespaceType> fromOci(String name) {
        for (NamespaceType t : values()) if (t.ociName.equals(name)) return Optional.of(t);
        return Optional.empty();
    }

    public static Optional<NamespaceType> fromProc(String name) {
        for (NamespaceType t : values()) if (t.procName.equals(name)) return Optional.of(t);
        return Optional.empty();
    }
}
