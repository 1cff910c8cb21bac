package dev.hako.runtime.config;

import dev.hako.oci.Json;
import dev.hako.oci.runtime.IdMapping;
import dev.hako.oci.runtime.Linux;
import dev.hako.oci.runtime.Mount;
import dev.hako.oci.runtime.Process;
import dev.hako.oci.runtime.Resources;
import dev.hako.oci.runtime.Root;
import dev.hako.oci.runtime.Spec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The config `runc spec` writes (runc 1.1), and a helper that makes a whole busybox bundle for tests. */
public final class DefaultSpec {
    private DefaultSpec() {}

    private static final List<String> CAPS = List.of("CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE");

    /** runc's `spec` output; with {@code rootless}, runc's `spec --rootless` (uid/gid mapped from the caller). */
    public static Spec create(boolean rootless) {
        var caps = new Process.Capabilities(CAPS, CAPS, null, CAPS, CAPS);
        var process = new Process(true, null, new Process.User(0, 0, null, null, null), List.of("sh"), null,
                List.of("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"), "/", caps,
                List.of(new Process.Rlimit("RLIMIT_NOFILE", 1024, 1024)), true, null, null, null, null, null, null);
        List<Mount> mounts = new ArrayList<>();
        mounts.add(new Mount("/proc", "proc", "proc", null, null, null));
        mounts.add(new Mount("/dev", "tmpfs", "tmpfs", List.of("nosuid", "strictatime", "mode=755", "size=65536k"), null, null));
        mounts.add(new Mount("/dev/pts", "devpts", "devpts", rootless
                ? List.of("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620")
                : List.of("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"), null, null));
        mounts.add(new Mount("/dev/shm", "tmpfs", "shm", List.of("nosuid", "noexec", "nodev", "mode=1777", "size=65536k"), null, null));
        mounts.add(new Mount("/dev/mqueue", "mqueue", "mqueue", List.of("nosuid", "noexec", "nodev"), null, null));
        mounts.add(rootless
                ? new Mount("/sys", "none", "/sys", List.of("rbind", "nosuid", "noexec", "nodev", "ro"), null, null)
                : new Mount("/sys", "sysfs", "sysfs", List.of("nosuid", "noexec", "nodev", "ro"), null, null));
        mounts.add(new Mount("/sys/fs/cgroup", "cgroup", "cgroup", List.of("nosuid", "noexec", "nodev", "relatime", "ro"), null, null));

        List<Linux.Namespace> ns = rootless
                ? List.of(ns("pid"), ns("ipc"), ns("uts"), ns("mount"), ns("user"))
                : List.of(ns("pid"), ns("network"), ns("ipc"), ns("uts"), ns("mount"));
        List<IdMapping> uids = null, gids = null;
        if (rootless) {
            uids = List.of(new IdMapping(0, currentId("-u"), 1));
            gids = List.of(new IdMapping(0, currentId("-g"), 1));
        }
        Resources resources = rootless ? null : new Resources(
                List.of(new Resources.DeviceRule(false, null, null, null, "rwm")), null, null, null, null, null, null, null, null);
        var linux = new Linux(ns, uids, gids, null, null, null, resources, null, null, null,
                List.of("/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
                        "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware", "/proc/scsi"),
                List.of("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"), null, null, null);
        return new Spec("1.0.2-dev", process, new Root("rootfs", true), "runc", null, List.copyOf(mounts), null, null, linux);
    }

    private static Linux.Namespace ns(String type) { return new Linux.Namespace(type, null); }

    private static long currentId(String flag) {
        // The JVM has no getuid(); /proc/self/status has the real ids on the Uid:/Gid: lines.
        try {
            for (String l : dev.hako.runtime.process.ProcFs.read(Path.of("/proc/self/status")).lines().toList()) {
                if (flag.equals("-u") && l.startsWith("Uid:")) return Long.parseLong(l.split("\\s+")[1]);
                if (flag.equals("-g") && l.startsWith("Gid:")) return Long.parseLong(l.split("\\s+")[1]);
            }
        } catch (IOException ignored) { }
        return 0;
    }

    /**
     * Makes a bundle in {@code dir}: rootfs/ from scripts/busybox-rootfs.sh (found under {@code projectDir})
     * and config.json = {@link #create} with process.terminal off and the given args. Returns the spec written.
     */
    public static Spec writeBusyboxBundle(Path dir, Path projectDir, boolean rootless, List<String> args)
            throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Path script = projectDir.resolve("scripts/busybox-rootfs.sh");
        var pb = new ProcessBuilder("bash", script.toString(), dir.resolve("rootfs").toString()).redirectErrorStream(true);
        var p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) throw new IOException(script + " failed: " + out.strip());
        Spec spec = create(rootless);
        spec = spec.withProcess(withTerminal(spec.process(), false).withArgs(List.copyOf(args)));
        Files.writeString(dir.resolve("config.json"), Json.pretty(spec));
        return spec;
    }

    static Process withTerminal(Process p, boolean terminal) {
        return new Process(terminal, p.consoleSize(), p.user(), p.args(), p.commandLine(), p.env(), p.cwd(),
                p.capabilities(), p.rlimits(), p.noNewPrivileges(), p.apparmorProfile(), p.oomScoreAdj(),
                p.selinuxLabel(), p.ioPriority(), p.scheduler(), p.execCPUAffinity());
    }
}
