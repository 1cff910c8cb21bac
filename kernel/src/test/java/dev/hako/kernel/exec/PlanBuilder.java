package dev.hako.kernel.exec;

import dev.hako.kernel.exec.LaunchPlan.Capabilities;
import dev.hako.kernel.exec.LaunchPlan.DeviceStep;
import dev.hako.kernel.exec.LaunchPlan.HookPlan;
import dev.hako.kernel.exec.LaunchPlan.IdMap;
import dev.hako.kernel.exec.LaunchPlan.MaskStep;
import dev.hako.kernel.exec.LaunchPlan.MountStep;
import dev.hako.kernel.exec.LaunchPlan.Namespace;
import dev.hako.kernel.exec.LaunchPlan.PivotRootStep;
import dev.hako.kernel.exec.LaunchPlan.PrepareRootStep;
import dev.hako.kernel.exec.LaunchPlan.ProcessPlan;
import dev.hako.kernel.exec.LaunchPlan.ReadonlyStep;
import dev.hako.kernel.exec.LaunchPlan.Rlimit;
import dev.hako.kernel.exec.LaunchPlan.RootPropagationStep;
import dev.hako.kernel.exec.LaunchPlan.RootfsStep;
import dev.hako.kernel.exec.LaunchPlan.SeccompPlan;
import dev.hako.kernel.exec.LaunchPlan.SymlinkStep;
import dev.hako.kernel.exec.LaunchPlan.Sysctl;
import dev.hako.kernel.exec.LaunchPlan.TimeOffset;

import java.util.ArrayList;
import java.util.List;

/** A mutable, docker-like launch plan for tests: {@link #typical} then change fields, then {@link #build}. */
final class PlanBuilder {
    static final long MS_RDONLY = 1, MS_NOSUID = 2, MS_NODEV = 4, MS_NOEXEC = 8, MS_BIND = 4096, MS_REC = 16384,
            MS_PRIVATE = 1 << 18, MS_SLAVE = 1 << 19, MS_SHARED = 1 << 20, MS_STRICTATIME = 1 << 24;
    static final int CAP_CHOWN = 0, CAP_DAC_OVERRIDE = 1, CAP_FOWNER = 3, CAP_FSETID = 4, CAP_KILL = 5, CAP_SETGID = 6,
            CAP_SETUID = 7, CAP_SETPCAP = 8, CAP_NET_BIND_SERVICE = 10, CAP_NET_RAW = 13, CAP_SYS_CHROOT = 18,
            CAP_SYS_ADMIN = 21, CAP_MKNOD = 27, CAP_AUDIT_WRITE = 29, CAP_SETFCAP = 31;
    static final long DOCKER_CAPS = bits(CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_FSETID, CAP_FOWNER, CAP_MKNOD, CAP_NET_RAW,
            CAP_SETGID, CAP_SETUID, CAP_SETFCAP, CAP_SETPCAP, CAP_NET_BIND_SERVICE, CAP_SYS_CHROOT, CAP_KILL, CAP_AUDIT_WRITE);
    static final int RLIMIT_NOFILE = 7;

    LaunchPlan.Mode mode = LaunchPlan.Mode.RUN;
    List<Namespace> namespaces = new ArrayList<>();
    List<IdMap> uidMappings = new ArrayList<>(), gidMappings = new ArrayList<>();
    boolean denySetgroups;
    List<TimeOffset> timeOffsets = new ArrayList<>();
    String rootfs;
    List<RootfsStep> before = new ArrayList<>();   // mounts etc, before pivot_root
    boolean noPivot;
    List<RootfsStep> after = new ArrayList<>();    // masks, readonly paths, after pivot_root
    List<Sysctl> sysctls = new ArrayList<>();
    String hostname, domainname;
    List<String> args = new ArrayList<>(), env = new ArrayList<>();
    String cwd = "/";
    int uid, gid;
    List<Integer> groups = new ArrayList<>();
    Integer umask;
    List<Rlimit> rlimits = new ArrayList<>();
    Capabilities caps = new Capabilities(DOCKER_CAPS, DOCKER_CAPS, DOCKER_CAPS, 0, 0);
    boolean noNewPrivileges = true;
    SeccompPlan seccomp;
    Long personality;
    Integer oomScoreAdj;
    boolean terminal;
    LaunchPlan.Extras extras;
    String execFifo, consoleSocket;
    List<String> cgroupJoin = new ArrayList<>();
    List<HookPlan> startHooks = new ArrayList<>();
    int preserveFds;

