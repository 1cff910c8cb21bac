package dev.hako.runtime.rootfs;

import dev.hako.kernel.exec.LaunchPlan;
import dev.hako.kernel.exec.LaunchPlan.RootfsStep;
import dev.hako.oci.runtime.Linux;
import dev.hako.oci.runtime.Mount;
import dev.hako.oci.runtime.Spec;
import dev.hako.runtime.config.ConfigException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

import static dev.hako.runtime.rootfs.MountFlags.*;

/**
 * The mount-namespace part of a launch plan, in runc's order: root propagation, the rootfs bind, the
 * config's mounts (cgroup mounts expanded for the host's hierarchies), /dev nodes and links,
 * createContainer hooks, pivot_root, read-only paths, masked paths, read-only root.
 */
public final class RootfsPlanner {

    /** Files under /proc that may be bind-mounted over (lxcfs and similar), as runc allows. */
    private static final Set<String> PROC_WHITELIST = Set.of("/proc/cpuinfo", "/proc/diskstats", "/proc/meminfo",
            "/proc/stat", "/proc/swaps", "/proc/uptime", "/proc/loadavg", "/proc/slabinfo", "/proc/net/dev",
            "/proc/sys/kernel/ns_last_pid");

    /**
     * @param rootfs        absolute host path of the rootfs
     * @param bundle        the bundle dir (relative bind sources are resolved against it)
     * @param newUserNs     the container gets a new user namespace (devices are bound from the host, sysfs
     *                      without a new network namespace becomes a bind of /sys)
     * @param newNetNs      the container gets its own network namespace
     * @param newCgroupNs   the container gets its own cgroup namespace (cgroup mounts are fresh mounts)
     * @param cgroups       the container's cgroups, for "cgroup" mounts (may be null when there are none)
     */
    public record Input(Spec spec, Path rootfs, Path bundle, boolean newUserNs, boolean newNetNs,
                        boolean newCgroupNs, CgroupView cgroups, boolean noPivot,
                        List<LaunchPlan.HookPlan> createContainerHooks) {}

    private RootfsPlanner() {}

    public static List<RootfsStep> plan(Input in, Consumer<String> warn) {
        Spec spec = in.spec();
        Linux linux = spec.linux();
        List<RootfsStep> steps = new ArrayList<>();

        long rootProp = MS_REC | MS_SLAVE; // runc's default: host mounts still reach us, ours never reach the host
        long configProp = 0;
        if (linux != null && linux.rootfsPropagation() != null && !linux.rootfsPropagation().isEmpty()) {
            configProp = propagation(linux.rootfsPropagation(), "linux.rootfsPropagation");
            rootProp = configProp;
        }
        steps.add(new LaunchPlan.RootPropagationStep(rootProp));
        steps.add(new LaunchPlan.PrepareRootStep(configProp));

        boolean bindDev = false;
        List<Mount> mounts = spec.mountsOrEmpty();
        for (int i = 0; i < mounts.size(); i++) {
            Mount m = mounts.get(i);
            String field = "mounts[" + i + "]";
            String dest = cleanDestination(m.destination(), field, warn);
            MountOptions o = MountOptions.parse(m.optionsOrEmpty());
            String type = m.type() == null ? "" : m.type();
            boolean bind = o.isBind() || type.equals("bind");
            if (bind && dest.equals("/dev")) bindDev = true;
            checkProcDestination(dest, type, bind, field);
            // runc copies up for tmpfs only
            boolean copyUp = o.tmpcopyup() && type.equals("tmpfs") && !bind;
            if (o.tmpcopyup() && !copyUp) warn.accept(field + ": tmpcopyup applies to tmpfs mounts only; ignored");
            if (type.equals("cgroup") || type.equals("cgroup2")) {
                cgroupMounts(steps, in, dest, o, field);
            } else if (bind) {
                steps.add(bindStep(in, m, dest, o, field));
            } else if (type.equals("sysfs") && in.newUserNs() && !in.newNetNs()) {
                // sysfs can't be mounted in a user namespace that doesn't own the network namespace: bind it.
                long flags = (o.flags() & ~MS_REMOUNT) | MS_BIND | MS_REC;
                steps.add(new LaunchPlan.MountStep("/sys", dest, "bind", MS_BIND | MS_REC, "", o.propagation(),
                        remountFlags(flags), "dir", o.attrSet(), o.attrClr(), null));
            } else {
                steps.add(new LaunchPlan.MountStep(m.source() == null ? type : m.source(), dest, type, o.flags(),
                        o.data(), o.propagation(), 0, "dir", o.attrSet(), o.attrClr(), idmapUserns(o, m, field), copyUp));
            }
        }

        if (!bindDev) {
            Map<String, DeviceSpec> devices = new LinkedHashMap<>();
            for (DeviceSpec d : DeviceSpec.DEFAULTS) devices.put(d.path(), d);
            List<Linux.Device> extra = linux == null || linux.devices() == null ? List.of() : linux.devices();
            for (int i = 0; i < extra.size(); i++) {
                DeviceSpec d = device(extra.get(i), "linux.devices[" + i + "]");
                devices.put(d.path(), d);
            }
            for (DeviceSpec d : devices.values())
                steps.add(new LaunchPlan.DeviceStep(d.path(), d.type(), d.major(), d.minor(), d.mode(), d.uid(), d.gid(),
                        in.newUserNs()));
            steps.add(new LaunchPlan.SymlinkStep("/proc/self/fd", "/dev/fd"));
            steps.add(new LaunchPlan.SymlinkStep("/proc/self/fd/0", "/dev/stdin"));
            steps.add(new LaunchPlan.SymlinkStep("/proc/self/fd/1", "/dev/stdout"));
            steps.add(new LaunchPlan.SymlinkStep("/proc/self/fd/2", "/dev/stderr"));
            if (Files.exists(Path.of("/proc/kcore"))) steps.add(new LaunchPlan.SymlinkStep("/proc/kcore", "/dev/core"));
            steps.add(new LaunchPlan.SymlinkStep("pts/ptmx", "/dev/ptmx"));
        }

        for (LaunchPlan.HookPlan h : in.createContainerHooks()) steps.add(new LaunchPlan.HookStep(h));
        steps.add(new LaunchPlan.PivotRootStep(in.noPivot()));

        if (linux != null && linux.readonlyPaths() != null)
            for (String p : linux.readonlyPaths()) steps.add(new LaunchPlan.ReadonlyStep(p));
        if (linux != null && linux.maskedPaths() != null)
            for (String p : linux.maskedPaths()) steps.add(new LaunchPlan.MaskStep(p));
        if (spec.root() != null && spec.root().isReadonly()) steps.add(new LaunchPlan.ReadonlyRootStep());
        return steps;
    }

