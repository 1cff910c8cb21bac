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
 * cgroup v1 (cgroupfs driver): one directory per mounted hierarchy, values written with runc's
 * semantics. Kernel memory limits (linux.resources.memory.kernel) are ignored: kernels since 5.16
 * dropped kmem limiting (the file accepts and ignores writes) and runc ignores it too.
 */
public final class CgroupV1Manager implements CgroupManager {
    private final CgroupLayout layout;
    private final String path;
    private final Map<String, Path> dirs = new LinkedHashMap<>();    // controller → dir
    private final List<Path> hierarchyDirs = new ArrayList<>();      // one per hierarchy

    CgroupV1Manager(CgroupLayout layout, String path) {
        this.layout = layout;
        this.path = path;
        for (CgroupLayout.V1Hierarchy h : layout.v1()) {
            Path d = h.mountPoint().resolve(path.substring(1));
            hierarchyDirs.add(d);
            for (String c : h.controllers()) dirs.put(c, d);
        }
    }

    @Override public String path() { return path; }

    @Override public Map<String, Path> paths() { return Map.copyOf(dirs); }

    /** The directory for a v1 controller, or null when it is not mounted. */
    Path dir(String controller) { return dirs.get(controller); }

    private Path require(String controller, String what) {
        Path d = dirs.get(controller);
        if (d == null) throw new CgroupException(what + " is set but the " + controller + " cgroup controller is not mounted");
        return d;
    }

    @Override
    public void create() {
        for (CgroupLayout.V1Hierarchy h : layout.v1()) {
            if (h.controllers().contains("cpuset")) createCpuset(h.mountPoint());
            else CgroupFiles.mkdirs(h.mountPoint(), path);
        }
    }

    // A new cpuset cgroup starts with empty cpus/mems and refuses tasks; copy them down the chain.
    private void createCpuset(Path root) {
        Path parent = root;
        for (Path d : CgroupFiles.chain(root, path)) {
            int e = CgroupFs.mkdir(d);
            if (e != 0 && e != Errno.EEXIST) throw CgroupException.syscall("mkdir", d.toString(), e, null);
            for (String f : List.of("cpuset.cpus", "cpuset.mems")) {
                if (CgroupFiles.read(d.resolve(f)).isEmpty()) {
                    CgroupFs.write(d.resolve(f), CgroupFiles.read(parent.resolve(f)));
                }
            }
            parent = d;
        }
    }

    @Override
    public void apply(Resources r) {
        applyV1(r, false);
    }

    /** In hybrid mode hugetlb (when not a v1 controller) and unified are the v2 side's job. */
    void applyV1(Resources r, boolean hybrid) {
        if (r == null) return;
        if (r.cpu() != null) applyCpuset(r.cpu());
        if (r.devices() != null) applyDevices(r.devices());
        if (r.memory() != null) applyMemory(r.memory());
        if (r.cpu() != null) applyCpu(r.cpu());
        if (r.pids() != null) {
            CgroupFs.write(require("pids", "linux.resources.pids").resolve("pids.max"),
                    r.pids().limit() > 0 ? Long.toString(r.pids().limit()) : "max");
        }
        if (r.blockIO() != null) applyBlkio(r.blockIO());
        if (r.hugepageLimits() != null && !r.hugepageLimits().isEmpty() && !(hybrid && dir("hugetlb") == null)) {
            Path d = require("hugetlb", "linux.resources.hugepageLimits");
            for (Resources.HugepageLimit l : r.hugepageLimits()) {
                CgroupFs.write(d.resolve("hugetlb." + l.pageSize() + ".limit_in_bytes"), Long.toString(l.limit()));
                Path rsvd = d.resolve("hugetlb." + l.pageSize() + ".rsvd.limit_in_bytes");
                if (Files.exists(rsvd)) CgroupFs.write(rsvd, Long.toString(l.limit()));
            }
        }
        if (r.network() != null) {
            if (r.network().classID() != null) {
                CgroupFs.write(require("net_cls", "linux.resources.network.classID").resolve("net_cls.classid"),
                        Long.toString(r.network().classID()));
            }
            if (r.network().priorities() != null) {
                for (Resources.Priority p : r.network().priorities()) {
                    CgroupFs.write(require("net_prio", "linux.resources.network.priorities").resolve("net_prio.ifpriomap"),
                            p.name() + " " + p.priority());
                }
            }
        }
        if (r.rdma() != null && !r.rdma().isEmpty()) {
            Path d = require("rdma", "linux.resources.rdma");
            for (var e : r.rdma().entrySet()) CgroupFs.write(d.resolve("rdma.max"), rdmaLine(e.getKey(), e.getValue()));
        }
        if (!hybrid && r.unified() != null && !r.unified().isEmpty()) {
            throw new CgroupException("linux.resources.unified " + r.unified().keySet()
                    + " needs cgroup v2, but this host has only cgroup v1 hierarchies");
        }
    }

