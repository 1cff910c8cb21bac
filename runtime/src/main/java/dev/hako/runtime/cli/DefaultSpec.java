package dev.hako.runtime.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.hako.runtime.cli.JsonText.obj;

/** The starter config.json `spec` writes: runc's default (and its --rootless variant), same fields and order. */
public final class DefaultSpec {
    private DefaultSpec() {}

    /** The runtime-spec version hako implements and writes into new specs. */
    public static final String OCI_VERSION = "1.0.2-dev";

    private static final List<String> CAPS = List.of("CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE");

    /** The spec as runc formats it: tab-indented, no trailing newline. */
    public static String json(boolean rootless, long uid, long gid) {
        return JsonText.indented(tree(rootless, uid, gid), "\t");
    }

    static Map<String, Object> tree(boolean rootless, long uid, long gid) {
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
}