    static long propagation(String name, String field) {
        return switch (name) {
            case "private" -> MS_PRIVATE;
            case "rprivate" -> MS_REC | MS_PRIVATE;
            case "shared" -> MS_SHARED;
            case "rshared" -> MS_REC | MS_SHARED;
            case "slave" -> MS_SLAVE;
            case "rslave" -> MS_REC | MS_SLAVE;
            case "unbindable" -> MS_UNBINDABLE;
            case "runbindable" -> MS_REC | MS_UNBINDABLE;
            default -> throw new ConfigException(field + ": unknown propagation \"" + name + "\"");
        };
    }

    /** Absolute, with "." and ".." resolved lexically (the executor resolves it inside the rootfs). */
    static String cleanDestination(String dest, String field, Consumer<String> warn) {
        if (dest == null || dest.isEmpty()) throw new ConfigException(field + ".destination: must not be empty");
        if (!dest.startsWith("/")) {
            warn.accept(field + ".destination: \"" + dest + "\" is not absolute; taking it relative to /");
            dest = "/" + dest;
        }
        return Path.of(dest).normalize().toString();
    }

    private static void checkProcDestination(String dest, String type, boolean bind, String field) {
        if (!(dest.equals("/proc") || dest.startsWith("/proc/"))) return;
        if (dest.equals("/proc") && type.equals("proc") && !bind) return;
        if (bind && PROC_WHITELIST.contains(dest)) return;
        throw new ConfigException(field + ".destination: \"" + dest + "\" cannot be mounted because it is inside /proc"
                + (dest.equals("/proc") ? " (only a proc filesystem may be mounted at /proc)" : ""));
    }

    private static LaunchPlan.MountStep bindStep(Input in, Mount m, String dest, MountOptions o, String field) {
        if (m.source() == null || m.source().isEmpty()) throw new ConfigException(field + ".source: a bind mount needs a source");
        Path src = in.bundle().resolve(m.source()).normalize();
        if (!Files.exists(src)) throw new ConfigException(field + ".source: " + src + " does not exist");
        String createAs = Files.isDirectory(src) ? "dir" : "file";
        long flags = MS_BIND | (o.flags() & MS_REC);
        return new LaunchPlan.MountStep(src.toString(), dest, "bind", flags, "", o.propagation(),
                remountFlags(o.flags()), createAs, o.attrSet(), o.attrClr(), idmapUserns(o, m, field));
    }

    /** A bind mount takes ro/nosuid/... only on a second, remounting call (runc does the same). */
    static long remountFlags(long flags) {
        long f = flags & REMOUNTABLE;
        return f == 0 ? 0 : MS_BIND | MS_REMOUNT | f;
    }

    private static String idmapUserns(MountOptions o, Mount m, String field) {
        boolean mountMaps = (m.uidMappings() != null && !m.uidMappings().isEmpty())
                || (m.gidMappings() != null && !m.gidMappings().isEmpty());
        if (!o.idmap()) {
            if (mountMaps) throw new ConfigException(field + ": uidMappings/gidMappings need the idmap or ridmap option");
            return null;
        }
        if (mountMaps) {
            // as runc: both maps, and only bind mounts (the executor idmaps a clone of the source tree)
            if (m.uidMappings() == null || m.uidMappings().isEmpty() || m.gidMappings() == null || m.gidMappings().isEmpty())
                throw new ConfigException(field + ": an idmapped mount needs both uidMappings and gidMappings");
            if (!o.isBind() && !"bind".equals(m.type()))
                throw new ConfigException(field + ": uidMappings/gidMappings are supported on bind mounts only");
            return "maps:" + mapSpec(m.uidMappings(), field + ".uidMappings") + "/" + mapSpec(m.gidMappings(), field + ".gidMappings");
        }
        // The executor mounts from inside the container's new user namespace: its own mappings apply.
        return "/proc/self/ns/user";
    }

