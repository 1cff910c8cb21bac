package dev.hako.runtime.cgroups;

import dev.hako.oci.runtime.Linux;
import dev.hako.oci.runtime.Resources;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Pure logic: path resolution, layout parsing, device-rule emulation, v2 conversions, stats JSON. */
class CgroupLogicTest {

    @Test
    void pathResolution() {
        assertThat(CgroupPath.resolve(null, "c1")).isEqualTo("/hako/c1");
        assertThat(CgroupPath.resolve("", "c1")).isEqualTo("/hako/c1");
        assertThat(CgroupPath.resolve("/machine/c1", "x")).isEqualTo("/machine/c1");
        assertThat(CgroupPath.resolve("pod/c1", "x")).isEqualTo("/hako/pod/c1");
        assertThat(CgroupPath.resolve("/a/../../b//c/.", "x")).isEqualTo("/b/c");
        assertThat(CgroupPath.resolve("../../../etc", "x")).isEqualTo("/etc"); // cannot climb above the root
        assertThatThrownBy(() -> CgroupPath.resolve("system.slice:hako:c1", "c1"))
                .isInstanceOf(CgroupException.class).hasMessageContaining("systemd cgroup driver is not supported");
        assertThatThrownBy(() -> CgroupPath.resolve("/", "c1")).hasMessageContaining("root cgroup");
        assertThatThrownBy(() -> CgroupPath.resolve("", "a/b")).hasMessageContaining("invalid container id");
    }

    static final String HYBRID_MOUNTINFO = """
            22 1 254:0 / / rw,relatime - ext4 /dev/vda rw
            30 22 0:26 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
            31 30 0:27 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
            32 30 0:28 / /sys/fs/cgroup/cpu,cpuacct rw,relatime shared:5 - cgroup cgroup rw,cpu,cpuacct
            33 30 0:29 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
            34 30 0:30 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd
            35 30 0:31 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
            36 22 0:29 / /tmp/x\\040y rw,relatime - cgroup cgroup rw,memory
            """;

    @Test
    void layoutParsing() {
        CgroupLayout l = CgroupLayout.parse(HYBRID_MOUNTINFO, p -> p.equals(Path.of("/sys/fs/cgroup/unified")) ? "hugetlb\n" : "");
        assertThat(l.mode()).isEqualTo(CgroupLayout.Mode.HYBRID);
        assertThat(l.unified()).isEqualTo(Path.of("/sys/fs/cgroup/unified"));
        assertThat(l.v2Controllers()).containsExactly("hugetlb");
        assertThat(l.v1Hierarchy("memory").orElseThrow().mountPoint()).isEqualTo(Path.of("/sys/fs/cgroup/memory"));
        assertThat(l.v1Hierarchy("cpuacct").orElseThrow().controllers()).containsExactlyInAnyOrder("cpu", "cpuacct");
        assertThat(l.v1Hierarchy("name=systemd")).isPresent();
        assertThat(l.v1()).hasSize(4); // duplicate memory mount elsewhere is not a new hierarchy
        assertThat(l.v2OnlyControllers()).containsExactly("hugetlb");

        CgroupLayout v2 = CgroupLayout.parse("40 22 0:33 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw,nsdelegate\n",
                p -> "cpuset cpu io memory pids");
        assertThat(v2.mode()).isEqualTo(CgroupLayout.Mode.V2);
        assertThat(v2.v2Controllers()).contains("memory", "pids");
        CgroupLayout v1 = CgroupLayout.parse("33 30 0:29 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n", p -> "");
        assertThat(v1.mode()).isEqualTo(CgroupLayout.Mode.V1);
        assertThatThrownBy(() -> CgroupLayout.parse("22 1 254:0 / / rw - ext4 /dev/vda rw\n", p -> ""))
                .hasMessageContaining("no cgroup filesystem");
    }

    @Test
    void deviceRulesDockerStyleBecomeAnAllowList() {
        List<Resources.DeviceRule> spec = List.of(new Resources.DeviceRule(false, null, null, null, "rwm"),
                new Resources.DeviceRule(true, "c", 4L, 64L, "rw"));
        List<Linux.Device> devs = List.of(new Linux.Device("c", "/dev/fuse", 10L, 229L, 0666, 0, 0));
        var rules = DeviceRules.effective(spec, devs);
        var state = DeviceRules.emulate(rules);
        assertThat(state.defaultAllow()).isFalse();
        assertThat(state.listLines()).contains("c 4:64 rw", "c 10:229 rwm", "c 1:3 rwm", "c *:* m", "b *:* m", "c 136:* rwm")
                .doesNotContain("a *:* rwm");
    }