    static String rdmaLine(String device, Resources.Rdma r) {
        StringBuilder b = new StringBuilder(device);
        if (r.hcaHandles() != null) b.append(" hca_handle=").append(r.hcaHandles());
        if (r.hcaObjects() != null) b.append(" hca_object=").append(r.hcaObjects());
        return b.toString();
    }

    private void applyCpuset(Resources.Cpu c) {
        if (c.cpus() != null && !c.cpus().isEmpty())
            CgroupFs.write(require("cpuset", "linux.resources.cpu.cpus").resolve("cpuset.cpus"), c.cpus());
        if (c.mems() != null && !c.mems().isEmpty())
            CgroupFs.write(require("cpuset", "linux.resources.cpu.mems").resolve("cpuset.mems"), c.mems());
    }

    private void applyDevices(List<Resources.DeviceRule> rules) {
        List<DeviceRules.Rule> parsed = new ArrayList<>();
        for (Resources.DeviceRule r : rules) parsed.add(DeviceRules.of(r));
        DeviceRules.V1State target = DeviceRules.emulate(parsed);
        Path d = require("devices", "linux.resources.devices");
        // Unchanged (the usual `update`): write nothing, so running processes never see a deny-all blip.
        Set<String> current = new LinkedHashSet<>();
        for (String l : CgroupFiles.read(d.resolve("devices.list")).split("\n")) if (!l.isBlank()) current.add(l.trim());
        if (current.equals(target.listLines())) return;
        if (target.defaultAllow()) {
            CgroupFs.write(d.resolve("devices.allow"), "a");
            for (DeviceRules.Rule r : target.exceptions()) CgroupFs.write(d.resolve("devices.deny"), r.v1Line());
        } else {
            CgroupFs.write(d.resolve("devices.deny"), "a");
            for (DeviceRules.Rule r : target.exceptions()) CgroupFs.write(d.resolve("devices.allow"), r.v1Line());
        }
    }

    private void applyMemory(Resources.Memory m) {
        Path d = require("memory", "linux.resources.memory");
        long limit = m.limit() == null ? 0 : m.limit();
        long swap = m.swap() == null ? 0 : m.swap();
        if (limit == -1 && swap == 0) swap = -1; // "unlimited memory" means unlimited memory+swap too (runc)
        Path limitFile = d.resolve("memory.limit_in_bytes");
        Path memsw = d.resolve("memory.memsw.limit_in_bytes");
        boolean hasMemsw = Files.exists(memsw);
        if (swap != 0 && !hasMemsw && swap != -1 && swap != limit) {
            throw new CgroupException("linux.resources.memory.swap is set but " + memsw
                    + " does not exist (swap accounting is off; boot with swapaccount=1)");
        }
        if (limit != 0 && swap != 0 && hasMemsw) {
            // The kernel requires limit <= memsw at every moment: order the two writes accordingly.
            long cur = CgroupFiles.readLong(limitFile);
            if (swap == -1 || Long.compareUnsigned(cur, swap) < 0) {
                CgroupFs.write(memsw, Long.toString(swap));
                CgroupFs.write(limitFile, Long.toString(limit));
            } else {
                CgroupFs.write(limitFile, Long.toString(limit));
                CgroupFs.write(memsw, Long.toString(swap));
            }
        } else {
            if (limit != 0) CgroupFs.write(limitFile, Long.toString(limit));
            if (swap != 0 && hasMemsw) CgroupFs.write(memsw, Long.toString(swap));
        }
        if (m.reservation() != null && m.reservation() != 0)
            CgroupFs.write(d.resolve("memory.soft_limit_in_bytes"), Long.toString(m.reservation()));
        if (m.kernelTCP() != null && m.kernelTCP() != 0)
            CgroupFs.write(d.resolve("memory.kmem.tcp.limit_in_bytes"), Long.toString(m.kernelTCP()));
        if (Boolean.TRUE.equals(m.disableOOMKiller())) CgroupFs.write(d.resolve("memory.oom_control"), "1");
        if (m.swappiness() != null && m.swappiness() != -1) {
            if (m.swappiness() < 0 || m.swappiness() > 100) {
                throw new CgroupException("invalid linux.resources.memory.swappiness " + m.swappiness() + " (0..100)");
            }
            CgroupFs.write(d.resolve("memory.swappiness"), Long.toString(m.swappiness()));
        }
    }