    static long bits(int... caps) {
        long m = 0;
        for (int c : caps) m |= 1L << c;
        return m;
    }

    static PlanBuilder typical(String rootfs, String... args) {
        PlanBuilder b = new PlanBuilder();
        b.rootfs = rootfs;
        for (String t : List.of("pid", "mnt", "ipc", "uts", "net")) b.namespaces.add(new Namespace(t, null));
        b.before.add(new RootPropagationStep(MS_REC | MS_SLAVE));
        b.before.add(new PrepareRootStep(0));
        b.before.add(mount("proc", "/proc", "proc", MS_NOSUID | MS_NOEXEC | MS_NODEV, null));
        b.before.add(mount("tmpfs", "/dev", "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k"));
        b.before.add(mount("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620,gid=5"));
        b.before.add(mount("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RDONLY, null));
        b.before.add(mount("mqueue", "/dev/mqueue", "mqueue", MS_NOSUID | MS_NOEXEC | MS_NODEV, null));
        b.before.add(mount("shm", "/dev/shm", "tmpfs", MS_NOSUID | MS_NOEXEC | MS_NODEV, "mode=1777,size=65536k"));
        int[][] devs = {{1, 3}, {1, 5}, {1, 7}, {1, 8}, {1, 9}, {5, 0}};
        String[] names = {"null", "zero", "full", "random", "urandom", "tty"};
        for (int i = 0; i < devs.length; i++)
            b.before.add(new DeviceStep("/dev/" + names[i], 'c', devs[i][0], devs[i][1], 0666, 0, 0, false));
        b.before.add(new SymlinkStep("/proc/self/fd", "/dev/fd"));
        b.before.add(new SymlinkStep("/proc/self/fd/0", "/dev/stdin"));
        b.before.add(new SymlinkStep("/proc/self/fd/1", "/dev/stdout"));
        b.before.add(new SymlinkStep("/proc/self/fd/2", "/dev/stderr"));
        b.before.add(new SymlinkStep("pts/ptmx", "/dev/ptmx"));
        for (String m : List.of("/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
                "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware",
                "/sys/devices/virtual/powercap"))
            b.after.add(new MaskStep(m));
        for (String r : List.of("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"))
            b.after.add(new ReadonlyStep(r));
        b.hostname = "hako-test";
        b.args.addAll(List.of(args));
        b.env.add("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        b.env.add("HOME=/root");
        return b;
    }

    static MountStep mount(String source, String target, String fstype, long flags, String data) {
        return new MountStep(source, target, fstype, flags, data, List.of(), 0, null, 0, 0, null);
    }

    static MountStep bind(String source, String target, boolean readonly) {
        return new MountStep(source, target, "bind", MS_BIND | MS_REC, null, List.of(MS_PRIVATE), readonly ? MS_RDONLY : 0,
                null, 0, 0, null);
    }

    PlanBuilder withUserns(long hostUid, long size) {
        namespaces.add(0, new Namespace("user", null));
        uidMappings.add(new IdMap(0, hostUid, size));
        gidMappings.add(new IdMap(0, hostUid, size));
        return this;
    }

    LaunchPlan build() {
        List<RootfsStep> steps = new ArrayList<>(before);
        if (rootfs != null) steps.add(new PivotRootStep(noPivot));
        steps.addAll(after);
        ProcessPlan p = new ProcessPlan(args, env, cwd, uid, gid, groups, umask, rlimits, caps, noNewPrivileges, seccomp,
                personality, oomScoreAdj, null, null, terminal, null, null, extras);
        return new LaunchPlan(mode, namespaces, uidMappings, gidMappings, denySetgroups, timeOffsets, rootfs, steps, sysctls,
                hostname, domainname, p, execFifo, consoleSocket, cgroupJoin, startHooks, preserveFds);
    }
}
