package dev.hako.runtime.cgroups;

import dev.hako.oci.runtime.Linux;
import dev.hako.oci.runtime.Resources;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static dev.hako.runtime.cgroups.CgroupTestSupport.await;
import static dev.hako.runtime.cgroups.CgroupTestSupport.go;
import static dev.hako.runtime.cgroups.CgroupTestSupport.read;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The manager for this host's layout against the real kernel (this machine is hybrid: v1
 * controllers plus cgroup2 at /sys/fs/cgroup/unified holding hugetlb). Every test uses its own
 * top-level cgroup "/hako-test-cgroups-&lt;random&gt;" and removes it.
 */
class HostCgroupManagerTest {
    CgroupTestSupport t;
    CgroupLayout layout;
    String path;
    CgroupManager m;

    @BeforeEach
    void setUp() {
        t = new CgroupTestSupport();
        layout = CgroupLayout.detect();
        path = "/" + CgroupTestSupport.uniqueName();
        m = t.track(CgroupManager.forLayout(layout, path));
    }

    @AfterEach
    void tearDown() throws Exception {
        t.close();
        for (Path d : m.paths().values()) assertThat(d).doesNotExist();
    }

    private Path dir(String controller) {
        return m.paths().get(controller);
    }

    private static Resources resources(Resources.Memory mem, Resources.Cpu cpu, Resources.Pids pids) {
        return new Resources(null, mem, cpu, pids, null, null, null, null, null);
    }

    @Test
    void detectsThisHostsLayout() {
        assumeTrue(layout.mode() == CgroupLayout.Mode.HYBRID, "host is not hybrid");
        assertThat(m).isInstanceOf(HybridCgroupManager.class);
        assertThat(layout.v1Hierarchy("memory")).isPresent();
        assertThat(layout.v2OnlyControllers()).contains("hugetlb");
        assertThat(CgroupManager.features().hostMode()).isEqualTo(CgroupLayout.Mode.HYBRID);
    }

    @Test
    void createMakesEveryHierarchyDirAndCopiesCpuset() throws Exception {
        m.create();
        m.create(); // idempotent
        for (Path d : m.paths().values()) assertThat(d).isDirectory();
        assertThat(m.procsFiles()).allSatisfy(f -> assertThat(f).exists());
        Path cpuset = dir("cpuset");
        assertThat(read(cpuset.resolve("cpuset.cpus"))).isEqualTo(read(cpuset.getParent().resolve("cpuset.cpus"))).isNotEmpty();
        assertThat(read(cpuset.resolve("cpuset.mems"))).isNotEmpty();
        if (m instanceof HybridCgroupManager h) {
            // hugetlb exists only in cgroup2 here, so it must be enabled down to our directory
            assertThat(h.unifiedDir().resolve("hugetlb.2MB.max")).exists();
        }
    }