    @Test
    void deviceRulesEmulateKernelSemantics() {
        // default allow; deny 1:3 w; then allow it back partially; "a" resets everything.
        var s = DeviceRules.emulate(List.of(new DeviceRules.Rule('c', 1, 3, "rw", false),
                new DeviceRules.Rule('c', 1, 3, "w", true), new DeviceRules.Rule('b', 8, -1, "mwr", false)));
        assertThat(s.defaultAllow()).isTrue();
        assertThat(s.exceptions()).extracting(DeviceRules.Rule::v1Line).containsExactly("c 1:3 r", "b 8:* rwm");
        var reset = DeviceRules.emulate(List.of(new DeviceRules.Rule('c', 1, 3, "rw", false), new DeviceRules.Rule('a', -1, -1, "rwm", true)));
        assertThat(reset.exceptions()).isEmpty();
        assertThat(reset.listLines()).containsExactly("a *:* rwm");
        assertThatThrownBy(() -> DeviceRules.normalizeAccess("rx")).hasMessageContaining("invalid device access");
        assertThat(DeviceRules.normalizeAccess("mr")).isEqualTo("rm");
    }

    @Test
    void v2Conversions() {
        assertThat(Conversions.sharesToWeight(0)).isZero();
        assertThat(Conversions.sharesToWeight(2)).isEqualTo(1);
        assertThat(Conversions.sharesToWeight(1024)).isEqualTo(100);
        assertThat(Conversions.sharesToWeight(262144)).isEqualTo(10000);
        assertThat(Conversions.sharesToWeight(512)).isBetween(30L, 60L);
        assertThat(Conversions.swapToV2(0, -1)).isEqualTo(-1);
        assertThat(Conversions.swapToV2(-1, 100)).isEqualTo(-1);
        assertThat(Conversions.swapToV2(0, 100)).isZero();
        assertThat(Conversions.swapToV2(300, 100)).isEqualTo(200);
        assertThatThrownBy(() -> Conversions.swapToV2(50, 100)).hasMessageContaining("below the memory limit");
        assertThatThrownBy(() -> Conversions.swapToV2(50, 0)).hasMessageContaining("needs a memory limit");
        assertThat(Conversions.blkioWeightToIoWeight(10)).isEqualTo(1);
        assertThat(Conversions.blkioWeightToIoWeight(1000)).isEqualTo(10000);
        assertThat(Conversions.blkioWeightToIoWeight(500)).isEqualTo(1 + 490L * 9999 / 990);
    }

    @Test
    void parsers() {
        assertThat(CgroupV1Manager.parseBlkio("254:0 Read 4096\n254:0 Write 8192\n254:0 Total 12288\nTotal 12288\n"))
                .containsExactly(new CgroupStats.BlkioEntry(254, 0, "Read", 4096), new CgroupStats.BlkioEntry(254, 0, "Write", 8192),
                        new CgroupStats.BlkioEntry(254, 0, "Total", 12288));
        assertThat(CgroupFiles.parseCpuList("0-2,5,7-8")).containsExactly(0, 1, 2, 5, 7, 8);
        assertThat(CgroupFiles.parseLong("max")).isEqualTo(-1);
        assertThat(CgroupFiles.parseLong("18446744073709551615")).isEqualTo(-1);
        assertThat(CgroupFiles.hugePageName(2048 * 1024)).isEqualTo("2MB");
        assertThat(CgroupFiles.hugePageName(1L << 30)).isEqualTo("1GB");
        assertThat(CgroupFiles.hugePageName(64 * 1024)).isEqualTo("64KB");
        assertThat(CgroupV1Manager.rdmaLine("mlx4_0", new Resources.Rdma(2L, null))).isEqualTo("mlx4_0 hca_handle=2");
    }

    @Test
    void statsJsonHasRuncShape() {
        var s = new CgroupStats(
                new CgroupStats.Cpu(new CgroupStats.CpuUsage(100, List.of(60L, 40L), List.of(), List.of(), 0, 0),
                        new CgroupStats.Throttling(0, 0, 0)),
                CgroupStats.CpuSet.EMPTY,
                new CgroupStats.Memory(0, new CgroupStats.MemoryEntry(-1, 5, 0, 0), CgroupStats.MemoryEntry.EMPTY,
                        CgroupStats.MemoryEntry.EMPTY, CgroupStats.MemoryEntry.EMPTY, Map.of("rss", 5L), 0, false),
                new CgroupStats.Pids(3, 0), new CgroupStats.Blkio(List.of(), List.of()),
                Map.of("2MB", new CgroupStats.Hugetlb(0, 0, 1)));
        String json = dev.hako.oci.Json.write(s.runcJson());
        assertThat(json).contains("\"cpu\":{\"usage\":{\"total\":100,\"percpu\":[60,40],\"kernel\":0,\"user\":0},\"throttling\":{}}")
                .contains("\"usage\":{\"limit\":18446744073709551615,\"usage\":5,\"failcnt\":0}")
                .contains("\"pids\":{\"current\":3}")
                .contains("\"hugetlb\":{\"2MB\":{\"failcnt\":1}}")
                .contains("\"blkio\":{}");
        assertThat(Set.copyOf(s.runcJson().keySet())).contains("cpu", "cpuset", "memory", "pids", "blkio", "hugetlb");
    }
}