    private void applyCpu(Resources.Cpu c) {
        boolean any = c.shares() != null || c.quota() != null || c.period() != null || c.burst() != null
                || c.realtimePeriod() != null || c.realtimeRuntime() != null || c.idle() != null;
        if (!any) return;
        Path d = require("cpu", "linux.resources.cpu");
        if (c.shares() != null && c.shares() != 0) {
            Path f = d.resolve("cpu.shares");
            CgroupFs.write(f, Long.toString(c.shares()));
            long got = CgroupFiles.readLong(f);
            if (got != c.shares()) {
                throw new CgroupException("linux.resources.cpu.shares " + c.shares() + " is out of range: the kernel set "
                        + got + " (" + (c.shares() > got ? "maximum" : "minimum") + " allowed is " + got + ")");
            }
        }
        Path period = d.resolve("cpu.cfs_period_us"), quota = d.resolve("cpu.cfs_quota_us");
        boolean quotaDone = false;
        if (c.period() != null && c.period() != 0) {
            int e = CgroupFs.tryWrite(period, Long.toString(c.period()));
            if (e == Errno.EINVAL && c.quota() != null && c.quota() != 0) {
                // The new period may be invalid only together with the old quota: quota first, then period.
                CgroupFs.write(quota, Long.toString(c.quota()));
                quotaDone = true;
                CgroupFs.write(period, Long.toString(c.period()));
            } else if (e != 0) {
                throw CgroupException.syscall("write", period.toString(), e, "value \"" + c.period() + "\"");
            }
        }
        if (!quotaDone && c.quota() != null && c.quota() != 0) CgroupFs.write(quota, Long.toString(c.quota()));
        if (c.burst() != null) CgroupFs.write(d.resolve("cpu.cfs_burst_us"), Long.toString(c.burst()));
        if (c.realtimePeriod() != null && c.realtimePeriod() != 0)
            CgroupFs.write(d.resolve("cpu.rt_period_us"), Long.toString(c.realtimePeriod()));
        if (c.realtimeRuntime() != null && c.realtimeRuntime() != 0)
            CgroupFs.write(d.resolve("cpu.rt_runtime_us"), Long.toString(c.realtimeRuntime()));
        if (c.idle() != null) CgroupFs.write(d.resolve("cpu.idle"), Long.toString(c.idle()));
    }

    private void applyBlkio(Resources.BlockIO b) {
        Path d = null;
        boolean any = b.weight() != null || b.leafWeight() != null || nonEmpty(b.weightDevice())
                || nonEmpty(b.throttleReadBpsDevice()) || nonEmpty(b.throttleWriteBpsDevice())
                || nonEmpty(b.throttleReadIOPSDevice()) || nonEmpty(b.throttleWriteIOPSDevice());
        if (!any) return;
        d = require("blkio", "linux.resources.blockIO");
        // CFQ (blkio.weight) is gone from current kernels; BFQ offers blkio.bfq.weight instead.
        String weightFile = Files.exists(d.resolve("blkio.weight")) ? "blkio.weight" : "blkio.bfq.weight";
        String weightDevFile = Files.exists(d.resolve("blkio.weight_device")) ? "blkio.weight_device" : "blkio.bfq.weight_device";
        if (b.weight() != null && b.weight() != 0) writeExisting(d.resolve(weightFile), Integer.toString(b.weight()), "blockIO.weight");
        if (b.leafWeight() != null && b.leafWeight() != 0)
            writeExisting(d.resolve("blkio.leaf_weight"), Integer.toString(b.leafWeight()), "blockIO.leafWeight");
        if (b.weightDevice() != null) {
            for (Resources.WeightDevice w : b.weightDevice()) {
                if (w.weight() != null) writeExisting(d.resolve(weightDevFile), w.major() + ":" + w.minor() + " " + w.weight(), "blockIO.weightDevice");
                if (w.leafWeight() != null)
                    writeExisting(d.resolve("blkio.leaf_weight_device"), w.major() + ":" + w.minor() + " " + w.leafWeight(), "blockIO.weightDevice.leafWeight");
            }
        }
        throttle(d.resolve("blkio.throttle.read_bps_device"), b.throttleReadBpsDevice());
        throttle(d.resolve("blkio.throttle.write_bps_device"), b.throttleWriteBpsDevice());
        throttle(d.resolve("blkio.throttle.read_iops_device"), b.throttleReadIOPSDevice());
        throttle(d.resolve("blkio.throttle.write_iops_device"), b.throttleWriteIOPSDevice());
    }

