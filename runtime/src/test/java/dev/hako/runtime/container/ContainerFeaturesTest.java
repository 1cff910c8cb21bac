package dev.hako.runtime.container;

import dev.hako.oci.runtime.IdMapping;
import dev.hako.oci.runtime.Linux;
import dev.hako.oci.runtime.Process;
import dev.hako.oci.runtime.Root;
import dev.hako.oci.runtime.Spec;
import dev.hako.runtime.config.DefaultSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** What the config asks for is what a process inside the container sees. */
class ContainerFeaturesTest {
    @TempDir static Path shared;
    static Fixture fx;

    @TempDir Path root;
    Runtime rt;
    final List<String> warnings = new ArrayList<>();
    final List<String> ids = new ArrayList<>();

    @BeforeAll
    static void rootfs() throws Exception { fx = new Fixture(shared); }

    @BeforeEach
    void runtime() { rt = new Runtime(root.resolve("state"), warnings::add); }

    @AfterEach
    void cleanup() {
        for (String id : ids) {
            try { rt.delete(id, true); } catch (RuntimeException ignored) { }
        }
    }

    static final String PROBE = String.join("\n",
            "echo host=$(hostname)",
            "echo pid=$$",
            "echo pidns=$(readlink /proc/self/ns/pid)",
            "echo netns=$(readlink /proc/self/ns/net)",
            "grep -E '^Cap(Inh|Prm|Eff|Bnd|Amb)' /proc/self/status | tr -d '\\t' | sed 's/:/=/'",
            "echo nofile=$(ulimit -n)",
            "echo shmmax=$(cat /proc/sys/kernel/shmmax)",
            "echo keys=$(cat /proc/keys | wc -c)",
            "echo timerlist=$(cat /proc/timer_list | wc -c)",
            "echo firmware=$(ls /sys/firmware | wc -l)",
            "if echo h 2>/dev/null > /proc/sysrq-trigger; then echo sysrq=writable; else echo sysrq=readonly; fi",
            "if touch /probe 2>/dev/null; then echo root=rw; else echo root=ro; fi",
            "echo null=$(ls -ln /dev/null | awk '{print $1, $3, $4, $5, $6}')",
            "echo fuse=$(ls -ln /dev/fuse | awk '{print $1, $5, $6}')",
            "echo ptmx=$(readlink /dev/ptmx)",
            "echo fd=$(readlink /dev/fd)",
            "echo cgroups=$(ls /sys/fs/cgroup | tr '\\n' ' ')",
            "echo cgmem=$(grep ' /sys/fs/cgroup/memory ' /proc/mounts | awk '{print $3, substr($4, 1, 2)}')",
            "echo cgself=$(grep memory /proc/self/cgroup | cut -d: -f3)",
            "echo cglimit=$(cat /sys/fs/cgroup/memory/memory.limit_in_bytes)",
            "echo arch=$(uname -m)",
            "echo oom=$(cat /proc/self/oom_score_adj)",
            "echo nnp=$(grep NoNewPrivs /proc/self/status | tr -d '\t' | cut -d: -f2)",
            "echo uptime=$(cut -d. -f1 /proc/uptime)",
            "echo ids=$(id -u):$(id -g):$(id -G | tr ' ' ','):$(umask)",
            "echo uidmap=$(cat /proc/self/uid_map | tr -s ' ' | sed 's/^ //')",
            "echo uid=$(id -u)",
            "echo owner=$(stat -c %u /bin/busybox)",
            "echo idm=$(stat -c %u /home/rootfs 2>/dev/null)",
            "grep -E ' /(proc|sys|dev|dev/pts|dev/shm|dev/mqueue) ' /proc/mounts | awk '{print \"mount\" $2 \"=\" $3 \" \" $4}'",
            "exit 0");