    @Test
    void limitsAreWrittenAndReadBack() throws Exception {
        m.create();
        var mem = new Resources.Memory(64L << 20, 32L << 20, 96L << 20, 1L << 20, null, 10L, true, null, null);
        var cpu = new Resources.Cpu(512L, 50_000L, 10_000L, 100_000L, null, null, "0", "0", 0L);
        var blk = new Resources.BlockIO(300, null, null,
                List.of(new Resources.ThrottleDevice(254, 0, 1_048_576)), null, null, List.of(new Resources.ThrottleDevice(254, 0, 100)));
        var r = new Resources(null, mem, cpu, new Resources.Pids(42), blk,
                List.of(new Resources.HugepageLimit("2MB", 4L << 21)), null, null, null);
        m.apply(r);
        Path memd = dir("memory");
        assertThat(read(memd.resolve("memory.limit_in_bytes"))).isEqualTo(Long.toString(64L << 20));
        assertThat(read(memd.resolve("memory.soft_limit_in_bytes"))).isEqualTo(Long.toString(32L << 20));
        assertThat(read(memd.resolve("memory.memsw.limit_in_bytes"))).isEqualTo(Long.toString(96L << 20));
        assertThat(read(memd.resolve("memory.swappiness"))).isEqualTo("10");
        assertThat(read(memd.resolve("memory.oom_control"))).contains("oom_kill_disable 1");
        Path cpud = dir("cpu");
        assertThat(read(cpud.resolve("cpu.shares"))).isEqualTo("512");
        assertThat(read(cpud.resolve("cpu.cfs_quota_us"))).isEqualTo("50000");
        assertThat(read(cpud.resolve("cpu.cfs_period_us"))).isEqualTo("100000");
        assertThat(read(cpud.resolve("cpu.cfs_burst_us"))).isEqualTo("10000");
        assertThat(read(cpud.resolve("cpu.idle"))).isEqualTo("0");
        assertThat(read(dir("cpuset").resolve("cpuset.cpus"))).isEqualTo("0");
        assertThat(read(dir("pids").resolve("pids.max"))).isEqualTo("42");
        Path blkd = dir("blkio");
        String weightFile = Files.exists(blkd.resolve("blkio.weight")) ? "blkio.weight" : "blkio.bfq.weight";
        assertThat(read(blkd.resolve(weightFile))).contains("300");
        assertThat(read(blkd.resolve("blkio.throttle.read_bps_device"))).isEqualTo("254:0 1048576");
        assertThat(read(blkd.resolve("blkio.throttle.write_iops_device"))).isEqualTo("254:0 100");
        if (m instanceof HybridCgroupManager h) {
            assertThat(read(h.unifiedDir().resolve("hugetlb.2MB.max"))).isEqualTo(Long.toString(4L << 21));
        }
        // Unlimited again: -1 memory means memory+swap unlimited too (runc semantics).
        m.apply(resources(new Resources.Memory(-1L, null, null, null, null, null, null, null, null), null, new Resources.Pids(0)));
        assertThat(Long.parseLong(read(memd.resolve("memory.limit_in_bytes")))).isGreaterThan(1L << 50);
        assertThat(Long.parseLong(read(memd.resolve("memory.memsw.limit_in_bytes")))).isGreaterThan(1L << 50);
        assertThat(read(dir("pids").resolve("pids.max"))).isEqualTo("max");
    }

    @Test
    void realtimeCpuBudget() throws Exception {
        assumeTrue(Files.exists(Path.of("/sys/fs/cgroup/cpu/cpu.rt_runtime_us")), "no RT group scheduling");
        m.create(); // a direct child of the root, which has RT budget to hand out
        m.apply(resources(null, new Resources.Cpu(null, null, null, null, 10_000L, 1_000_000L, null, null, null), null));
        assertThat(read(dir("cpu").resolve("cpu.rt_period_us"))).isEqualTo("1000000");
        assertThat(read(dir("cpu").resolve("cpu.rt_runtime_us"))).isEqualTo("10000");
    }

    @Test
    void kernelErrorsNameTheFileAndErrno() {
        m.create();
        // The kernel refuses a CFS quota below 1ms.
        assertThatThrownBy(() -> m.apply(resources(null, new Resources.Cpu(null, 500L, null, null, null, null, null, null, null), null)))
                .isInstanceOf(CgroupException.class)
                .hasMessageStartingWith("write " + dir("cpu").resolve("cpu.cfs_quota_us") + ": EINVAL")
                .satisfies(e -> assertThat(((CgroupException) e).errno()).isEqualTo(22));
        assertThatThrownBy(() -> m.apply(new Resources(null, null, null, null, null, null, null, null, Map.of("memory.high", "1M"))))
                .hasMessageContaining("memory.high").hasMessageContaining("not available");
        assertThatThrownBy(() -> m.apply(new Resources(null, null, null, null, null, null, new Resources.Network(7L, null), null, null)))
                .hasMessageContaining("net_cls");
    }

    @Test
    void unifiedOnAV1OnlyHostIsAnError() {
        CgroupManager v1only = CgroupManager.forLayout(new CgroupLayout(CgroupLayout.Mode.V1, layout.v1(), null, Set.of()), path);
        assertThat(v1only).isInstanceOf(CgroupV1Manager.class);
        assertThatThrownBy(() -> v1only.apply(new Resources(null, null, null, null, null, null, null, null, Map.of("pids.max", "3"))))
                .hasMessageContaining("needs cgroup v2");
    }