    private static void writeExisting(Path f, String value, String what) {
        if (!Files.exists(f)) throw new CgroupException("linux.resources." + what + " is not supported by this kernel (" + f + " does not exist)");
        CgroupFs.write(f, value);
    }

    private static void throttle(Path f, List<Resources.ThrottleDevice> devs) {
        if (devs == null) return;
        for (Resources.ThrottleDevice t : devs) CgroupFs.write(f, t.major() + ":" + t.minor() + " " + t.rate());
    }

    private static boolean nonEmpty(List<?> l) { return l != null && !l.isEmpty(); }

    @Override
    public void addProcess(long pid) {
        for (Path d : hierarchyDirs) CgroupFiles.writePid(d.resolve("cgroup.procs"), pid);
    }

    @Override
    public List<Path> procsFiles() {
        List<Path> out = new ArrayList<>();
        for (Path d : hierarchyDirs) out.add(d.resolve("cgroup.procs"));
        return out;
    }

    /** The hierarchy whose process list is authoritative: freezer (pause acts on it), else pids, else any. */
    Path primary() {
        for (String c : List.of("freezer", "pids", "memory", "cpu")) if (dirs.containsKey(c)) return dirs.get(c);
        return hierarchyDirs.getFirst();
    }

    @Override
    public List<Long> pids() { return CgroupFiles.pidsRecursive(primary()); }

    @Override
    public boolean exists() { return Files.isDirectory(primary()); }

    @Override
    public void freeze() {
        Path state = require("freezer", "freeze").resolve("freezer.state");
        // FREEZING can stick when a task is in an uninterruptible sleep; re-writing FROZEN retries
        // the stuck tasks, a THAWED/FROZEN cycle now and then unsticks the rest (as runc does).
        long deadline = System.nanoTime() + 10_000_000_000L;
        for (int i = 0; ; i++) {
            if (i % 50 == 49) {
                CgroupFs.write(state, "THAWED");
                CgroupFiles.sleep(10);
            }
            CgroupFs.write(state, "FROZEN");
            String s = CgroupFiles.read(state);
            if (s.equals("FROZEN")) return;
            if (System.nanoTime() > deadline) {
                CgroupFs.write(state, "THAWED");
                throw new CgroupException("freeze " + state + ": still " + s + " after 10s; thawed again");
            }
            CgroupFiles.sleep(i < 10 ? 1 : 10);
        }
    }

    @Override
    public void thaw() {
        Path state = require("freezer", "thaw").resolve("freezer.state");
        CgroupFs.write(state, "THAWED");
        for (int i = 0; i < 1000 && !CgroupFiles.read(state).equals("THAWED"); i++) CgroupFiles.sleep(1);
    }

    @Override
    public boolean isFrozen() {
        Path d = dirs.get("freezer");
        if (d == null || !Files.isDirectory(d)) return false;
        return CgroupFiles.read(d.resolve("freezer.state")).equals("FROZEN");
    }

    @Override
    public void killAll(int signal) {
        if (!exists()) return;
        boolean freezer = dirs.containsKey("freezer") && Files.isDirectory(dirs.get("freezer"));
        // Frozen while signalling so nothing forks past the list. A paused container stays paused,
        // except for SIGKILL: v1-frozen tasks cannot die until thawed.
        boolean wasFrozen = freezer && isFrozen();
        if (freezer && !wasFrozen) freeze();
        try {
            signalEach(pids(), signal);
        } finally {
            if (freezer && (!wasFrozen || signal == SIGKILL)) thaw();
        }
    }

