package dev.hako.engine.config;

import dev.hako.engine.EngineException;
import dev.hako.oci.image.ImageConfig;
import dev.hako.oci.runtime.Linux;
import dev.hako.oci.runtime.Mount;
import dev.hako.oci.runtime.Process;
import dev.hako.oci.runtime.Resources;
import dev.hako.oci.runtime.Root;
import dev.hako.oci.runtime.Spec;
import dev.hako.runtime.capabilities.Capability;
import dev.hako.runtime.seccomp.DefaultProfile;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Image config + run options → an OCI runtime spec with docker's defaults (moby's oci/defaults.go and
 * daemon/oci_linux.go): capabilities, the default seccomp profile, masked and read-only paths, the standard
 * mounts, /etc/hostname, /etc/hosts and /etc/resolv.conf bound from files the engine writes.
 */
public final class ContainerSpecBuilder {
    public static final String DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    public static final long DEFAULT_SHM_SIZE = 64L << 20;
    private static final long CPU_PERIOD = 100_000;

    /** docker's default capability set (moby oci/caps/defaults.go), in its order. */
    public static final List<String> DEFAULT_CAPABILITIES = List.of(
            "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID",
            "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL",
            "CAP_AUDIT_WRITE");

    public static final List<String> MASKED_PATHS = List.of(
            "/proc/asound", "/proc/acpi", "/proc/interrupts", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
            "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware",
            "/sys/devices/virtual/powercap");

    public static final List<String> READONLY_PATHS = List.of(
            "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger");

    /** Where the engine keeps the files bound over /etc/hostname, /etc/hosts and /etc/resolv.conf. */
    public record EtcFiles(Path hostname, Path hosts, Path resolvConf) {
        public static EtcFiles in(Path containerDir) {
            return new EtcFiles(containerDir.resolve("hostname"), containerDir.resolve("hosts"), containerDir.resolve("resolv.conf"));
        }
    }

    /**
     * @param id        the container id (64 hex); the default hostname is its first 12 characters
     * @param rootfs    the prepared root filesystem (absolute); users are resolved through its /etc files
     * @param etc       files the engine writes for the /etc binds
     */
    public Spec build(String id, ImageConfig.Config image, RunOptions o, Path rootfs, EtcFiles etc) {
        List<Mount> binds = new ArrayList<>();
        for (String b : o.binds) binds.add(bind(b));
        return build(id, image, o, rootfs, etc, binds);
    }

    /**
     * @param userMounts the binds, volumes and --mount tmpfs the engine prepared (engine.volume.VolumeMounts), in
     *                   mount order; they replace default mounts on the same destination
     */
    public Spec build(String id, ImageConfig.Config image, RunOptions o, Path rootfs, EtcFiles etc, List<Mount> userMounts) {
        ImageConfig.Config img = image != null ? image : ImageConfig.Config.of(null, null, null, null);
        String hostname = o.hostname != null && !o.hostname.isEmpty() ? o.hostname : id.substring(0, Math.min(12, id.length()));
        UserResolver.ResolvedUser user = new UserResolver(rootfs).resolve(o.user != null && !o.user.isEmpty() ? o.user : img.user());

        List<String> args = args(img, o);
        String cwd = o.workdir != null && !o.workdir.isEmpty() ? o.workdir
                : img.workingDir() != null && !img.workingDir().isEmpty() ? img.workingDir() : "/";
        if (!cwd.startsWith("/")) throw new EngineException("the working directory '" + cwd + "' is invalid, it needs to be an absolute path");

        List<String> caps = capabilities(o);
        Security sec = security(o, caps);
        var capSet = new Process.Capabilities(caps, caps, List.of(), caps, List.of());
        var process = new Process(o.tty, null,
                new Process.User(user.uid(), user.gid(), null, user.additionalGids().isEmpty() ? null : user.additionalGids(), null),
                args, null, env(img, o, hostname, user), cwd, capSet, null, sec.noNewPrivileges(), null, null, null, null, null, null);

        var linux = new Linux(
                List.of(ns("mount"), ns("network"), ns("uts"), ns("pid"), ns("ipc")),
                null, null, null, null, "/hako/" + id, resources(o), null, sec.seccomp(),
                o.sysctls.isEmpty() ? null : new LinkedHashMap<>(o.sysctls),
                o.privileged ? List.of() : MASKED_PATHS, o.privileged ? List.of() : READONLY_PATHS, null, null, null);
        Spec spec = new Spec("1.2.0", process, new Root(rootfs.toString(), o.readOnly), hostname, null,
                mounts(o, etc, userMounts), null, Map.of(), linux);
        return RunFlags.apply(spec, o, rootfs);
    }

