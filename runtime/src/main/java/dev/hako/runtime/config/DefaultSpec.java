package dev.hako.runtime.config;

import dev.hako.oci.Json;
import dev.hako.oci.runtime.Process;
import dev.hako.oci.runtime.Spec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The config `runc spec` writes (runc 1.1; hostname "hako"), and a helper that makes a whole busybox bundle for tests. */
public final class DefaultSpec {
    private DefaultSpec() {}

    /** The runtime-spec version hako implements and writes into new specs. */
    public static final String OCI_VERSION = "1.0.2-dev";

    private static final List<String> CAPS = List.of("CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE");

    /** runc's `spec` output (hostname "hako"); with {@code rootless}, `spec --rootless` mapped from the caller's ids. */
    public static Spec create(boolean rootless) {
        return Json.mapper().convertValue(tree(rootless, currentId("-u"), currentId("-g")), Spec.class);
    }

    /**
     * The default config as an ordered tree: the fields in runc's order, so `hako-runtime spec` can print the
     * same bytes as `runc spec`. The one source of the default config.
     */
    public static Map<String, Object> tree(boolean rootless, long uid, long gid) {
        var process = obj(
                "terminal", true,
                "user", obj("uid", 0, "gid", 0),
                "args", List.of("sh"),
                "env", List.of("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"),
                "cwd", "/",
                "capabilities", obj("bounding", CAPS, "effective", CAPS, "permitted", CAPS, "ambient", CAPS),
                "rlimits", List.of(obj("type", "RLIMIT_NOFILE", "hard", 1024, "soft", 1024)),
                "noNewPrivileges", true);
        List<Object> devptsOptions = new ArrayList<>(List.of("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"));
        if (!rootless) devptsOptions.add("gid=5");
        var sys = rootless
                ? obj("destination", "/sys", "type", "none", "source", "/sys",
                      "options", List.of("rbind", "nosuid", "noexec", "nodev", "ro"))
                : obj("destination", "/sys", "type", "sysfs", "source", "sysfs",
                      "options", List.of("nosuid", "noexec", "nodev", "ro"));
        var mounts = List.of(
                obj("destination", "/proc", "type", "proc", "source", "proc"),
                obj("destination", "/dev", "type", "tmpfs", "source", "tmpfs",
                        "options", List.of("nosuid", "strictatime", "mode=755", "size=65536k")),
                obj("destination", "/dev/pts", "type", "devpts", "source", "devpts", "options", devptsOptions),
                obj("destination", "/dev/shm", "type", "tmpfs", "source", "shm",
                        "options", List.of("nosuid", "noexec", "nodev", "mode=1777", "size=65536k")),
                obj("destination", "/dev/mqueue", "type", "mqueue", "source", "mqueue",
                        "options", List.of("nosuid", "noexec", "nodev")),
                sys,
                obj("destination", "/sys/fs/cgroup", "type", "cgroup", "source", "cgroup",
                        "options", List.of("nosuid", "noexec", "nodev", "relatime", "ro")));
        var linux = rootless
                ? obj("uidMappings", List.of(obj("containerID", 0, "hostID", uid, "size", 1)),
                      "gidMappings", List.of(obj("containerID", 0, "hostID", gid, "size", 1)),
                      "namespaces", namespaces("pid", "ipc", "uts", "mount", "user"))
                : obj("resources", obj("devices", List.of(obj("allow", false, "access", "rwm"))),
                      "namespaces", namespaces("pid", "network", "ipc", "uts", "mount"));
        linux.put("maskedPaths", List.of("/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys",
                "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
                "/sys/firmware", "/proc/scsi"));
        linux.put("readonlyPaths", List.of("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"));
        return obj(
                "ociVersion", OCI_VERSION,
                "process", process,
                "root", obj("path", "rootfs", "readonly", true),
                "hostname", "hako",
                "mounts", mounts,
                "linux", linux);
    }

    private static List<Object> namespaces(String... types) {
        List<Object> l = new ArrayList<>();
        for (String t : types) l.add(obj("type", t));
        return l;
    }

    /** An insertion-ordered JSON object from key/value pairs. */
    private static Map<String, Object> obj(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], kv[i + 1]);
        return m;
    }

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
