package dev.hako.runtime.cgroups;

import dev.hako.kernel.Errno;
import dev.hako.oci.runtime.Resources;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * cgroup v2 (unified): one directory; the OCI values (designed for v1) are converted as runc does.
 *
 * <p>Not supported on v2, as in runc: realtime cpu (error), memory.kernel/kernelTCP/swappiness/
 * disableOOMKiller (ignored: no v2 equivalent), blockIO.leafWeight and network (error).
 * Device rules are enforced with an eBPF program (see {@link #apply}).
 */
public final class CgroupV2Manager implements CgroupManager {
    private final Path root;
    private final String path;
    private final Path dir;
    private final Set<String> enable; // controllers to enable down the path; null = everything the parent offers
    private final boolean full;

    /** full = the host is pure v2; otherwise this is the v2 side of a hybrid host. */
    CgroupV2Manager(Path root, String path, boolean full) {
        this(root, path, full, null);
    }

    CgroupV2Manager(Path root, String path, boolean full, Set<String> enable) {
        this.root = root;
        this.path = path;
        this.dir = root.resolve(path.substring(1));
        this.full = full;
        this.enable = enable;
    }

    @Override public String path() { return path; }

    @Override public Map<String, Path> paths() { return Map.of("", dir); }

    Path dir() { return dir; }

    @Override
    public void create() {
        Path parent = root;
        for (Path d : CgroupFiles.chain(root, path)) {
            enableControllers(parent);
            int e = CgroupFs.mkdir(d);
            if (e != 0 && e != Errno.EEXIST) throw CgroupException.syscall("mkdir", d.toString(), e, null);
            parent = d;
        }
    }

    // A child only gets a controller's files when every ancestor lists it in cgroup.subtree_control.
    private void enableControllers(Path parent) {
        Set<String> available = words(CgroupFiles.read(parent.resolve("cgroup.controllers")));
        Set<String> wanted = new LinkedHashSet<>(available);
        if (enable != null) wanted.retainAll(enable);
        wanted.removeAll(words(CgroupFiles.read(parent.resolve("cgroup.subtree_control"))));
        if (wanted.isEmpty()) return;
        StringBuilder all = new StringBuilder();
        for (String c : wanted) all.append(all.isEmpty() ? "" : " ").append('+').append(c);
        Path f = parent.resolve("cgroup.subtree_control");
        if (CgroupFs.tryWrite(f, all.toString()) == 0) return;
        // One at a time: some (e.g. cpuset in a threaded subtree) may be refused; the rest still work.
        for (String c : wanted) CgroupFs.tryWrite(f, "+" + c);
    }

    private static Set<String> words(String s) {
        Set<String> out = new LinkedHashSet<>();
        for (String w : s.trim().split("\\s+")) if (!w.isEmpty()) out.add(w);
        return out;
    }

    /**
     * Writes the resources. On the v2 side of a hybrid host only hugepageLimits and unified are
     * written here (the rest belongs to v1). Device rules become a BPF_CGROUP_DEVICE program
     * ({@link DeviceFilter}) attached to the directory, replacing the previous one.
     */
    @Override
    public void apply(Resources r) {
        if (r == null) return;
        if (full) {
            if (r.devices() != null) {
                List<DeviceRules.Rule> rules = new ArrayList<>();
                for (Resources.DeviceRule d : r.devices()) rules.add(DeviceRules.of(d));
                BpfDevices.apply(dir, DeviceRules.emulate(rules));
            }
            if (r.cpu() != null) applyCpu(r.cpu());
            if (r.memory() != null) applyMemory(r.memory());
            if (r.pids() != null) write("pids.max", r.pids().limit() > 0 ? Long.toString(r.pids().limit()) : "max");
            if (r.blockIO() != null) applyIo(r.blockIO());
            if (r.rdma() != null) for (var e : r.rdma().entrySet()) write("rdma.max", CgroupV1Manager.rdmaLine(e.getKey(), e.getValue()));
            if (r.network() != null && (r.network().classID() != null || (r.network().priorities() != null && !r.network().priorities().isEmpty()))) {
                throw new CgroupException("linux.resources.network (net_cls/net_prio) is not available on cgroup v2");
            }
        }
        if (r.hugepageLimits() != null) {
            for (Resources.HugepageLimit l : r.hugepageLimits()) {
                write("hugetlb." + l.pageSize() + ".max", Long.toString(l.limit()));
                Path rsvd = dir.resolve("hugetlb." + l.pageSize() + ".rsvd.max");
                if (Files.exists(rsvd)) CgroupFs.write(rsvd, Long.toString(l.limit()));
            }
        }
        if (r.unified() != null) {
            for (var e : r.unified().entrySet()) {
                String key = e.getKey();
                if (key.isEmpty() || key.contains("/") || key.startsWith(".") || !key.contains(".")) {
                    throw new CgroupException("invalid linux.resources.unified key \"" + key + "\"");
                }
                Path f = dir.resolve(key);
                int err = CgroupFs.tryWrite(f, e.getValue());
                if (err == Errno.ENOENT) {
                    throw new CgroupException("linux.resources.unified " + key + " can't be set: " + f
                            + " does not exist (controller \"" + key.substring(0, key.indexOf('.')) + "\" not available"
                            + (full ? "" : " in the cgroup2 hierarchy of this hybrid host") + ")", err, null);
                }
                if (err != 0) throw CgroupException.syscall("write", f.toString(), err, "value \"" + e.getValue() + "\"");
            }
        }
    }

    private void write(String file, String value) {
        CgroupFs.write(dir.resolve(file), value);
    }

    private void applyCpu(Resources.Cpu c) {
        if (c.realtimePeriod() != null && c.realtimePeriod() != 0 || c.realtimeRuntime() != null && c.realtimeRuntime() != 0) {
            throw new CgroupException("linux.resources.cpu.realtimeRuntime/realtimePeriod are not supported on cgroup v2");
        }
        if (c.shares() != null && c.shares() != 0) write("cpu.weight", Long.toString(Conversions.sharesToWeight(c.shares())));
        boolean quota = c.quota() != null && c.quota() != 0, period = c.period() != null && c.period() != 0;
        if (quota || period) {
            String q;
            if (quota) q = c.quota() > 0 ? Long.toString(c.quota()) : "max";
            else q = CgroupFiles.read(dir.resolve("cpu.max")).split("\\s+")[0]; // period only: keep the quota
            write("cpu.max", q + (period ? " " + c.period() : ""));
        }
        if (c.burst() != null) write("cpu.max.burst", Long.toString(c.burst()));
        if (c.idle() != null) write("cpu.idle", Long.toString(c.idle()));
        if (c.cpus() != null && !c.cpus().isEmpty()) write("cpuset.cpus", c.cpus());
        if (c.mems() != null && !c.mems().isEmpty()) write("cpuset.mems", c.mems());
    }

    private void applyMemory(Resources.Memory m) {
        long limit = m.limit() == null ? 0 : m.limit();
        long swap = Conversions.swapToV2(m.swap() == null ? 0 : m.swap(), limit);
        // Swap first: memory.max then never briefly allows more swap than asked (runc's order).
        if (swap != 0) {
            Path f = dir.resolve("memory.swap.max");
            if (!Files.exists(f)) {
                if (swap != -1) throw new CgroupException("linux.resources.memory.swap is set but " + f + " does not exist (no swap accounting)");
            } else CgroupFs.write(f, swap == -1 ? "max" : Long.toString(swap));
        }
        if (limit > 0 && Boolean.TRUE.equals(m.checkBeforeUpdate())) {
            // v2 would accept a limit below usage and OOM-kill at once; the spec asks to refuse instead.
            long usage = CgroupFiles.readLongOr0(dir.resolve("memory.current"));
            if (usage > limit) {
                throw new CgroupException("linux.resources.memory.limit " + limit + " is below the current usage " + usage
                        + " (" + dir.resolve("memory.current") + ") and checkBeforeUpdate is set");
            }
        }
        if (limit != 0) write("memory.max", limit == -1 ? "max" : Long.toString(limit));
        if (m.reservation() != null && m.reservation() != 0)
            write("memory.low", m.reservation() == -1 ? "max" : Long.toString(m.reservation()));
    }

    private void applyIo(Resources.BlockIO b) {
        boolean bfq = Files.exists(dir.resolve("io.bfq.weight"));
        if (b.weight() != null && b.weight() != 0) {
            if (bfq) write("io.bfq.weight", Integer.toString(b.weight()));
            else write("io.weight", Long.toString(Conversions.blkioWeightToIoWeight(b.weight())));
        }
        if (b.leafWeight() != null && b.leafWeight() != 0) {
            throw new CgroupException("linux.resources.blockIO.leafWeight is not supported on cgroup v2");
        }
        if (b.weightDevice() != null) {
            for (Resources.WeightDevice w : b.weightDevice()) {
                if (w.weight() == null) continue;
                if (bfq) write("io.bfq.weight", w.major() + ":" + w.minor() + " " + w.weight());
                else write("io.weight", w.major() + ":" + w.minor() + " " + Conversions.blkioWeightToIoWeight(w.weight()));
            }
        }
        ioMax("rbps", b.throttleReadBpsDevice());
        ioMax("wbps", b.throttleWriteBpsDevice());
        ioMax("riops", b.throttleReadIOPSDevice());
        ioMax("wiops", b.throttleWriteIOPSDevice());
    }

    private void ioMax(String key, List<Resources.ThrottleDevice> devs) {
        if (devs == null) return;
        for (Resources.ThrottleDevice t : devs) {
            write("io.max", t.major() + ":" + t.minor() + " " + key + "=" + (t.rate() == 0 ? "max" : Long.toString(t.rate())));
        }
    }

    @Override
    public void addProcess(long pid) {
        CgroupFiles.writePid(dir.resolve("cgroup.procs"), pid);
    }

    @Override
    public List<Path> procsFiles() { return List.of(dir.resolve("cgroup.procs")); }

    @Override
    public List<Long> pids() { return CgroupFiles.pidsRecursive(dir); }

    @Override
    public boolean exists() { return Files.isDirectory(dir); }

    @Override
    public void freeze() { setFrozen(true); }

    @Override
    public void thaw() { setFrozen(false); }

    private void setFrozen(boolean frozen) {
        write("cgroup.freeze", frozen ? "1" : "0");
        long deadline = System.nanoTime() + 10_000_000_000L;
        for (int i = 0; isFrozen() != frozen; i++) {
            if (System.nanoTime() > deadline) {
                if (frozen) write("cgroup.freeze", "0");
                throw new CgroupException((frozen ? "freeze " : "thaw ") + dir + ": cgroup.events did not report frozen "
                        + (frozen ? 1 : 0) + " within 10s");
            }
            CgroupFiles.sleep(i < 10 ? 1 : 10);
        }
    }

    @Override
    public boolean isFrozen() {
        if (!Files.isDirectory(dir)) return false;
        return CgroupFiles.readKeyed(dir.resolve("cgroup.events")).getOrDefault("frozen", 0L) == 1;
    }

    @Override
    public void killAll(int signal) {
        if (!exists()) return;
        Path kill = dir.resolve("cgroup.kill");
        if (signal == SIGKILL && Files.exists(kill)) {
            CgroupFs.write(kill, "1"); // atomic for the whole subtree, forks included
            return;
        }
        boolean wasFrozen = isFrozen(); // a paused container stays paused
        if (!wasFrozen) freeze();
        try {
            CgroupV1Manager.signalEach(pids(), signal);
        } finally {
            if (!wasFrozen) thaw();
        }
    }

    @Override
    public void destroy(boolean killStragglers) {
        if (killStragglers && exists()) {
            killAll(SIGKILL);
            for (int i = 0; i < 500 && CgroupFiles.readKeyed(dir.resolve("cgroup.events")).getOrDefault("populated", 0L) != 0; i++) {
                CgroupFiles.sleep(10);
            }
        }
        CgroupFiles.removeTree(dir);
    }

    @Override
    public CgroupStats stats() {
        return new CgroupStats(cpuStats(), cpusetStats(), memoryStats(), pidsStats(), ioStats(), hugetlbStats());
    }

    private CgroupStats.Cpu cpuStats() {
        Map<String, Long> s = CgroupFiles.readKeyed(dir.resolve("cpu.stat"));
        return new CgroupStats.Cpu(new CgroupStats.CpuUsage(s.getOrDefault("usage_usec", 0L) * 1000, List.of(), List.of(), List.of(),
                s.getOrDefault("system_usec", 0L) * 1000, s.getOrDefault("user_usec", 0L) * 1000),
                new CgroupStats.Throttling(s.getOrDefault("nr_periods", 0L), s.getOrDefault("nr_throttled", 0L),
                        s.getOrDefault("throttled_usec", 0L) * 1000));
    }

    private CgroupStats.CpuSet cpusetStats() {
        Path cpus = dir.resolve("cpuset.cpus.effective");
        if (!full || !Files.exists(cpus)) return CgroupStats.CpuSet.EMPTY;
        return new CgroupStats.CpuSet(CgroupFiles.parseCpuList(CgroupFiles.read(cpus)),
                CgroupFiles.parseCpuList(CgroupFiles.read(dir.resolve("cpuset.mems.effective"))), 0, 0, 0, 0, 0, 0, 0, 0, 0);
    }

    private CgroupStats.Memory memoryStats() {
        Map<String, Long> raw = CgroupFiles.readKeyed(dir.resolve("memory.stat"));
        Map<String, Long> events = CgroupFiles.readKeyed(dir.resolve("memory.events"));
        CgroupStats.MemoryEntry usage = new CgroupStats.MemoryEntry(CgroupFiles.readLongOr0(dir.resolve("memory.max")),
                CgroupFiles.readLongOr0(dir.resolve("memory.current")), CgroupFiles.readLongOr0(dir.resolve("memory.peak")),
                events.getOrDefault("max", 0L));
        CgroupStats.MemoryEntry swap = new CgroupStats.MemoryEntry(CgroupFiles.readLongOr0(dir.resolve("memory.swap.max")),
                CgroupFiles.readLongOr0(dir.resolve("memory.swap.current")), CgroupFiles.readLongOr0(dir.resolve("memory.swap.peak")),
                0);
        return new CgroupStats.Memory(raw.getOrDefault("file", 0L), usage, swap, CgroupStats.MemoryEntry.EMPTY,
                CgroupStats.MemoryEntry.EMPTY, raw, events.getOrDefault("oom_kill", 0L), false);
    }

    private CgroupStats.Pids pidsStats() {
        long max = CgroupFiles.readLongOr0(dir.resolve("pids.max"));
        return new CgroupStats.Pids(CgroupFiles.readLongOr0(dir.resolve("pids.current")), max < 0 ? 0 : max);
    }

    private CgroupStats.Blkio ioStats() {
        List<CgroupStats.BlkioEntry> bytes = new ArrayList<>(), ios = new ArrayList<>();
        Path f = dir.resolve("io.stat");
        if (Files.exists(f)) {
            for (String line : CgroupFiles.read(f).split("\n")) {
                String[] parts = line.trim().split("\\s+");
                if (parts.length < 2) continue;
                String[] mm = parts[0].split(":");
                long major = Long.parseLong(mm[0]), minor = Long.parseLong(mm[1]);
                for (int i = 1; i < parts.length; i++) {
                    String[] kv = parts[i].split("=");
                    if (kv.length != 2) continue;
                    long v = CgroupFiles.parseLong(kv[1]);
                    switch (kv[0]) {
                        case "rbytes" -> bytes.add(new CgroupStats.BlkioEntry(major, minor, "Read", v));
                        case "wbytes" -> bytes.add(new CgroupStats.BlkioEntry(major, minor, "Write", v));
                        case "rios" -> ios.add(new CgroupStats.BlkioEntry(major, minor, "Read", v));
                        case "wios" -> ios.add(new CgroupStats.BlkioEntry(major, minor, "Write", v));
                        default -> { }
                    }
                }
            }
        }
        return new CgroupStats.Blkio(bytes, ios);
    }

    Map<String, CgroupStats.Hugetlb> hugetlbStats() {
        Map<String, CgroupStats.Hugetlb> out = new LinkedHashMap<>();
        if (!Files.isDirectory(dir)) return out;
        for (String size : CgroupFiles.hugePageSizes()) {
            String p = "hugetlb." + size + ".";
            if (!Files.exists(dir.resolve(p + "current"))) continue;
            // v2 has no high-water mark: "max" (max usage) stays 0, as in runc.
            out.put(size, new CgroupStats.Hugetlb(CgroupFiles.readLongOr0(dir.resolve(p + "current")), 0,
                    CgroupFiles.readKeyed(dir.resolve(p + "events")).getOrDefault("max", 0L)));
        }
        return out;
    }
}