    @Test
    void unifiedKeysGoToTheCgroup2Side() throws Exception {
        assumeTrue(m instanceof HybridCgroupManager, "host is not hybrid");
        m.create();
        m.apply(new Resources(null, null, null, null, null, null, null, null, Map.of("cgroup.max.descendants", "3")));
        assertThat(read(((HybridCgroupManager) m).unifiedDir().resolve("cgroup.max.descendants"))).isEqualTo("3");
    }

    @Test
    void memoryHogIsOomKilled() throws Exception {
        m.create();
        // No swap on this host and memsw unset: memory.limit_in_bytes is the counter that trips.
        m.apply(resources(new Resources.Memory(16L << 20, null, null, null, null, null, null, null, null), null, null));
        Process p = t.start("exec dd if=/dev/zero of=/dev/null bs=64M count=1");
        m.addProcess(p.pid());
        go(p);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isEqualTo(128 + 9); // killed by SIGKILL
        assertThat(Long.parseLong(read(dir("memory").resolve("memory.failcnt")))).isPositive();
        assertThat(read(dir("memory").resolve("memory.oom_control"))).containsPattern("oom_kill [1-9]");
        assertThat(m.stats().memory().oomKill()).isPositive();
    }

    @Test
    void forkBombStopsAtPidsMax() throws Exception {
        m.create();
        m.apply(resources(null, null, new Resources.Pids(10)));
        Process p = t.start("while :; do sleep 100 & done");
        m.addProcess(p.pid());
        go(p);
        Path events = dir("pids").resolve("pids.events");
        await("pids.events max > 0", 30, () -> {
            try {
                return !read(events).equals("max 0");
            } catch (java.io.IOException e) {
                throw new RuntimeException(e);
            }
        });
        assertThat(Long.parseLong(read(dir("pids").resolve("pids.current")))).isLessThanOrEqualTo(10);
        assertThat(m.pids().size()).isLessThanOrEqualTo(10).isGreaterThan(1);
        assertThat(m.stats().pids().limit()).isEqualTo(10);
    }

    @Test
    void freezeStopsProgressAndThawResumes() throws Exception {
        Path counter = Files.createTempFile("hako-test-cgroups-", ".count");
        try {
            m.create();
            Process p = t.start("i=0; while :; do i=$((i+1)); echo $i > " + counter + "; done");
            m.addProcess(p.pid());
            go(p);
            await("counter runs", 10, () -> size(counter) > 0);
            m.freeze();
            assertThat(m.isFrozen()).isTrue();
            assertThat(read(dir("freezer").resolve("freezer.state"))).isEqualTo("FROZEN");
            String state = procState(p.pid());
            assertThat(state).isIn("D", "T", "t"); // frozen tasks show as D (TASK_FROZEN) on current kernels
            String before = Files.readString(counter);
            Thread.sleep(100);
            assertThat(Files.readString(counter)).isEqualTo(before);
            m.thaw();
            assertThat(m.isFrozen()).isFalse();
            await("counter resumes", 10, () -> {
                try {
                    return !Files.readString(counter).equals(before);
                } catch (java.io.IOException e) {
                    throw new RuntimeException(e);
                }
            });
        } finally {
            Files.deleteIfExists(counter);
        }
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (java.io.IOException e) {
            return 0;
        }
    }

