package dev.hako.runtime.cgroups;

import dev.hako.oci.runtime.Linux;
import dev.hako.oci.runtime.Resources;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * One container's cgroup, on whatever layout the host has (cgroupfs driver only).
 *
 * <p>Lifecycle use: {@link #forHost} → {@link #create()} → {@link #apply} → {@link #addProcess}
 * (the init, before it execs) → ... → {@link #destroy}. Building a manager touches nothing, so
 * later commands (pause, update, delete) rebuild it from the same cgroupsPath and id.
 *
 * <p>Not thread-safe; one manager per command.
 */
public sealed interface CgroupManager permits CgroupV1Manager, CgroupV2Manager, HybridCgroupManager {

    /** Signal numbers used here (x86_64/aarch64). */
    int SIGKILL = 9, SIGTERM = 15;

    /** A manager for the host's layout; see {@link CgroupPath} for how cgroupsPath is resolved. */
    static CgroupManager forHost(String cgroupsPath, String containerId) {
        return forLayout(CgroupLayout.detect(), CgroupPath.resolve(cgroupsPath, containerId));
    }

    /** A manager for an explicit layout and an already resolved cgroup path ("/a/b"). */
    static CgroupManager forLayout(CgroupLayout layout, String path) {
        return switch (layout.mode()) {
            case V1 -> new CgroupV1Manager(layout, path);
            case V2 -> new CgroupV2Manager(layout.unified(), path, true);
            case HYBRID -> new HybridCgroupManager(layout, path);
        };
    }

    /** What this host supports, for {@code features}. */
    static CgroupFeatures features() {
        CgroupLayout l = CgroupLayout.detect();
        return new CgroupFeatures(true, true, false, false, l.hasController("rdma"), l.mode());
    }

    /** runc `features` linux.cgroup: v1/v2 are the drivers the runtime has, not what is mounted. */
    record CgroupFeatures(boolean v1, boolean v2, boolean systemd, boolean systemdUser, boolean rdma,
                          CgroupLayout.Mode hostMode) {}

    /** The cgroup path inside each hierarchy, e.g. "/hako/c1". */
    String path();

    /** Directory per hierarchy: v1 controller name (co-mounted ones each listed) or "" for cgroup2 → dir. */
    Map<String, Path> paths();

    /** Creates the directories (idempotent); in v1 fills cpuset.cpus/mems down the path; in v2 enables controllers. */
    void create();

    /** Writes linux.resources (also `update`). Device rules are taken as given: see {@link DeviceRules#effective}. */
    void apply(Resources resources);

    /** Moves a process (all its threads) into the cgroup in every hierarchy. */
    void addProcess(long pid);

    /** Every cgroup.procs file a joining process must be written to (for `exec`: the executor joins them). */
    List<Path> procsFiles();

    /** All pids in the cgroup and its descendants. Empty when the cgroup does not exist. */
    List<Long> pids();

    /** Freezes every process; waits until the kernel reports frozen. */
    void freeze();

    void thaw();

    boolean isFrozen();

    CgroupStats stats();

    /** Sends the signal to every process (frozen while signalling so forks cannot escape). */
    void killAll(int signal);

    /** True when the cgroup directory exists in the primary hierarchy. */
    boolean exists();

    /**
     * Removes the cgroup directories bottom-up, retrying EBUSY briefly. With {@code killStragglers}
     * every remaining process gets SIGKILL first; without, a populated cgroup is an error (EBUSY).
     * Missing directories are fine (idempotent).
     */
    void destroy(boolean killStragglers);

    /** Convenience: device rules for a container as runc composes them, applied with the rest. */
    static Resources withEffectiveDevices(Resources r, Linux linux) {
        List<Resources.DeviceRule> rules = new java.util.ArrayList<>();
        for (DeviceRules.Rule x : DeviceRules.effective(r == null ? null : r.devices(), linux == null ? null : linux.devices())) {
            rules.add(new Resources.DeviceRule(x.allow(), String.valueOf(x.type()),
                    x.major() < 0 ? null : x.major(), x.minor() < 0 ? null : x.minor(), x.access()));
        }
        if (r == null) return new Resources(rules, null, null, null, null, null, null, null, null);
        return new Resources(rules, r.memory(), r.cpu(), r.pids(), r.blockIO(), r.hugepageLimits(), r.network(),
                r.rdma(), r.unified());
    }
}