    Map<String, String> probe(Spec spec) throws Exception {
        String id = Fixture.id();
        ids.add(id);
        Path bundle = fx.bundle(id, spec);
        String out;
        try (var o = new Fixture.Output()) {
            int code = rt.run(id, bundle, CreateOptions.defaults().withStdio(o.stdio()), false, false);
            out = o.read();
            assertThat(code).as(out).isZero();
        }
        Map<String, String> m = new LinkedHashMap<>();
        for (String line : out.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) m.put(line.substring(0, eq), line.substring(eq + 1).strip());
        }
        return m;
    }

    static Spec defaults() {
        Spec s = Fixture.spec(fx.rootfs, "sh", "-c", PROBE);
        Linux l = s.linux();
        var resources = new dev.hako.oci.runtime.Resources(l.resources().devices(),
                new dev.hako.oci.runtime.Resources.Memory(64L << 20, null, null, null, null, null, null, null, null),
                null, null, null, null, null, null, null);
        var linux = new Linux(l.namespaces(), null, null, null,
                List.of(new Linux.Device("c", "/dev/fuse", 10L, 229L, 0600, 0, 0)), l.cgroupsPath(), resources, null,
                null, Map.of("kernel.shmmax", "65536"), l.maskedPaths(), l.readonlyPaths(), null,
                new Linux.Personality("LINUX32", null), null);
        Process p = s.process();
        p = new Process(false, null, p.user(), p.args(), null, p.env(), p.cwd(), p.capabilities(), p.rlimits(), true,
                null, 500, null, null, null, null);
        return new Spec(s.ociVersion(), p, s.root(), "hako-h2", null, s.mounts(), null, null, linux);
    }

    @Test
    void defaultContainerSeesWhatTheConfigSays() throws Exception {
        var m = probe(defaults());
        assertThat(m).containsEntry("host", "hako-h2").containsEntry("pid", "1");
        assertThat(m.get("pidns")).isNotEqualTo(Files.readSymbolicLink(Path.of("/proc/self/ns/pid")).toString());
        assertThat(m.get("netns")).isNotEqualTo(Files.readSymbolicLink(Path.of("/proc/self/ns/net")).toString());
        // CAP_AUDIT_WRITE, CAP_KILL, CAP_NET_BIND_SERVICE; never anything inheritable
        assertThat(m).containsEntry("CapEff", "0000000020000420").containsEntry("CapPrm", "0000000020000420")
                .containsEntry("CapBnd", "0000000020000420").containsEntry("CapInh", "0000000000000000")
                .containsEntry("CapAmb", "0000000000000000");
        assertThat(m).containsEntry("nofile", "1024").containsEntry("shmmax", "65536");
        // masked files read empty (on the host they are not: /proc/timer_list is never empty)
        assertThat(Files.size(Path.of("/proc/timer_list")) >= 0 && !Files.readString(Path.of("/proc/timer_list")).isEmpty()).isTrue();
        assertThat(m).containsEntry("keys", "0").containsEntry("timerlist", "0").containsEntry("firmware", "0")
                .containsEntry("sysrq", "readonly");
        assertThat(m).containsEntry("root", "ro");
        assertThat(m).containsEntry("null", "crw-rw-rw- 0 0 1, 3").containsEntry("fuse", "crw------- 10, 229");
        assertThat(m).containsEntry("ptmx", "pts/ptmx").containsEntry("fd", "/proc/self/fd");
        assertThat(m.get("cgroups")).contains("memory").contains("cpu");
        // without a cgroup namespace: the container's own cgroup dir bound read-only at the hierarchy's place
        assertThat(m.get("cgmem")).isEqualTo("cgroup ro");
        assertThat(m.get("cglimit")).isEqualTo("67108864");
        assertThat(m.get("mount/proc")).startsWith("proc rw");
        assertThat(m.get("mount/sys")).startsWith("sysfs ro");
        assertThat(m.get("mount/dev")).startsWith("tmpfs rw").contains("nosuid");
        assertThat(m.get("mount/dev/pts")).startsWith("devpts rw").contains("gid=5").contains("mode=620");
        assertThat(m.get("mount/dev/shm")).startsWith("tmpfs rw").contains("nodev").contains("noexec");
        assertThat(m.get("mount/dev/mqueue")).startsWith("mqueue rw");
        assertThat(m.get("uidmap")).isEqualTo("0 0 4294967295");
        assertThat(m).containsEntry("arch", "i686").containsEntry("oom", "500").containsEntry("nnp", "1");
        assertThat(m).containsEntry("ids", "0:0:0:0022");
    }

    @Test
    void userGroupsUmaskAndTimeNamespace() throws Exception {
        Spec s = defaults();
        Linux l = s.linux();
        var ns = new ArrayList<>(l.namespaces());
        ns.add(new Linux.Namespace("time", null));
        var linux = new Linux(ns, null, null, Map.of("boottime", new Linux.TimeOffset(10_000_000, 0)), null, null,
                l.resources(), null, null, null, l.maskedPaths(), l.readonlyPaths(), null, null, null);
        Process p = s.process();
        p = new Process(false, null, new Process.User(1000, 1001, 077, List.of(10, 20), null), p.args(), null, p.env(),
                "/", p.capabilities(), p.rlimits(), true, null, null, null, null, null, null);
        var m = probe(new Spec(s.ociVersion(), p, s.root(), "time", null, s.mounts(), null, null, linux));
        assertThat(m).containsEntry("ids", "1000:1001:1001,10,20:0077");
        // non-root without ambient capabilities loses them at execve, as with runc
        assertThat(m).containsEntry("CapEff", "0000000000000000").containsEntry("CapBnd", "0000000020000420");
        assertThat(Long.parseLong(m.get("uptime"))).isGreaterThan(10_000_000L);
    }

    @Test
    void cgroupNamespaceGetsFreshCgroupMounts() throws Exception {
        Spec s = defaults();
        Linux l = s.linux();
        var ns = new ArrayList<>(l.namespaces());
        ns.add(new Linux.Namespace("cgroup", null));
        var linux = new Linux(ns, null, null, null, null, null, l.resources(), null, null, null, l.maskedPaths(),
                l.readonlyPaths(), null, null, null);
        var m = probe(new Spec(s.ociVersion(), s.process(), s.root(), "cgns", null, s.mounts(), null, null, linux));
        assertThat(m).containsEntry("cgself", "/").containsEntry("cgmem", "cgroup ro");
        assertThat(m.get("cgroups")).contains("memory").contains("cpu");
    }

    @Test
    void userNamespaceMapsRootToAnUnprivilegedRange() throws Exception {
        Spec s = DefaultSpec.create(true);
        Linux l = s.linux();
        var maps = List.of(new IdMapping(0, 100000, 65536));
        var linux = new Linux(l.namespaces(), maps, maps, null, null, null, null, null, null, null, l.maskedPaths(),
                l.readonlyPaths(), null, null, null);
        Process p = Fixture.spec(fx.rootfs, "sh", "-c", PROBE).process();
        var mounts = new ArrayList<>(s.mounts());
        // an idmapped bind over an existing dir (root of the container may not mkdir in the host-owned rootfs): the host's root-owned dir shows up owned by the container's root
        mounts.add(new dev.hako.oci.runtime.Mount("/home", "bind", fx.rootfs.getParent().toString(), List.of("rbind", "idmap"), null, null));
        s = new Spec(s.ociVersion(), p, new Root(fx.rootfs.toString(), true), "userns", null, mounts, null, null, linux);
        var m = probe(s);
        assertThat(m).containsEntry("uidmap", "0 100000 65536").containsEntry("uid", "0").containsEntry("host", "userns");
        assertThat(m).containsEntry("owner", "65534"); // host root's files are unmapped inside
        assertThat(m.get("null")).startsWith("crw-rw-rw-").endsWith("1, 3"); // bound from the host, not mknod
        assertThat(m.get("mount/sys")).startsWith("sysfs ro"); // a bind of the host's /sys
        assertThat(m).containsEntry("timerlist", "0");
        assertThat(m).containsEntry("idm", "0");
    }

    /** A bind mount with its own uidMappings/gidMappings (runtime-spec 1.1): written literally, as runc and crun do. */
    @Test
    void bindMountWithItsOwnIdMappings() throws Exception {
        Path src = Files.createTempDirectory(fx.rootfs.getParent(), "idmapsrc");
        Files.writeString(src.resolve("f"), "root's");
        Files.writeString(src.resolve("g"), "uid 5's");
        Files.setAttribute(src.resolve("g"), "unix:uid", 5);
        // the fixture's root has runc's default capabilities (no CAP_DAC_OVERRIDE): the dir must be open to others
        Files.setPosixFilePermissions(src, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Spec base = Fixture.spec(fx.rootfs, "sh", "-c", "echo own=$(stat -c %u:%g /home/f 2>&1); echo other=$(stat -c %u /home/g 2>&1)");
        var mounts = new ArrayList<>(base.mounts());
        mounts.add(new dev.hako.oci.runtime.Mount("/home", "bind", src.toString(), List.of("rbind", "idmap"),
                List.of(new IdMapping(0, 1000, 1)), List.of(new IdMapping(0, 2000, 1))));
        var m = probe(new Spec(base.ociVersion(), base.process(), base.root(), "idmaps", null, mounts, null, null, base.linux()));
        assertThat(m).containsEntry("own", "1000:2000").containsEntry("other", "65534");

        // only one of the two maps, or a non-bind mount: refused before anything runs
        var oneMap = new ArrayList<>(base.mounts());
        oneMap.add(new dev.hako.oci.runtime.Mount("/home", "bind", src.toString(), List.of("rbind", "idmap"),
                List.of(new IdMapping(0, 1000, 1)), null));
        var id = Fixture.id();
        ids.add(id);
        Path bundle = fx.bundle(id, new Spec(base.ociVersion(), base.process(), base.root(), "x", null, oneMap, null, null, base.linux()));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> rt.create(id, bundle, CreateOptions.defaults()))
                .hasMessageContaining("needs both uidMappings and gidMappings");
    }
}