    /** Entrypoint + Cmd with docker's override rules: --entrypoint drops the image's Cmd too. */
    static List<String> args(ImageConfig.Config img, RunOptions o) {
        List<String> entry;
        List<String> cmd;
        if (o.entrypoint != null) {
            entry = o.entrypoint.isEmpty() ? List.of() : List.of(o.entrypoint);
            cmd = o.command;
        } else {
            entry = img.entrypoint() == null ? List.of() : img.entrypoint();
            cmd = !o.command.isEmpty() ? o.command : img.cmd() == null ? List.of() : img.cmd();
        }
        List<String> args = new ArrayList<>(entry);
        args.addAll(cmd);
        if (args.isEmpty()) throw new EngineException("no command specified");
        return List.copyOf(args);
    }

    /** PATH default, HOSTNAME, the image's env, then -e (later keys replace earlier ones), TERM for a tty, HOME. */
    static List<String> env(ImageConfig.Config img, RunOptions o, String hostname, UserResolver.ResolvedUser user) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", DEFAULT_PATH);
        env.put("HOSTNAME", hostname);
        for (String e : img.envOrEmpty()) put(env, e);
        for (String e : o.env) put(env, e);
        if (o.tty) env.putIfAbsent("TERM", "xterm");
        env.putIfAbsent("HOME", user.home());
        List<String> out = new ArrayList<>();
        env.forEach((k, v) -> out.add(v == null ? k : k + "=" + v));
        return List.copyOf(out);
    }

    private static void put(Map<String, String> env, String entry) {
        int eq = entry.indexOf('=');
        if (eq == 0) throw new EngineException("invalid environment variable: " + entry);
        if (eq < 0) env.put(entry, null);
        else env.put(entry.substring(0, eq), entry.substring(eq + 1));
    }

    /** docker's default set, then --cap-add/--cap-drop (ALL allowed on both sides); --privileged: all. */
    static List<String> capabilities(RunOptions o) {
        if (o.privileged) {
            List<String> all = new ArrayList<>();
            for (Capability c : Capability.values()) all.add(c.capName());
            return List.copyOf(all);
        }
        Set<String> add = normalize(o.capAdd, "--cap-add");
        Set<String> drop = normalize(o.capDrop, "--cap-drop");
        Set<String> caps = new LinkedHashSet<>();
        if (add.contains("ALL")) {
            for (Capability c : Capability.values()) caps.add(c.capName());
        } else {
            if (!drop.contains("ALL")) caps.addAll(DEFAULT_CAPABILITIES);
            for (String c : add) caps.add(c);
        }
        if (!drop.contains("ALL")) caps.removeAll(drop);
        else if (add.contains("ALL")) caps.clear();
        return List.copyOf(caps);
    }

    private static Set<String> normalize(List<String> names, String flag) {
        Set<String> out = new LinkedHashSet<>();
        for (String n : names) {
            String u = n.trim().toUpperCase(Locale.ROOT);
            if (u.equals("ALL")) { out.add("ALL"); continue; }
            if (!u.startsWith("CAP_")) u = "CAP_" + u;
            if (Capability.fromName(u).isEmpty()) throw new EngineException("invalid " + flag + ": unknown capability: \"" + n + "\"");
            out.add(u);
        }
        return out;
    }

    private record Security(Linux.Seccomp seccomp, boolean noNewPrivileges) {}

    private static Security security(RunOptions o, List<String> caps) {
        boolean nnp = false;
        String seccomp = null;
        for (String opt : o.securityOpt) {
            int sep = indexOfSeparator(opt);
            String key = sep < 0 ? opt : opt.substring(0, sep);
            String value = sep < 0 ? null : opt.substring(sep + 1);
            switch (key) {
                case "no-new-privileges" -> {
                    if (value == null || value.equals("true")) nnp = true;
                    else if (value.equals("false")) nnp = false;
                    else throw new EngineException("invalid --security-opt 2: \"" + opt + "\"");
                }
                case "seccomp" -> {
                    if (value == null || value.isEmpty()) throw new EngineException("invalid --security-opt: \"" + opt + "\": seccomp needs =unconfined or =FILE");
                    seccomp = value;
                }
                case "apparmor", "label" -> { /* no LSM support yet: accepted as docker does on hosts without one */ }
                default -> throw new EngineException("invalid --security-opt 1: \"" + opt + "\"");
            }
        }
        if (o.privileged || "unconfined".equals(seccomp)) return new Security(null, nnp);
        if (seccomp == null) return new Security(DefaultProfile.load(caps), nnp);
        try {
            return new Security(DefaultProfile.resolve(Files.readAllBytes(Path.of(seccomp)), caps), nnp);
        } catch (IOException e) {
            throw new EngineException("opening seccomp profile (" + seccomp + ") failed: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new EngineException("decoding seccomp profile (" + seccomp + ") failed: " + e.getMessage(), e);
        }
    }

    /** docker accepts both seccomp=X and seccomp:X. */
    private static int indexOfSeparator(String opt) {
        int eq = opt.indexOf('='), colon = opt.indexOf(':');
        if (eq < 0) return colon;
        if (colon < 0) return eq;
        return Math.min(eq, colon);
    }

    static Resources resources(RunOptions o) {
        List<Resources.DeviceRule> devices = new ArrayList<>();
        if (o.privileged) {
            devices.add(new Resources.DeviceRule(true, "a", null, null, "rwm"));
        } else {
            devices.add(new Resources.DeviceRule(false, "a", null, null, "rwm"));
            devices.add(new Resources.DeviceRule(true, "c", null, null, "m"));
            devices.add(new Resources.DeviceRule(true, "b", null, null, "m"));
            devices.add(dev(1, 3));   // null
            devices.add(dev(1, 8));   // random
            devices.add(dev(1, 7));   // full
            devices.add(dev(5, 0));   // tty
            devices.add(dev(1, 5));   // zero
            devices.add(dev(1, 9));   // urandom
            devices.add(new Resources.DeviceRule(true, "c", 136L, null, "rwm")); // pts
            devices.add(dev(5, 2));   // ptmx
            devices.add(dev(10, 200)); // tun
        }
        Resources.Memory memory = o.memory > 0 ? new Resources.Memory(o.memory, null, null, null, null, null, null, null, null) : null;
        Resources.Cpu cpu = o.cpus > 0
                ? new Resources.Cpu(null, Math.round(o.cpus * CPU_PERIOD), null, CPU_PERIOD, null, null, null, null, null) : null;
        Resources.Pids pids = o.pidsLimit > 0 ? new Resources.Pids(o.pidsLimit) : null;
        return new Resources(List.copyOf(devices), memory, cpu, pids, null, null, null, null, null);
    }

    private static Resources.DeviceRule dev(long major, long minor) {
        return new Resources.DeviceRule(true, "c", major, minor, "rwm");
    }

    static List<Mount> mounts(RunOptions o, EtcFiles etc, List<Mount> userMounts) {
        boolean priv = o.privileged;
        long shm = o.shmSize > 0 ? o.shmSize : DEFAULT_SHM_SIZE;
        Map<String, Mount> byDest = new LinkedHashMap<>();
        add(byDest, new Mount("/proc", "proc", "proc", List.of("nosuid", "noexec", "nodev"), null, null));
        add(byDest, new Mount("/dev", "tmpfs", "tmpfs", List.of("nosuid", "strictatime", "mode=755", "size=65536k"), null, null));
        add(byDest, new Mount("/dev/pts", "devpts", "devpts",
                List.of("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"), null, null));
        add(byDest, new Mount("/sys", "sysfs", "sysfs", List.of("nosuid", "noexec", "nodev", priv ? "rw" : "ro"), null, null));
        add(byDest, new Mount("/sys/fs/cgroup", "cgroup", "cgroup", List.of(priv ? "rw" : "ro", "nosuid", "noexec", "nodev"), null, null));
        add(byDest, new Mount("/dev/mqueue", "mqueue", "mqueue", List.of("nosuid", "noexec", "nodev"), null, null));
        add(byDest, new Mount("/dev/shm", "tmpfs", "shm", List.of("nosuid", "noexec", "nodev", "mode=1777", "size=" + shm), null, null));
        List<String> etcOpts = o.readOnly ? List.of("rbind", "rprivate", "ro") : List.of("rbind", "rprivate");
        add(byDest, new Mount("/etc/resolv.conf", "bind", etc.resolvConf().toString(), etcOpts, null, null));
        add(byDest, new Mount("/etc/hostname", "bind", etc.hostname().toString(), etcOpts, null, null));
        add(byDest, new Mount("/etc/hosts", "bind", etc.hosts().toString(), etcOpts, null, null));
        for (String t : o.tmpfs) add(byDest, tmpfs(t));
        for (Mount m : userMounts) add(byDest, m);
        return List.copyOf(byDest.values());
    }

    /** A user mount replaces a default one on the same destination (docker does the same). */
    private static void add(Map<String, Mount> byDest, Mount m) {
        byDest.remove(m.destination());
        byDest.put(m.destination(), m);
    }

    static Mount tmpfs(String spec) {
        int colon = spec.indexOf(':');
        String dst = colon < 0 ? spec : spec.substring(0, colon);
        checkDestination(dst, "--tmpfs", spec);
        List<String> opts = new ArrayList<>(List.of("nosuid", "nodev", "noexec"));
        if (colon >= 0 && colon + 1 < spec.length()) for (String x : spec.substring(colon + 1).split(",")) if (!x.isEmpty()) opts.add(x);
        return new Mount(dst, "tmpfs", "tmpfs", List.copyOf(opts), null, null);
    }

    static Mount bind(String spec) {
        String[] p = spec.split(":", -1);
        if (p.length < 2 || p.length > 3 || p[0].isEmpty() || p[1].isEmpty())
            throw new EngineException("invalid volume specification: '" + spec + "'");
        if (!p[0].startsWith("/"))
            throw new EngineException("invalid volume specification: '" + spec + "': named volumes are not supported yet, the source must be an absolute path");
        checkDestination(p[1], "-v", spec);
        List<String> opts = new ArrayList<>(List.of("rbind"));
        boolean ro = false;
        if (p.length == 3) {
            for (String m : p[2].split(",")) {
                switch (m) {
                    case "ro" -> ro = true;
                    case "rw", "" -> { }
                    case "z", "Z" -> { /* SELinux relabel: no SELinux support, ignored */ }
                    case "private", "rprivate", "shared", "rshared", "slave", "rslave" -> opts.add(m);
                    default -> throw new EngineException("invalid mode: " + m + " in volume specification '" + spec + "'");
                }
            }
        }
        if (opts.stream().noneMatch(x -> x.endsWith("private") || x.endsWith("shared") || x.endsWith("slave"))) opts.add("rprivate");
        if (ro) opts.add("ro");
        return new Mount(p[1], "bind", p[0], List.copyOf(opts), null, null);
    }

    private static void checkDestination(String dst, String flag, String spec) {
        if (!dst.startsWith("/")) throw new EngineException("invalid " + flag + " '" + spec + "': destination must be an absolute path");
        if (dst.equals("/")) throw new EngineException("invalid " + flag + " '" + spec + "': destination can't be '/'");
    }

    private static Linux.Namespace ns(String type) { return new Linux.Namespace(type, null); }
}
