package dev.hako.runtime.cgroups;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hako.oci.Json;
import dev.hako.oci.runtime.Resources;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The same linux.resources applied by runc (`runc create` of a busybox bundle) and by hako's
 * manager must leave the same values in the cgroup files and the same set of directories.
 */
class RuncCgroupInteropTest {
    static final List<String> FILES = List.of(
            "memory/memory.limit_in_bytes", "memory/memory.soft_limit_in_bytes", "memory/memory.memsw.limit_in_bytes",
            "memory/memory.swappiness", "memory/memory.oom_control", "cpu/cpu.shares", "cpu/cpu.cfs_quota_us",
            "cpu/cpu.cfs_period_us", "cpu/cpu.idle", "cpuset/cpuset.cpus", "cpuset/cpuset.mems", "pids/pids.max",
            "blkio/blkio.bfq.weight", "blkio/blkio.throttle.read_bps_device", "blkio/blkio.throttle.write_iops_device",
            "devices/devices.list", "freezer/freezer.state");

    static final String RESOURCES = """
            {"devices":[{"allow":false,"access":"rwm"},{"allow":true,"type":"c","major":4,"minor":64,"access":"rw"}],
             "memory":{"limit":67108864,"reservation":33554432,"swap":100663296,"swappiness":10,"disableOOMKiller":true},
             "cpu":{"shares":512,"quota":50000,"period":100000,"cpus":"0","mems":"0"},
             "pids":{"limit":42},
             "blockIO":{"weight":300,"throttleReadBpsDevice":[{"major":254,"minor":0,"rate":1048576}],
                        "throttleWriteIOPSDevice":[{"major":254,"minor":0,"rate":100}]}}
            """;

    @Test
    void sameFilesAsRunc(@TempDir Path tmp) throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/sbin/runc")) || Files.isExecutable(Path.of("/usr/bin/runc")), "runc not installed");
        CgroupLayout layout = CgroupLayout.detect();
        assumeTrue(layout.mode() != CgroupLayout.Mode.V2, "file list is for v1/hybrid hosts");
        String runcId = CgroupTestSupport.uniqueName();
        String hakoPath = "/" + CgroupTestSupport.uniqueName();
        Path bundle = tmp.resolve("bundle");
        Path state = tmp.resolve("runc-state");
        Files.createDirectories(bundle);
        // runc create only needs the init's executable: a two-file rootfs (the full busybox one takes ~10s here).
        Path bin = Files.createDirectories(bundle.resolve("rootfs/bin"));
        Path busybox = Files.exists(Path.of("/bin/busybox")) ? Path.of("/bin/busybox") : Path.of("/usr/bin/busybox");
        Files.copy(busybox, bin.resolve("busybox"));
        Files.createSymbolicLink(bin.resolve("sleep"), Path.of("busybox"));
        for (String d : List.of("proc", "sys", "dev", "tmp")) Files.createDirectories(bundle.resolve("rootfs").resolve(d));
        run(List.of("runc", "spec"), bundle);
        ObjectNode config = (ObjectNode) Json.mapper().readTree(bundle.resolve("config.json").toFile());
        ((ObjectNode) config.get("process")).put("terminal", false);
        ((ObjectNode) config.get("process")).putArray("args").add("sleep").add("1000");
        ObjectNode linux = (ObjectNode) config.get("linux");
        linux.put("cgroupsPath", "/" + runcId);
        linux.set("resources", Json.mapper().readTree(RESOURCES));
        Files.writeString(bundle.resolve("config.json"), Json.mapper().writeValueAsString(config));

        CgroupTestSupport t = new CgroupTestSupport();
        CgroupManager ours = t.track(CgroupManager.forLayout(layout, hakoPath));
        try {
            run(List.of("runc", "--root", state.toString(), "create", runcId), bundle);
            ours.create();
            ours.apply(CgroupManager.withEffectiveDevices(Json.parse(RESOURCES, Resources.class), null));

            Map<String, Object> theirs = snapshot("/" + runcId), mine = snapshot(hakoPath);
            assertThat(theirs).hasSize(FILES.size()); // every file compared exists
            assertThat(mine).isEqualTo(theirs);
            assertThat(dirsOf(hakoPath)).isEqualTo(dirsOf("/" + runcId));
        } finally {
            run(List.of("runc", "--root", state.toString(), "delete", "--force", runcId), null);
            t.close();
        }
        assertThat(dirsOf("/" + runcId)).isEmpty();
        assertThat(dirsOf(hakoPath)).isEmpty();
    }

    private static Map<String, Object> snapshot(String cgroup) throws Exception {
        Map<String, Object> out = new TreeMap<>();
        for (String f : FILES) {
            Path p = Path.of("/sys/fs/cgroup", f.substring(0, f.indexOf('/')), cgroup, f.substring(f.indexOf('/') + 1));
            if (!Files.exists(p)) continue;
            String v = Files.readString(p).trim();
            // devices.list order is insertion order, which legitimately differs: compare as a set.
            out.put(f, f.endsWith("devices.list") ? new TreeSet<>(Arrays.asList(v.split("\n"))) : v);
        }
        return out;
    }

    private static List<String> dirsOf(String cgroup) throws Exception {
        List<String> out = new ArrayList<>();
        try (var s = Files.list(Path.of("/sys/fs/cgroup"))) {
            for (Path h : s.sorted().toList()) if (Files.isDirectory(h.resolve(cgroup.substring(1)))) out.add(h.getFileName().toString());
        }
        return out;
    }

    // runc's container init inherits stdio; keep it off our pipes so create returns.
    private static void run(List<String> cmd, Path dir) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        if (dir != null) pb.directory(dir.toFile());
        Process p = pb.start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("%s finished", cmd).isTrue();
        assertThat(p.exitValue()).as("%s exit code", cmd).isZero();
    }
}