    private static String procState(long pid) throws java.io.IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        return stat.substring(stat.lastIndexOf(')') + 2).split(" ")[0];
    }

    @Test
    void statsReflectUsage() throws Exception {
        m.create();
        m.apply(resources(new Resources.Memory(256L << 20, null, null, null, null, null, null, null, null), null, new Resources.Pids(100)));
        // Burn a little CPU, then hold 8 MiB of memory in a shell variable... simpler: a tmpfs-free cat pipeline.
        Process p = t.start("i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; x=$(head -c 8000000 /dev/zero | tr '\\0' a); sleep 1000");
        Process q = t.start("exec sleep 1000");
        m.addProcess(p.pid());
        m.addProcess(q.pid());
        go(p);
        go(q);
        await("cpu usage", 20, () -> m.stats().cpu().usage().total() > 50_000_000L);
        CgroupStats s = m.stats();
        assertThat(s.pids().current()).isGreaterThanOrEqualTo(2);
        assertThat(s.pids().limit()).isEqualTo(100);
        assertThat(s.memory().usage().usage()).isPositive();
        assertThat(s.memory().usage().limit()).isEqualTo(256L << 20);
        assertThat(s.memory().raw()).containsKey("rss");
        assertThat(s.cpu().usage().percpu()).isNotEmpty();
        assertThat(s.cpuset().cpus()).isNotEmpty();
        if (m instanceof HybridCgroupManager) assertThat(s.hugetlb()).containsKey("2MB");
        String json = dev.hako.oci.Json.write(s.runcJson());
        assertThat(json).contains("\"cpu\":{\"usage\":{\"total\":").contains("\"memory\":{").contains("\"pids\":{\"current\":");
    }

    @Test
    void updateWhileRunning() throws Exception {
        m.create();
        m.apply(resources(new Resources.Memory(64L << 20, null, 64L << 20, null, null, null, null, null, null),
                new Resources.Cpu(null, 20_000L, null, 100_000L, null, null, null, null, null), new Resources.Pids(20)));
        Process p = t.start("exec sleep 1000");
        m.addProcess(p.pid());
        go(p);
        // Raising memory above the current memsw needs memsw written first; lowering needs the opposite.
        m.apply(resources(new Resources.Memory(128L << 20, null, 256L << 20, null, null, null, null, null, null),
                new Resources.Cpu(null, 200_000L, null, 50_000L, null, null, null, null, null), new Resources.Pids(30)));
        assertThat(read(dir("memory").resolve("memory.limit_in_bytes"))).isEqualTo(Long.toString(128L << 20));
        assertThat(read(dir("memory").resolve("memory.memsw.limit_in_bytes"))).isEqualTo(Long.toString(256L << 20));
        assertThat(read(dir("cpu").resolve("cpu.cfs_quota_us"))).isEqualTo("200000");
        assertThat(read(dir("cpu").resolve("cpu.cfs_period_us"))).isEqualTo("50000");
        assertThat(read(dir("pids").resolve("pids.max"))).isEqualTo("30");
        m.apply(resources(new Resources.Memory(32L << 20, null, 32L << 20, null, null, null, null, null, null), null, null));
        assertThat(read(dir("memory").resolve("memory.limit_in_bytes"))).isEqualTo(Long.toString(32L << 20));
        assertThat(read(dir("memory").resolve("memory.memsw.limit_in_bytes"))).isEqualTo(Long.toString(32L << 20));
        assertThat(p.isAlive()).isTrue();
        assertThat(m.pids()).containsExactly(p.pid());
    }

    @Test
    void devicesAllowListIsWrittenAsRuncDoes() throws Exception {
        m.create();
        var spec = List.of(new Resources.DeviceRule(false, null, null, null, "rwm"));
        m.apply(CgroupManager.withEffectiveDevices(new Resources(spec, null, null, null, null, null, null, null, null),
                new Linux(null, null, null, null, List.of(new Linux.Device("c", "/dev/fuse", 10L, 229L, null, null, null)),
                        null, null, null, null, null, null, null, null, null, null)));
        String list = read(dir("devices").resolve("devices.list"));
        assertThat(list.lines()).contains("c 1:3 rwm", "c 136:* rwm", "c *:* m", "b *:* m", "c 10:229 rwm", "c 10:200 rwm")
                .doesNotContain("a *:* rwm");
        // Re-applying the same rules writes nothing (no deny-all blip for running processes); result unchanged.
        m.apply(CgroupManager.withEffectiveDevices(new Resources(spec, null, null, null, null, null, null, null, null),
                new Linux(null, null, null, null, List.of(new Linux.Device("c", "/dev/fuse", 10L, 229L, null, null, null)),
                        null, null, null, null, null, null, null, null, null, null)));
        assertThat(read(dir("devices").resolve("devices.list"))).isEqualTo(list);
    }

    @Test
    void devicesAreEnforced() throws Exception {
        assertThat(probeOutsideCgroup()).contains("null-ok", "zero-ok"); // so the denial below is the cgroup's doing
        m.create();
        // Only /dev/null: /dev/zero, readable everywhere else, must be refused inside.
        m.apply(new Resources(List.of(new Resources.DeviceRule(false, null, null, null, "rwm"),
                new Resources.DeviceRule(true, "c", 1L, 3L, "rwm")), null, null, null, null, null, null, null, null));
        assertThat(read(dir("devices").resolve("devices.list"))).isEqualTo("c 1:3 rwm");
        Path out = Files.createTempFile("hako-test-cgroups-", ".out");
        try {
            Process p = t.start(DEVICE_PROBE + " > " + out + " 2>&1");
            m.addProcess(p.pid());
            go(p);
            assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
            assertThat(Files.readString(out)).contains("null-ok").doesNotContain("zero-ok").contains("Operation not permitted");
        } finally {
            Files.deleteIfExists(out);
        }
    }

    static String probeOutsideCgroup() throws Exception {
        Process p = new ProcessBuilder("/bin/sh", "-c", DEVICE_PROBE).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        p.waitFor(10, TimeUnit.SECONDS);
        return out;
    }

    /** Writes to /dev/null and reads /dev/zero, printing what worked. */
    static final String DEVICE_PROBE = "(echo x > /dev/null && echo null-ok; head -c 1 /dev/zero >/dev/null && echo zero-ok)";

    @Test
    void killAllSignalsEveryProcessIncludingNestedCgroups() throws Exception {
        m.create();
        Process a = t.start("exec sleep 1000");
        Process b = t.start("exec sleep 1000");
        m.addProcess(a.pid());
        // A nested cgroup (e.g. made by a container that manages its own children) in the freezer hierarchy.
        Path nested = dir("freezer").resolve("child");
        Files.createDirectory(nested);
        CgroupFiles.writePid(nested.resolve("cgroup.procs"), b.pid());
        go(a);
        go(b);
        assertThat(m.pids()).containsExactlyInAnyOrder(a.pid(), b.pid());
        m.killAll(CgroupManager.SIGTERM);
        assertThat(a.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(b.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(a.exitValue()).isEqualTo(128 + 15);
        await("cgroup empty", 10, () -> m.pids().isEmpty());
        m.destroy(false);
        assertThat(nested).doesNotExist();
    }

    @Test
    void killingAPausedContainerKeepsItPausedExceptForSigkill() throws Exception {
        m.create();
        Process a = t.start("exec sleep 1000");
        Process b = t.start("exec sleep 1000");
        m.addProcess(a.pid());
        go(a);
        m.freeze();
        m.killAll(CgroupManager.SIGTERM);
        assertThat(m.isFrozen()).isTrue();
        assertThat(a.isAlive()).isTrue(); // the signal waits for the thaw
        m.thaw();
        assertThat(a.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(a.exitValue()).isEqualTo(128 + 15);
        m.addProcess(b.pid());
        go(b);
        m.freeze();
        m.killAll(CgroupManager.SIGKILL);
        assertThat(b.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(b.exitValue()).isEqualTo(128 + 9);
    }

    @Test
    void destroyKillsStragglersAndLeavesNoDirectory() throws Exception {
        m.create();
        Process p = t.start("sleep 1000 & sleep 1000 & wait");
        m.addProcess(p.pid());
        go(p);
        await("children forked", 10, () -> m.pids().size() == 3);
        assertThatThrownBy(() -> m.destroy(false)).isInstanceOf(CgroupException.class).hasMessageContaining("EBUSY");
        m.destroy(true);
        for (Path d : m.paths().values()) assertThat(d).doesNotExist();
        assertThat(m.exists()).isFalse();
        assertThat(m.pids()).isEmpty();
        m.destroy(true); // idempotent
    }

    @Test
    void forHostUsesTheDefaultParent() {
        String id = CgroupTestSupport.uniqueName();
        CgroupManager h = t.track(CgroupManager.forHost("", id));
        assertThat(h.path()).isEqualTo("/hako/" + id);
        h.create();
        assertThat(h.paths().get("memory")).isEqualTo(Path.of("/sys/fs/cgroup/memory/hako/" + id)).isDirectory();
        h.destroy(true);
        assertThat(h.paths().get("memory")).doesNotExist();
    }
}
