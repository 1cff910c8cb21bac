package dev.hako.runtime.cgroups;

import dev.hako.oci.runtime.Resources;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Hybrid host: the v1 hierarchies carry most controllers; the cgroup2 mount (usually
 * /sys/fs/cgroup/unified) carries the rest (e.g. hugetlb when it is not mounted as v1).
 * The container gets a directory in both; processes join both; linux.resources.unified is
 * written to the cgroup2 side. Freeze, pids and kill go through v1.
 */
public final class HybridCgroupManager implements CgroupManager {
    private final CgroupV1Manager v1;
    private final CgroupV2Manager v2;

    HybridCgroupManager(CgroupLayout layout, String path) {
        this.v1 = new CgroupV1Manager(layout, path);
        this.v2 = new CgroupV2Manager(layout.unified(), path, false, layout.v2OnlyControllers());
    }

    @Override public String path() { return v1.path(); }

    @Override
    public Map<String, Path> paths() {
        Map<String, Path> out = new LinkedHashMap<>(v1.paths());
        out.put("", v2.dir());
        return out;
    }

    /** The cgroup2 directory of this container (hugetlb and unified resources live there). */
    public Path unifiedDir() { return v2.dir(); }

    @Override
    public void create() {
        v1.create();
        v2.create();
    }

    @Override
    public void apply(Resources r) {
        if (r == null) return;
        v1.applyV1(r, true);
        boolean hugetlbOnV2 = v1.dir("hugetlb") == null;
        v2.apply(new Resources(null, null, null, null, null, hugetlbOnV2 ? r.hugepageLimits() : null, null, null, r.unified()));
    }

    @Override
    public void addProcess(long pid) {
        v1.addProcess(pid);
        v2.addProcess(pid);
    }

    @Override
    public List<Path> procsFiles() {
        List<Path> out = new ArrayList<>(v1.procsFiles());
        out.addAll(v2.procsFiles());
        return out;
    }

    @Override public List<Long> pids() { return v1.pids(); }

    @Override public void freeze() { v1.freeze(); }

    @Override public void thaw() { v1.thaw(); }

    @Override public boolean isFrozen() { return v1.isFrozen(); }

    @Override
    public CgroupStats stats() {
        CgroupStats s = v1.stats();
        if (!v1.paths().containsKey("hugetlb")) {
            s = new CgroupStats(s.cpu(), s.cpuset(), s.memory(), s.pids(), s.blkio(), v2.hugetlbStats());
        }
        return s;
    }

    @Override public void killAll(int signal) { v1.killAll(signal); }

    @Override public boolean exists() { return v1.exists(); }

    @Override
    public void destroy(boolean killStragglers) {
        CgroupException first = null;
        try {
            v1.destroy(killStragglers);
        } catch (CgroupException e) {
            first = e;
        }
        try {
            v2.destroy(false);
        } catch (CgroupException e) {
            if (first == null) first = e;
        }
        if (first != null) throw first;
    }
}
