package dev.hako.runtime.cgroups;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A snapshot of a container cgroup's counters, shaped like runc's {@code types.Stats} (what
 * {@code runc events --stats} prints as the event's "data"). Values are bytes, nanoseconds or
 * counts; a limit of "max"/unlimited reads as 0 for pids (as runc) and as the kernel's huge
 * number for memory v1.
 */
public record CgroupStats(Cpu cpu, CpuSet cpuset, Memory memory, Pids pids, Blkio blkio, Map<String, Hugetlb> hugetlb) {

    public record Throttling(long periods, long throttledPeriods, long throttledTime) {}

    public record CpuUsage(long total, List<Long> percpu, List<Long> percpuKernel, List<Long> percpuUser,
                           long kernel, long user) {}

    public record Cpu(CpuUsage usage, Throttling throttling) {}

    public record CpuSet(List<Integer> cpus, List<Integer> mems, long cpuExclusive, long memHardwall,
                         long memExclusive, long memoryMigrate, long memorySpreadPage, long memorySpreadSlab,
                         long memoryPressure, long schedLoadBalance, long schedRelaxDomainLevel) {
        static final CpuSet EMPTY = new CpuSet(List.of(), List.of(), 0, 0, 0, 0, 0, 0, 0, 0, 0);
    }

    public record MemoryEntry(long limit, long usage, long max, long failcnt) {
        static final MemoryEntry EMPTY = new MemoryEntry(0, 0, 0, 0);
    }

    /** oom / oomKill come from memory.oom_control (v1) or memory.events (v2). */
    public record Memory(long cache, MemoryEntry usage, MemoryEntry swap, MemoryEntry kernel, MemoryEntry kernelTCP,
                         Map<String, Long> raw, long oomKill, boolean underOom) {}

    public record Pids(long current, long limit) {}

    public record BlkioEntry(long major, long minor, String op, long value) {}

    public record Blkio(List<BlkioEntry> ioServiceBytesRecursive, List<BlkioEntry> ioServicedRecursive) {}

    public record Hugetlb(long usage, long max, long failcnt) {}

    /**
     * The runc JSON shape (field names and omitempty rules of runc's types/events.go), ready for
     * the JSON codec: {@code {"type":"stats","id":id,"data":stats.runcJson()}}.
     */
    public Map<String, Object> runcJson() {
        Map<String, Object> out = new LinkedHashMap<>();
        Map<String, Object> c = new LinkedHashMap<>();
        Map<String, Object> u = new LinkedHashMap<>();
        putNonZero(u, "total", cpu.usage().total());
        putNonEmpty(u, "percpu", cpu.usage().percpu());
        putNonEmpty(u, "percpu_kernel", cpu.usage().percpuKernel());
        putNonEmpty(u, "percpu_user", cpu.usage().percpuUser());
        u.put("kernel", cpu.usage().kernel());
        u.put("user", cpu.usage().user());
        c.put("usage", u);
        Map<String, Object> t = new LinkedHashMap<>();
        putNonZero(t, "periods", cpu.throttling().periods());
        putNonZero(t, "throttledPeriods", cpu.throttling().throttledPeriods());
        putNonZero(t, "throttledTime", cpu.throttling().throttledTime());
        c.put("throttling", t);
        out.put("cpu", c);

        Map<String, Object> cs = new LinkedHashMap<>();
        putNonEmpty(cs, "cpus", cpuset.cpus());
        cs.put("cpu_exclusive", cpuset.cpuExclusive());
        putNonEmpty(cs, "mems", cpuset.mems());
        cs.put("mem_hardwall", cpuset.memHardwall());
        cs.put("mem_exclusive", cpuset.memExclusive());
        cs.put("memory_migrate", cpuset.memoryMigrate());
        cs.put("memory_spread_page", cpuset.memorySpreadPage());
        cs.put("memory_spread_slab", cpuset.memorySpreadSlab());
        cs.put("memory_pressure", cpuset.memoryPressure());
        cs.put("sched_load_balance", cpuset.schedLoadBalance());
        cs.put("sched_relax_domain_level", cpuset.schedRelaxDomainLevel());
        out.put("cpuset", cs);

        Map<String, Object> m = new LinkedHashMap<>();
        putNonZero(m, "cache", memory.cache());
        m.put("usage", entry(memory.usage()));
        m.put("swap", entry(memory.swap()));
        m.put("kernel", entry(memory.kernel()));
        m.put("kernelTCP", entry(memory.kernelTCP()));
        if (!memory.raw().isEmpty()) m.put("raw", memory.raw());
        out.put("memory", m);

        Map<String, Object> p = new LinkedHashMap<>();
        putNonZero(p, "current", pids.current());
        putNonZero(p, "limit", pids.limit());
        out.put("pids", p);

        Map<String, Object> b = new LinkedHashMap<>();
        if (!blkio.ioServiceBytesRecursive().isEmpty()) b.put("ioServiceBytesRecursive", blkioEntries(blkio.ioServiceBytesRecursive()));
        if (!blkio.ioServicedRecursive().isEmpty()) b.put("ioServicedRecursive", blkioEntries(blkio.ioServicedRecursive()));
        out.put("blkio", b);

        Map<String, Object> h = new LinkedHashMap<>();
        for (var e : hugetlb.entrySet()) {
            Map<String, Object> one = new LinkedHashMap<>();
            putNonZero(one, "usage", e.getValue().usage());
            putNonZero(one, "max", e.getValue().max());
            one.put("failcnt", e.getValue().failcnt());
            h.put(e.getKey(), one);
        }
        out.put("hugetlb", h);
        out.put("intel_rdt", new LinkedHashMap<>());
        out.put("network_interfaces", null);
        return out;
    }

    private static Map<String, Object> entry(MemoryEntry e) {
        Map<String, Object> out = new LinkedHashMap<>();
        // v2 "max" is kept as -1; runc prints it as the unsigned 2^64-1.
        out.put("limit", e.limit() < 0 ? new java.math.BigInteger(Long.toUnsignedString(e.limit())) : (Object) e.limit());
        putNonZero(out, "usage", e.usage());
        putNonZero(out, "max", e.max());
        out.put("failcnt", e.failcnt());
        return out;
    }

    private static List<Object> blkioEntries(List<BlkioEntry> entries) {
        List<Object> out = new ArrayList<>();
        for (BlkioEntry e : entries) {
            Map<String, Object> one = new LinkedHashMap<>();
            putNonZero(one, "major", e.major());
            putNonZero(one, "minor", e.minor());
            if (e.op() != null && !e.op().isEmpty()) one.put("op", e.op());
            putNonZero(one, "value", e.value());
            out.add(one);
        }
        return out;
    }

    private static void putNonZero(Map<String, Object> m, String k, long v) {
        if (v != 0) m.put(k, v);
    }

    private static void putNonEmpty(Map<String, Object> m, String k, List<?> v) {
        if (v != null && !v.isEmpty()) m.put(k, v);
    }
}
