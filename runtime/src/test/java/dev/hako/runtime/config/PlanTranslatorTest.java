package dev.hako.runtime.config;

import dev.hako.kernel.exec.LaunchPlan;
import dev.hako.oci.runtime.Linux;
import dev.hako.oci.runtime.Mount;
import dev.hako.oci.runtime.Spec;
import dev.hako.runtime.rootfs.CgroupView;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.hako.runtime.rootfs.MountFlags.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PlanTranslatorTest {
    @TempDir Path bundle;
    final List<String> warnings = new ArrayList<>();

    static final CgroupView HYBRID = new CgroupView(List.of(
            new CgroupView.Hierarchy("cpu,cpuacct", Path.of("/sys/fs/cgroup/cpu,cpuacct/c1"), "cpu,cpuacct"),
            new CgroupView.Hierarchy("memory", Path.of("/sys/fs/cgroup/memory/c1"), "memory"),
            new CgroupView.Hierarchy("systemd", Path.of("/sys/fs/cgroup/systemd/c1"), "name=systemd")), null);

    @BeforeEach
    void rootfs() throws Exception { Files.createDirectories(bundle.resolve("rootfs")); }

    PlanTranslator.Options opts(LaunchPlan.Mode mode, CgroupView cg) {
        return new PlanTranslator.Options(mode, mode == LaunchPlan.Mode.CREATE ? bundle.resolve("exec.fifo") : null,
                null, 0, false, cg, null, List.of(), List.of(), warnings::add);
    }

    LaunchPlan translate(Spec s) { return PlanTranslator.translate(s, bundle, opts(LaunchPlan.Mode.CREATE, HYBRID)); }

    static <T> List<T> steps(LaunchPlan p, Class<T> type) {
        return p.rootfsSteps().stream().filter(type::isInstance).map(type::cast).toList();
    }

    static LaunchPlan.MountStep mountAt(LaunchPlan p, String target) {
        return steps(p, LaunchPlan.MountStep.class).stream().filter(m -> m.target().equals(target)).findFirst().orElseThrow();
    }

    @Test
    void defaultSpecTranslation() {
        LaunchPlan p = translate(DefaultSpec.create(false));
        assertThat(p.mode()).isEqualTo(LaunchPlan.Mode.CREATE);
        assertThat(p.namespaces()).extracting(LaunchPlan.Namespace::type).containsExactly("pid", "net", "ipc", "uts", "mnt");
        assertThat(p.namespaces()).allMatch(n -> n.path() == null);
        assertThat(p.rootfs()).isEqualTo(bundle.resolve("rootfs").toString());
        assertThat(p.hostname()).isEqualTo("hako");
        assertThat(p.execFifo()).isEqualTo(bundle.resolve("exec.fifo").toString());
        assertThat(p.denySetgroups()).isFalse();

        var pr = p.process();
        assertThat(pr.args()).containsExactly("sh");
        assertThat(pr.cwd()).isEqualTo("/");
        assertThat(pr.noNewPrivileges()).isTrue();
        assertThat(pr.rlimits()).containsExactly(new LaunchPlan.Rlimit(7, 1024, 1024));
        long caps = (1L << 29) | (1L << 5) | (1L << 10);
        // ambient needs inheritable, which runc's default leaves empty: CapAmb is 0 with runc too
        assertThat(pr.capabilities()).isEqualTo(new LaunchPlan.Capabilities(caps, caps, caps, 0, 0));

        // runc's order: propagation of /, rootfs bind, mounts, devices, pivot, readonly paths, masks, ro root.
        var s = p.rootfsSteps();
        assertThat(s.getFirst()).isEqualTo(new LaunchPlan.RootPropagationStep(MS_REC | MS_SLAVE));
        assertThat(s.get(1)).isEqualTo(new LaunchPlan.PrepareRootStep(0));
        assertThat(s.getLast()).isEqualTo(new LaunchPlan.ReadonlyRootStep());
        int pivot = s.indexOf(new LaunchPlan.PivotRootStep(false));
        assertThat(s.subList(pivot + 1, s.size() - 1)).allMatch(x -> x instanceof LaunchPlan.ReadonlyStep || x instanceof LaunchPlan.MaskStep);
        assertThat(steps(p, LaunchPlan.MaskStep.class)).hasSize(10).first().isEqualTo(new LaunchPlan.MaskStep("/proc/acpi"));
        assertThat(steps(p, LaunchPlan.ReadonlyStep.class)).contains(new LaunchPlan.ReadonlyStep("/proc/sys"));

        var proc = mountAt(p, "/proc");
        assertThat(proc.fstype()).isEqualTo("proc");
        var dev = mountAt(p, "/dev");
        assertThat(dev.flags()).isEqualTo(MS_NOSUID | MS_STRICTATIME);
        assertThat(dev.data()).isEqualTo("mode=755,size=65536k");
        assertThat(mountAt(p, "/dev/pts").data()).isEqualTo("newinstance,ptmxmode=0666,mode=0620,gid=5");
        assertThat(mountAt(p, "/sys").flags()).isEqualTo(MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RDONLY);

        assertThat(steps(p, LaunchPlan.DeviceStep.class)).extracting(LaunchPlan.DeviceStep::path)
                .containsExactly("/dev/null", "/dev/zero", "/dev/full", "/dev/tty", "/dev/urandom", "/dev/random");
        assertThat(steps(p, LaunchPlan.DeviceStep.class)).noneMatch(LaunchPlan.DeviceStep::bindFromHost);
        assertThat(steps(p, LaunchPlan.SymlinkStep.class)).contains(new LaunchPlan.SymlinkStep("pts/ptmx", "/dev/ptmx"),
                new LaunchPlan.SymlinkStep("/proc/self/fd", "/dev/fd"));
        assertThat(warnings).isEmpty();
    }

    @Test
    void cgroupV1MountIsATmpfsWithReadonlyBindsPerHierarchy() {
        LaunchPlan p = translate(DefaultSpec.create(false));
        var cg = steps(p, LaunchPlan.MountStep.class).stream().filter(m -> m.target().startsWith("/sys/fs/cgroup")).toList();
        assertThat(cg.getFirst().fstype()).isEqualTo("tmpfs");
        assertThat(cg.get(1).source()).isEqualTo("/sys/fs/cgroup/cpu,cpuacct/c1");
        assertThat(cg.get(1).target()).isEqualTo("/sys/fs/cgroup/cpu,cpuacct");
        assertThat(cg.get(1).remountFlags() & MS_RDONLY).isNotZero();
        assertThat(cg.getLast().flags() & (MS_REMOUNT | MS_RDONLY)).isEqualTo(MS_REMOUNT | MS_RDONLY);
        assertThat(steps(p, LaunchPlan.SymlinkStep.class)).contains(
                new LaunchPlan.SymlinkStep("cpu,cpuacct", "/sys/fs/cgroup/cpu"),
                new LaunchPlan.SymlinkStep("cpu,cpuacct", "/sys/fs/cgroup/cpuacct"));
    }

    @Test
    void rootlessSpecUsesUserNamespaceAndHostDevices() {
        LaunchPlan p = translate(DefaultSpec.create(true));
        assertThat(p.namespaces().getFirst()).isEqualTo(new LaunchPlan.Namespace("user", null));
        assertThat(p.uidMappings()).hasSize(1);
        assertThat(p.denySetgroups()).isTrue();
        assertThat(steps(p, LaunchPlan.DeviceStep.class)).allMatch(LaunchPlan.DeviceStep::bindFromHost);
        var sys = mountAt(p, "/sys");
        assertThat(sys.flags()).isEqualTo(MS_BIND | MS_REC);
        assertThat(sys.remountFlags()).isEqualTo(MS_BIND | MS_REMOUNT | MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RDONLY);
    }

    @Test
    void bindMountsResolveSourceAgainstBundleAndRemountReadonly() throws Exception {
        Files.writeString(bundle.resolve("hosts"), "x");
        Files.createDirectory(bundle.resolve("data"));
        var s = DefaultSpec.create(false);
        var mounts = new ArrayList<>(s.mounts());
        mounts.add(new Mount("/etc/hosts", "bind", "hosts", List.of("bind", "ro", "rprivate"), null, null));
        mounts.add(new Mount("/data", "none", bundle.resolve("data").toString(), List.of("rbind", "nosuid", "rro"), null, null));
        mounts.add(new Mount("/plain", "none", bundle.resolve("data").toString(), List.of("rbind"), null, null));
        s = new Spec(s.ociVersion(), s.process(), s.root(), s.hostname(), null, mounts, null, null, s.linux());
        LaunchPlan p = translate(s);
        var hosts = mountAt(p, "/etc/hosts");
        assertThat(hosts.source()).isEqualTo(bundle.resolve("hosts").toString());
        assertThat(hosts.createAs()).isEqualTo("file");
        assertThat(hosts.flags()).isEqualTo(MS_BIND);
        assertThat(hosts.remountFlags()).isEqualTo(MS_BIND | MS_REMOUNT | MS_RDONLY);
        assertThat(hosts.propagation()).containsExactly(MS_REC | MS_PRIVATE);
        var data = mountAt(p, "/data");
        assertThat(data.createAs()).isEqualTo("dir");
        assertThat(data.flags()).isEqualTo(MS_BIND | MS_REC);
        assertThat(data.attrSet()).isEqualTo(MOUNT_ATTR_RDONLY);
        assertThat(mountAt(p, "/plain").remountFlags()).isZero();
    }

    @Test
    void mountErrorsNameTheField() {
        var s = DefaultSpec.create(false);
        var mounts = new ArrayList<>(s.mounts());
        mounts.add(new Mount("/x", "bind", "missing", List.of("bind"), null, null));
        var bad = new Spec(s.ociVersion(), s.process(), s.root(), s.hostname(), null, mounts, null, null, s.linux());
        assertThatThrownBy(() -> translate(bad)).isInstanceOf(ConfigException.class)
                .hasMessage("mounts[7].source: " + bundle.resolve("missing") + " does not exist");

        var procMounts = new ArrayList<>(s.mounts());
        procMounts.add(new Mount("/proc", "tmpfs", "tmpfs", List.of(), null, null));
        var overProc = new Spec(s.ociVersion(), s.process(), s.root(), s.hostname(), null, procMounts, null, null, s.linux());
        assertThatThrownBy(() -> translate(overProc)).hasMessageStartingWith(
                "mounts[7].destination: \"/proc\" cannot be mounted because it is inside /proc");
    }

    @Test
    void relativeDestinationIsTakenFromRootWithAWarning() {
        var s = DefaultSpec.create(false);
        var mounts = new ArrayList<>(s.mounts());
        mounts.add(new Mount("run/../run/x", "tmpfs", "tmpfs", List.of(), null, null));
        var spec = new Spec(s.ociVersion(), s.process(), s.root(), s.hostname(), null, mounts, null, null, s.linux());
        assertThat(mountAt(translate(spec), "/run/x").fstype()).isEqualTo("tmpfs");
        assertThat(warnings).singleElement().asString().contains("not absolute");
    }

    @Test
    void processExtrasAreTranslated() {
        var s = DefaultSpec.create(false);
        var p = s.process();
        p = new dev.hako.oci.runtime.Process(false, null, p.user(), p.args(), null, p.env(), p.cwd(), p.capabilities(),
                p.rlimits(), true, null, null, null, new dev.hako.oci.runtime.Process.IoPriority("IOPRIO_CLASS_RT", 1),
                null, new dev.hako.oci.runtime.Process.ExecCPUAffinity(" 0-1,3 ", "0"));
        var plan = translate(s.withProcess(p));
        assertThat(warnings).isEmpty();
        assertThat(plan.process().extras().ioPriority()).isEqualTo(new LaunchPlan.IoPriority(1, 1));
        assertThat(plan.process().extras().cpuAffinityInitial()).isEqualTo("0-1,3");
        assertThat(plan.process().extras().cpuAffinityFinal()).isEqualTo("0");
    }

    @Test
    void badCpuListsAreConfigErrors() {
        var s = DefaultSpec.create(false);
        var p = s.process();
        var bad = new dev.hako.oci.runtime.Process(false, null, p.user(), p.args(), null, p.env(), p.cwd(), p.capabilities(),
                p.rlimits(), true, null, null, null, null, null, new dev.hako.oci.runtime.Process.ExecCPUAffinity(null, "0-x"));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> translate(s.withProcess(bad)))
                .hasMessageContaining("process.execCPUAffinity.final: invalid CPU list \"0-x\"");
    }

    @Test
    void bindMountedDevSkipsDeviceCreation() {
        var s = DefaultSpec.create(false);
        var mounts = new ArrayList<>(s.mounts());
        mounts.set(1, new Mount("/dev", "bind", "/dev", List.of("rbind"), null, null));
        mounts.remove(6);
        var spec = new Spec(s.ociVersion(), s.process(), s.root(), null, null, mounts, null, null, s.linux());
        assertThat(steps(translate(spec), LaunchPlan.DeviceStep.class)).isEmpty();
    }

    @Test
    void extraDevicesSysctlsOffsetsAndJoinedNamespaces() {
        var s = DefaultSpec.create(false);
        Linux l = s.linux();
        var ns = List.of(new Linux.Namespace("mount", null), new Linux.Namespace("network", "/proc/self/ns/net"),
                new Linux.Namespace("uts", null), new Linux.Namespace("ipc", null), new Linux.Namespace("time", null));
        var linux = new Linux(ns, null, null, Map.of("monotonic", new Linux.TimeOffset(5, 0)),
                List.of(new Linux.Device("c", "/dev/fuse", 10L, 229L, 0600, 0, 0),
                        new Linux.Device("u", "/dev/null", 1L, 3L, null, null, null)),
                null, null, "rshared", null, Map.of("kernel.shmmax", "4096"), null, null, null,
                new Linux.Personality("LINUX32", null), null);
        var spec = new Spec(s.ociVersion(), s.process(), s.root(), "h", "d", s.mounts(), null, null, linux);
        LaunchPlan p = translate(spec);
        assertThat(p.namespaces()).containsExactly(new LaunchPlan.Namespace("net", "/proc/self/ns/net"),
                new LaunchPlan.Namespace("ipc", null), new LaunchPlan.Namespace("uts", null),
                new LaunchPlan.Namespace("mnt", null), new LaunchPlan.Namespace("time", null));
        assertThat(p.timeOffsets()).containsExactly(new LaunchPlan.TimeOffset("monotonic", 5, 0));
        assertThat(p.sysctls()).containsExactly(new LaunchPlan.Sysctl("kernel.shmmax", "4096"));
        assertThat(p.domainname()).isEqualTo("d");
        assertThat(p.process().personality()).isEqualTo(8L);
        assertThat(p.rootfsSteps().getFirst()).isEqualTo(new LaunchPlan.RootPropagationStep(MS_REC | MS_SHARED));
        var devs = steps(p, LaunchPlan.DeviceStep.class);
        assertThat(devs).hasSize(7);
        assertThat(devs).contains(new LaunchPlan.DeviceStep("/dev/fuse", 'c', 10, 229, 0600, 0, 0, false));
    }
}