    static void signalEach(List<Long> pids, int signal) {
        for (long pid : pids) {
            int e = CgroupFs.kill((int) pid, signal);
            if (e != 0 && e != Errno.ESRCH) throw CgroupException.syscall("kill", "pid " + pid, e, "signal " + signal);
        }
    }

    @Override
    public void destroy(boolean killStragglers) {
        if (killStragglers) {
            killAll(SIGKILL);
            waitEmpty(primary());
        }
        CgroupException first = null;
        for (Path d : hierarchyDirs) {
            try {
                CgroupFiles.removeTree(d);
            } catch (CgroupException e) {
                if (first == null) first = e;
            }
        }
        if (first != null) throw first;
    }

    static void waitEmpty(Path dir) {
        for (int i = 0; i < 500 && !CgroupFiles.pidsRecursive(dir).isEmpty(); i++) CgroupFiles.sleep(10);
    }

    @Override
    public CgroupStats stats() {
        return new CgroupStats(cpuStats(), cpusetStats(), memoryStats(), pidsStats(), blkioStats(), hugetlbStats());
    }

    private CgroupStats.Cpu cpuStats() {
        Path acct = dirs.get("cpuacct");
        long total = 0, kernel = 0, user = 0;
        List<Long> percpu = List.of(), percpuK = List.of(), percpuU = List.of();
        if (acct != null && Files.isDirectory(acct)) {
            total = CgroupFiles.readLongOr0(acct.resolve("cpuacct.usage"));
            percpu = CgroupFiles.parseLongs(CgroupFiles.read(acct.resolve("cpuacct.usage_percpu")));
            if (Files.exists(acct.resolve("cpuacct.usage_percpu_sys"))) {
                percpuK = CgroupFiles.parseLongs(CgroupFiles.read(acct.resolve("cpuacct.usage_percpu_sys")));
                percpuU = CgroupFiles.parseLongs(CgroupFiles.read(acct.resolve("cpuacct.usage_percpu_user")));
            }
            // cpuacct.stat is in USER_HZ ticks (100/s on Linux): 10ms each.
            Map<String, Long> st = CgroupFiles.readKeyed(acct.resolve("cpuacct.stat"));
            user = st.getOrDefault("user", 0L) * 10_000_000L;
            kernel = st.getOrDefault("system", 0L) * 10_000_000L;
        }
        Path cpu = dirs.get("cpu");
        Map<String, Long> cs = cpu != null ? CgroupFiles.readKeyed(cpu.resolve("cpu.stat")) : Map.of();
        return new CgroupStats.Cpu(new CgroupStats.CpuUsage(total, percpu, percpuK, percpuU, kernel, user),
                new CgroupStats.Throttling(cs.getOrDefault("nr_periods", 0L), cs.getOrDefault("nr_throttled", 0L),
                        cs.getOrDefault("throttled_time", 0L)));
    }

    private CgroupStats.CpuSet cpusetStats() {
        Path d = dirs.get("cpuset");
        if (d == null || !Files.isDirectory(d)) return CgroupStats.CpuSet.EMPTY;
        return new CgroupStats.CpuSet(
                CgroupFiles.parseCpuList(CgroupFiles.read(d.resolve("cpuset.cpus"))),
                CgroupFiles.parseCpuList(CgroupFiles.read(d.resolve("cpuset.mems"))),
                CgroupFiles.readLongOr0(d.resolve("cpuset.cpu_exclusive")),
                CgroupFiles.readLongOr0(d.resolve("cpuset.mem_hardwall")),
                CgroupFiles.readLongOr0(d.resolve("cpuset.mem_exclusive")),
                CgroupFiles.readLongOr0(d.resolve("cpuset.memory_migrate")),
                CgroupFiles.readLongOr0(d.resolve("cpuset.memory_spread_page")),
                CgroupFiles.readLongOr0(d.resolve("cpuset.memory_spread_slab")),
                CgroupFiles.readLongOr0(d.resolve("cpuset.memory_pressure")),
                CgroupFiles.readLongOr0(d.resolve("cpuset.sched_load_balance")),
                CgroupFiles.readLongOr0(d.resolve("cpuset.sched_relax_domain_level")));
    }

