package dev.hako.runtime.cgroups;

import dev.hako.oci.runtime.Resources;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static dev.hako.runtime.cgroups.CgroupTestSupport.await;
import static dev.hako.runtime.cgroups.CgroupTestSupport.go;
import static dev.hako.runtime.cgroups.CgroupTestSupport.read;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The pure-v2 manager against the host's real cgroup2 mount. On this hybrid machine that mount
 * (/sys/fs/cgroup/unified) has only hugetlb, but the core v2 interface (cgroup.procs,
 * cgroup.freeze, cgroup.kill, cgroup.events, cpu.stat) is all there, so the v2 code paths for
 * create, join, freeze, kill, stats and destroy run for real.
 */
class CgroupV2ManagerTest {
    CgroupTestSupport t;
    CgroupV2Manager m;
    Path dir;

    @BeforeEach
    void setUp() {
        CgroupLayout host = CgroupLayout.detect();
        assumeTrue(host.unified() != null, "no cgroup2 mount");
        CgroupLayout v2 = new CgroupLayout(CgroupLayout.Mode.V2, List.of(), host.unified(), host.v2Controllers());
        t = new CgroupTestSupport();
        m = (CgroupV2Manager) t.track(CgroupManager.forLayout(v2, "/" + CgroupTestSupport.uniqueName() + "/ctr"));
        dir = m.paths().get("");
    }

    @AfterEach
    void tearDown() throws Exception {
        if (t == null) return;
        t.close();
        assertThat(dir).doesNotExist();
        Files.deleteIfExists(dir.getParent()); // the test's own parent level
    }

    @Test
    void createEnablesControllersDownThePath() throws Exception {
        m.create();
        assertThat(dir).isDirectory();
        for (String c : CgroupLayout.detect().v2Controllers()) {
            assertThat(read(dir.getParent().resolve("cgroup.subtree_control"))).contains(c);
        }
        if (CgroupLayout.detect().v2Controllers().contains("hugetlb")) {
            m.apply(new Resources(null, null, null, null, null, List.of(new Resources.HugepageLimit("2MB", 2L << 21)), null, null, null));
            assertThat(read(dir.resolve("hugetlb.2MB.max"))).isEqualTo(Long.toString(2L << 21));
        }
    }

    @Test
    void missingControllerFileIsNamedWithErrno() {
        m.create();
        assumeTrue(!Files.exists(dir.resolve("memory.max")), "memory controller is enabled here");
        assertThatThrownBy(() -> m.apply(new Resources(null,
                new Resources.Memory(1L << 24, null, null, null, null, null, null, null, null), null, null, null, null, null, null, null)))
                .isInstanceOf(CgroupException.class)
                .hasMessageStartingWith("write " + dir.resolve("memory.max") + ": ENOENT");
        assertThatThrownBy(() -> m.apply(new Resources(null, null,
                new Resources.Cpu(null, null, null, null, 1000L, 10000L, null, null, null), null, null, null, null, null, null)))
                .hasMessageContaining("realtime");
    }

    @Test
    void joinFreezeThawKillAndDestroy() throws Exception {
        Path counter = Files.createTempFile("hako-test-cgroups-", ".count");
        try {
            m.create();
            Process p = t.start("i=0; while :; do i=$((i+1)); echo $i > " + counter + "; done");
            Process q = t.start("exec sleep 1000");
            m.addProcess(p.pid());
            m.addProcess(q.pid());
            go(p);
            go(q);
            assertThat(m.pids()).containsExactlyInAnyOrder(p.pid(), q.pid());
            await("counter runs", 10, () -> {
                try {
                    return Files.size(counter) > 0;
                } catch (java.io.IOException e) {
                    return false;
                }
            });
            m.freeze();
            assertThat(m.isFrozen()).isTrue();
            assertThat(read(dir.resolve("cgroup.events"))).contains("frozen 1");
            String before = Files.readString(counter);
            Thread.sleep(100);
            assertThat(Files.readString(counter)).isEqualTo(before);
            m.thaw();
            assertThat(m.isFrozen()).isFalse();
            await("counter resumes", 10, () -> {
                try {
                    return !Files.readString(counter).equals(before);
                } catch (java.io.IOException e) {
                    return false;
                }
            });
            CgroupStats s = m.stats();
            assertThat(s.cpu().usage().total()).isPositive();
            m.killAll(CgroupManager.SIGTERM); // freeze, signal each, thaw
            assertThat(q.waitFor(10, TimeUnit.SECONDS)).isTrue();
            assertThat(q.exitValue()).isEqualTo(128 + 15);
            assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
            m.destroy(false);
            assertThat(dir).doesNotExist();
        } finally {
            Files.deleteIfExists(counter);
        }
    }

    @Test
    void deviceRulesAreEnforcedWithEbpf() throws Exception {
        m.create();
        // Only /dev/null: /dev/zero, readable everywhere else, must be refused inside.
        Resources r = new Resources(List.of(new Resources.DeviceRule(false, null, null, null, "rwm"),
                new Resources.DeviceRule(true, "c", 1L, 3L, "rwm")), null, null, null, null, null, null, null, null);
        m.apply(r);
        m.apply(r); // update: the old program is replaced, not stacked
        assertThat(BpfDevices.attachedIds(dir)).hasSize(1);
        Path out = Files.createTempFile("hako-test-cgroups-", ".out");
        try {
            Process p = t.start(HostCgroupManagerTest.DEVICE_PROBE + " > " + out + " 2>&1");
            m.addProcess(p.pid());
            go(p);
            assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
            assertThat(Files.readString(out)).contains("null-ok").doesNotContain("zero-ok").contains("Operation not permitted");
            // Allow everything again: the replacement program lets /dev/zero through.
            m.apply(CgroupManager.withEffectiveDevices(new Resources(null, null, null, null, null, null, null, null, null), null));
            Process q = t.start(HostCgroupManagerTest.DEVICE_PROBE + " > " + out + " 2>&1");
            m.addProcess(q.pid());
            go(q);
            assertThat(q.waitFor(10, TimeUnit.SECONDS)).isTrue();
            assertThat(Files.readString(out)).contains("null-ok", "zero-ok");
            assertThat(BpfDevices.attachedIds(dir)).hasSize(1);
        } finally {
            Files.deleteIfExists(out);
        }
    }

    @Test
    void sigkillUsesCgroupKillForTheWholeSubtree() throws Exception {
        m.create();
        Process p = t.start("sleep 1000 & sleep 1000 & wait");
        m.addProcess(p.pid());
        go(p);
        await("children forked", 10, () -> m.pids().size() == 3);
        m.killAll(CgroupManager.SIGKILL);
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isEqualTo(128 + 9);
        await("cgroup empty", 10, () -> m.pids().isEmpty());
        m.destroy(false);
        assertThat(dir).doesNotExist();
    }
}