    /** "containerID:hostID:size,…" for the executor, which writes it as a uid_map/gid_map. */
    private static String mapSpec(List<dev.hako.oci.runtime.IdMapping> maps, String field) {
        if (maps.size() > 340) throw new ConfigException(field + ": at most 340 ranges (the kernel's limit)");
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < maps.size(); i++) {
            var x = maps.get(i);
            if (x.size() <= 0 || x.containerID() < 0 || x.hostID() < 0 || x.containerID() + x.size() > 0xFFFFFFFFL
                    || x.hostID() + x.size() > 0xFFFFFFFFL)
                throw new ConfigException(field + "[" + i + "]: " + x.containerID() + " " + x.hostID() + " " + x.size()
                        + " is not a valid range");
            if (i > 0) b.append(',');
            b.append(x.containerID()).append(':').append(x.hostID()).append(':').append(x.size());
        }
        return b.toString();
    }

    private static void cgroupMounts(List<RootfsStep> steps, Input in, String dest, MountOptions o, String field) {
        CgroupView v = in.cgroups();
        if (v == null) throw new ConfigException(field + ": a cgroup mount needs the container's cgroups");
        long ro = o.flags() & MS_RDONLY;
        long base = o.flags() & (MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RELATIME | MS_NOATIME | MS_STRICTATIME);
        if (v.v2() != null) {
            if (in.newCgroupNs())
                steps.add(new LaunchPlan.MountStep("cgroup2", dest, "cgroup2", o.flags() & ~MS_REMOUNT, o.data(),
                        o.propagation(), 0, "dir", o.attrSet(), o.attrClr(), null));
            else
                steps.add(new LaunchPlan.MountStep(v.v2().toString(), dest, "bind", MS_BIND | MS_REC, "",
                        o.propagation(), remountFlags(o.flags()), "dir", o.attrSet(), o.attrClr(), null));
            return;
        }
        // cgroup v1: a tmpfs with one mount per hierarchy, and links for co-mounted controllers (cpu → cpu,cpuacct).
        long tmpfsFlags = MS_NOSUID | MS_NODEV | MS_NOEXEC;
        steps.add(new LaunchPlan.MountStep("tmpfs", dest, "tmpfs", tmpfsFlags, "mode=755", o.propagation(), 0, "dir",
                0, 0, null));
        Set<String> names = new HashSet<>();
        for (CgroupView.Hierarchy h : v.v1()) names.add(h.name());
        for (CgroupView.Hierarchy h : v.v1()) {
            String target = dest + "/" + h.name();
            if (in.newCgroupNs())
                steps.add(new LaunchPlan.MountStep("cgroup", target, "cgroup", base | ro, h.data(), List.of(), 0, "dir",
                        0, 0, null));
            else
                steps.add(new LaunchPlan.MountStep(h.hostDir().toString(), target, "bind", MS_BIND | MS_REC, "",
                        List.of(), remountFlags(base | ro), "dir", 0, 0, null));
            if (h.name().contains(",")) {
                for (String c : h.name().split(","))
                    if (!names.contains(c)) steps.add(new LaunchPlan.SymlinkStep(h.name(), dest + "/" + c));
            }
        }
        if (ro != 0)
            steps.add(new LaunchPlan.MountStep("tmpfs", dest, "tmpfs", MS_REMOUNT | MS_RDONLY | tmpfsFlags, "mode=755",
                    List.of(), 0, "dir", 0, 0, null));
    }

    private static DeviceSpec device(Linux.Device d, String field) {
        if (d.path() == null || !d.path().startsWith("/dev/"))
            throw new ConfigException(field + ".path: must be an absolute path under /dev, got " + quote(d.path()));
        if (d.type() == null || d.type().length() != 1 || "cbup".indexOf(d.type().charAt(0)) < 0)
            throw new ConfigException(field + ".type: must be one of c, b, u, p, got " + quote(d.type()));
        char type = d.type().charAt(0) == 'u' ? 'c' : d.type().charAt(0);
        if (type != 'p' && (d.major() == null || d.minor() == null))
            throw new ConfigException(field + ": major and minor are required for a " + d.type() + " device");
        int mode = d.fileMode() == null ? 0666 : d.fileMode();
        return new DeviceSpec(Path.of(d.path()).normalize().toString(), type, d.major() == null ? 0 : d.major(),
                d.minor() == null ? 0 : d.minor(), mode, d.uid() == null ? 0 : d.uid(), d.gid() == null ? 0 : d.gid());
    }

    private static String quote(String s) { return s == null ? "nothing" : "\"" + s + "\""; }
}