    private CgroupStats.Memory memoryStats() {
        Path d = dirs.get("memory");
        if (d == null || !Files.isDirectory(d)) {
            return new CgroupStats.Memory(0, CgroupStats.MemoryEntry.EMPTY, CgroupStats.MemoryEntry.EMPTY,
                    CgroupStats.MemoryEntry.EMPTY, CgroupStats.MemoryEntry.EMPTY, Map.of(), 0, false);
        }
        Map<String, Long> raw = CgroupFiles.readKeyed(d.resolve("memory.stat"));
        Map<String, Long> oom = CgroupFiles.readKeyed(d.resolve("memory.oom_control"));
        return new CgroupStats.Memory(raw.getOrDefault("cache", 0L), memEntry(d, "memory"), memEntry(d, "memory.memsw"),
                memEntry(d, "memory.kmem"), memEntry(d, "memory.kmem.tcp"), raw,
                oom.getOrDefault("oom_kill", 0L), oom.getOrDefault("under_oom", 0L) != 0);
    }

    private static CgroupStats.MemoryEntry memEntry(Path d, String prefix) {
        if (!Files.exists(d.resolve(prefix + ".usage_in_bytes"))) return CgroupStats.MemoryEntry.EMPTY;
        return new CgroupStats.MemoryEntry(CgroupFiles.readLongOr0(d.resolve(prefix + ".limit_in_bytes")),
                CgroupFiles.readLongOr0(d.resolve(prefix + ".usage_in_bytes")),
                CgroupFiles.readLongOr0(d.resolve(prefix + ".max_usage_in_bytes")),
                CgroupFiles.readLongOr0(d.resolve(prefix + ".failcnt")));
    }

    private CgroupStats.Pids pidsStats() {
        Path d = dirs.get("pids");
        if (d == null || !Files.isDirectory(d)) return new CgroupStats.Pids(0, 0);
        long max = CgroupFiles.readLong(d.resolve("pids.max"));
        return new CgroupStats.Pids(CgroupFiles.readLong(d.resolve("pids.current")), max < 0 ? 0 : max);
    }

    private CgroupStats.Blkio blkioStats() {
        Path d = dirs.get("blkio");
        if (d == null || !Files.isDirectory(d)) return new CgroupStats.Blkio(List.of(), List.of());
        // Same preference as runc: CFQ files, else BFQ, else the throttle layer's counters.
        for (String prefix : List.of("blkio.", "blkio.bfq.", "blkio.throttle.")) {
            Path bytes = d.resolve(prefix + "io_service_bytes_recursive");
            if (!Files.exists(bytes)) continue;
            List<CgroupStats.BlkioEntry> b = parseBlkio(CgroupFiles.read(bytes));
            List<CgroupStats.BlkioEntry> n = parseBlkio(CgroupFiles.read(d.resolve(prefix + "io_serviced_recursive")));
            if (!b.isEmpty() || !n.isEmpty() || prefix.equals("blkio.throttle.")) return new CgroupStats.Blkio(b, n);
        }
        return new CgroupStats.Blkio(List.of(), List.of());
    }

    /** "254:0 Read 4096" lines; the trailing "Total N" line has no device and is skipped. */
    static List<CgroupStats.BlkioEntry> parseBlkio(String text) {
        List<CgroupStats.BlkioEntry> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length != 3) continue;
            String[] mm = f[0].split(":");
            if (mm.length != 2) continue;
            out.add(new CgroupStats.BlkioEntry(Long.parseLong(mm[0]), Long.parseLong(mm[1]), f[1], CgroupFiles.parseLong(f[2])));
        }
        return out;
    }

    private Map<String, CgroupStats.Hugetlb> hugetlbStats() {
        Map<String, CgroupStats.Hugetlb> out = new LinkedHashMap<>();
        Path d = dirs.get("hugetlb");
        if (d == null || !Files.isDirectory(d)) return out;
        for (String size : CgroupFiles.hugePageSizes()) {
            String p = "hugetlb." + size + ".";
            out.put(size, new CgroupStats.Hugetlb(CgroupFiles.readLongOr0(d.resolve(p + "usage_in_bytes")),
                    CgroupFiles.readLongOr0(d.resolve(p + "max_usage_in_bytes")), CgroupFiles.readLongOr0(d.resolve(p + "failcnt"))));
        }
        return out;
    }
}
