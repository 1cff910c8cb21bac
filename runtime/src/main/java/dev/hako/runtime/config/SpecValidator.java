package dev.hako.runtime.config;

import dev.hako.oci.runtime.IdMapping;
import dev.hako.oci.runtime.Linux;
import dev.hako.oci.runtime.Process;
import dev.hako.oci.runtime.Spec;
import dev.hako.runtime.namespaces.NamespaceType;
import dev.hako.runtime.process.Lsm;
import dev.hako.runtime.process.Personality;
import dev.hako.runtime.process.Rlimits;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks a config.json before anything is created. Collects every problem, each as
 * "field.path: what is wrong", e.g. {@code linux.namespaces[2].type: unknown namespace type "foo"}.
 */
public final class SpecValidator {

    /** The IPC-namespaced sysctls (besides fs.mqueue.*), as runc lists them. */
    private static final Set<String> IPC_SYSCTLS = Set.of("kernel.msgmax", "kernel.msgmnb", "kernel.msgmni",
            "kernel.sem", "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced");

    private final List<String> problems = new ArrayList<>();

    private SpecValidator() {}

    /** Throws {@link ConfigException} listing every problem; {@code bundle} resolves a relative root.path. */
    public static void validate(Spec spec, Path bundle) {
        List<String> p = problems(spec, bundle);
        if (!p.isEmpty()) throw new ConfigException(p);
    }

    public static List<String> problems(Spec spec, Path bundle) {
        SpecValidator v = new SpecValidator();
        v.check(spec, bundle);
        return List.copyOf(v.problems);
    }

    private void bad(String field, String what) { problems.add(field + ": " + what); }

    private void check(Spec spec, Path bundle) {
        if (spec == null) { bad("config.json", "is empty"); return; }
        if (spec.ociVersion() == null || spec.ociVersion().isEmpty()) bad("ociVersion", "missing");
        checkRoot(spec, bundle);
        checkProcess(spec.process());
        checkHooks(spec.hooks());
        if (spec.linux() == null) { bad("linux", "missing (a Linux container needs the linux section)"); return; }
        Map<NamespaceType, Linux.Namespace> ns = checkNamespaces(spec.linux());
        checkIdMappings(spec.linux(), ns);
        if (spec.hostname() != null && !spec.hostname().isEmpty() && !isNew(ns, NamespaceType.UTS))
            bad("hostname", "cannot set the hostname without a new uts namespace");
        if (spec.domainname() != null && !spec.domainname().isEmpty() && !isNew(ns, NamespaceType.UTS))
            bad("domainname", "cannot set the domainname without a new uts namespace");
        checkSysctls(spec.linux(), ns);
        checkLinuxMisc(spec.linux(), ns);
        List<String> paths = new ArrayList<>();
        if (spec.linux().maskedPaths() != null) paths.addAll(spec.linux().maskedPaths());
        if (spec.linux().readonlyPaths() != null) paths.addAll(spec.linux().readonlyPaths());
        if (!paths.isEmpty() && !isNew(ns, NamespaceType.MOUNT))
            bad("linux.maskedPaths", "masked and read-only paths need a new mount namespace");
        checkPaths(spec.linux().maskedPaths(), "linux.maskedPaths");
        checkPaths(spec.linux().readonlyPaths(), "linux.readonlyPaths");
        var mounts = spec.mountsOrEmpty();
        for (int i = 0; i < mounts.size(); i++) {
            var m = mounts.get(i);
            if (m.destination() == null || m.destination().isEmpty()) bad("mounts[" + i + "].destination", "missing");
        }
        if (!mounts.isEmpty() && !isNew(ns, NamespaceType.MOUNT))
            bad("mounts", "mounts need a new mount namespace (add {\"type\": \"mount\"} to linux.namespaces)");
    }

    private void checkRoot(Spec spec, Path bundle) {
        if (spec.root() == null || spec.root().path() == null || spec.root().path().isEmpty()) {
            bad("root.path", "missing");
            return;
        }
        Path root = bundle.resolve(spec.root().path()).normalize();
        if (!Files.exists(root)) { bad("root.path", root + " does not exist"); return; }
        if (!Files.isDirectory(root)) { bad("root.path", root + " is not a directory"); return; }
        for (String sub : List.of("proc", "sys", "dev")) {
            if (Files.isSymbolicLink(root.resolve(sub)))
                bad("root.path", root.resolve(sub) + " is a symlink; refusing a rootfs whose /" + sub + " is a symlink");
        }
    }

    private void checkProcess(Process p) {
        if (p == null) { bad("process", "missing"); return; }
        if (p.args() == null || p.args().isEmpty() || p.args().getFirst() == null || p.args().getFirst().isEmpty())
            bad("process.args", "must not be empty");
        if (p.cwd() == null || p.cwd().isEmpty()) bad("process.cwd", "missing");
        else if (!p.cwd().startsWith("/")) bad("process.cwd", "must be an absolute path, got \"" + p.cwd() + "\"");
        if (p.env() != null) {
            for (int i = 0; i < p.env().size(); i++) {
                String e = p.env().get(i);
                if (e == null || e.indexOf('=') <= 0) bad("process.env[" + i + "]", "\"" + e + "\" is not KEY=value");
            }
        }
        if (p.user() != null) {
            var u = p.user();
            if (u.uid() != null && u.uid() < 0) bad("process.user.uid", "must not be negative");
            if (u.gid() != null && u.gid() < 0) bad("process.user.gid", "must not be negative");
            if (u.umask() != null && (u.umask() < 0 || u.umask() > 0777))
                bad("process.user.umask", "must be between 0 and 0777, got " + u.umask());
        }
        if (p.rlimits() != null) {
            Set<String> seen = new HashSet<>();
            for (int i = 0; i < p.rlimits().size(); i++) {
                var r = p.rlimits().get(i);
                String f = "process.rlimits[" + i + "]";
                if (r.type() == null || Rlimits.number(r.type()).isEmpty())
                    bad(f + ".type", "unknown rlimit \"" + r.type() + "\"");
                else if (!seen.add(r.type())) bad(f + ".type", "duplicate rlimit \"" + r.type() + "\"");
                if (Long.compareUnsigned(r.soft(), r.hard()) > 0)
                    bad(f, "soft limit " + Long.toUnsignedString(r.soft()) + " is greater than hard limit "
                            + Long.toUnsignedString(r.hard()));
            }
        }
        if (p.oomScoreAdj() != null && (p.oomScoreAdj() < -1000 || p.oomScoreAdj() > 1000))
            bad("process.oomScoreAdj", "must be between -1000 and 1000, got " + p.oomScoreAdj());
        if (p.apparmorProfile() != null && !p.apparmorProfile().isEmpty() && !Lsm.apparmorEnabled())
            bad("process.apparmorProfile", "profile \"" + p.apparmorProfile()
                    + "\" requested but AppArmor is not enabled on this host");
        if (p.selinuxLabel() != null && !p.selinuxLabel().isEmpty() && !Lsm.selinuxEnabled())
            bad("process.selinuxLabel", "label \"" + p.selinuxLabel()
                    + "\" requested but SELinux is not enabled on this host");
        if (p.consoleSize() != null && !p.isTerminal())
            bad("process.consoleSize", "set but process.terminal is false");
    }

    private void checkHooks(dev.hako.oci.runtime.Hooks hooks) {
        for (var phase : dev.hako.runtime.hooks.HookRunner.Phase.values()) {
            var list = phase.of(hooks);
            for (int i = 0; i < list.size(); i++) {
                var h = list.get(i);
                String f = "hooks." + phase.field() + "[" + i + "]";
                if (h.path() == null || !h.path().startsWith("/"))
                    bad(f + ".path", "must be an absolute path, got \"" + h.path() + "\"");
                if (h.timeout() != null && h.timeout() <= 0)
                    bad(f + ".timeout", "must be positive, got " + h.timeout());
            }
        }
    }

    private Map<NamespaceType, Linux.Namespace> checkNamespaces(Linux linux) {
        Map<NamespaceType, Linux.Namespace> out = new EnumMap<>(NamespaceType.class);
        List<Linux.Namespace> list = linux.namespacesOrEmpty();
        for (int i = 0; i < list.size(); i++) {
            var n = list.get(i);
            String f = "linux.namespaces[" + i + "]";
            var t = NamespaceType.fromOci(n.type());
            if (t.isEmpty()) { bad(f + ".type", "unknown namespace type \"" + n.type() + "\""); continue; }
            if (out.containsKey(t.get())) { bad(f + ".type", "duplicate namespace \"" + n.type() + "\""); continue; }
            out.put(t.get(), n);
            if (n.path() != null && !n.path().isEmpty()) {
                Path p = Path.of(n.path());
                if (!p.isAbsolute()) bad(f + ".path", "must be absolute, got \"" + n.path() + "\"");
                else if (!Files.exists(p)) bad(f + ".path", n.path() + " does not exist");
                else if (!isNsFile(p, t.get()))
                    bad(f + ".path", n.path() + " is not a " + t.get().ociName() + " namespace");
            }
        }
        if (!out.containsKey(NamespaceType.MOUNT))
            bad("linux.namespaces", "a mount namespace is required");
        else if (!isNew(out, NamespaceType.MOUNT))
            bad("linux.namespaces", "joining an existing mount namespace is not supported; create a new one");
        return out;
    }

    /** /proc/PID/ns/TYPE or a bind mount of one: readlink of the original says "type:[inode]". */
    private static boolean isNsFile(Path p, NamespaceType t) {
        try {
            if (Files.isSymbolicLink(p)) {
                String target = Files.readSymbolicLink(p).toString();
                return target.startsWith(t.procName() + ":[");
            }
            // A bind-mounted namespace file: compare its filesystem type with nsfs through the inode's device.
            Object fsType = Files.getFileStore(p).type();
            return "nsfs".equals(fsType);
        } catch (IOException | UnsupportedOperationException e) {
            return true; // can't tell here; setns() will say
        }
    }

    private void checkIdMappings(Linux linux, Map<NamespaceType, Linux.Namespace> ns) {
        boolean hasUids = linux.uidMappings() != null && !linux.uidMappings().isEmpty();
        boolean hasGids = linux.gidMappings() != null && !linux.gidMappings().isEmpty();
        if (isNew(ns, NamespaceType.USER)) {
            if (!hasUids) bad("linux.uidMappings", "a new user namespace needs uid mappings");
            if (!hasGids) bad("linux.gidMappings", "a new user namespace needs gid mappings");
        } else if (hasUids || hasGids) {
            bad(hasUids ? "linux.uidMappings" : "linux.gidMappings",
                    ns.containsKey(NamespaceType.USER) ? "mappings can't be set when joining an existing user namespace"
                            : "mappings need a new user namespace (add {\"type\": \"user\"} to linux.namespaces)");
        }
        checkMap(linux.uidMappings(), "linux.uidMappings");
        checkMap(linux.gidMappings(), "linux.gidMappings");
    }

    private void checkMap(List<IdMapping> maps, String field) {
        if (maps == null) return;
        for (int i = 0; i < maps.size(); i++) {
            IdMapping m = maps.get(i);
            if (m.size() <= 0) bad(field + "[" + i + "].size", "must be positive, got " + m.size());
            if (m.containerID() < 0 || m.hostID() < 0) bad(field + "[" + i + "]", "ids must not be negative");
        }
    }

    private void checkSysctls(Linux linux, Map<NamespaceType, Linux.Namespace> ns) {
        if (linux.sysctl() == null) return;
        for (String s : linux.sysctl().keySet()) {
            String f = "linux.sysctl." + s;
            if (IPC_SYSCTLS.contains(s) || s.startsWith("fs.mqueue.")) {
                if (!ns.containsKey(NamespaceType.IPC)) bad(f, "not allowed in the host's ipc namespace");
                continue;
            }
            if (s.startsWith("net.")) {
                var net = ns.get(NamespaceType.NETWORK);
                if (net == null) bad(f, "not allowed in the host's network namespace");
                else if (net.path() != null && !net.path().isEmpty() && isHostNs(net.path(), "net"))
                    bad(f, "not allowed: linux.namespaces joins the host's network namespace " + net.path());
                continue;
            }
            if (isNew(ns, NamespaceType.UTS)) {
                if (s.equals("kernel.domainname")) continue;
                if (s.equals("kernel.hostname")) { bad(f, "conflicts with the \"hostname\" field; set that instead"); continue; }
            }
            bad(f, "not in a separate kernel namespace (only ipc, net and uts sysctls can be set in a container)");
        }
    }

    private static boolean isHostNs(String path, String type) {
        try {
            return Files.isSameFile(Path.of(path), Path.of("/proc/self/ns/" + type));
        } catch (IOException e) {
            return false;
        }
    }

    private void checkLinuxMisc(Linux linux, Map<NamespaceType, Linux.Namespace> ns) {
        if (linux.timeOffsets() != null && !linux.timeOffsets().isEmpty()) {
            if (!isNew(ns, NamespaceType.TIME)) bad("linux.timeOffsets", "need a new time namespace");
            for (String clock : linux.timeOffsets().keySet())
                if (!clock.equals("monotonic") && !clock.equals("boottime"))
                    bad("linux.timeOffsets." + clock, "unknown clock (monotonic or boottime)");
        }
        if (linux.personality() != null) {
            String d = linux.personality().domain();
            if (d == null || Personality.domain(d).isEmpty())
                bad("linux.personality.domain", "unknown domain \"" + d + "\" (LINUX or LINUX32)");
        }
        if (linux.rootfsPropagation() != null && !linux.rootfsPropagation().isEmpty()
                && !Set.of("private", "rprivate", "shared", "rshared", "slave", "rslave", "unbindable", "runbindable")
                .contains(linux.rootfsPropagation()))
            bad("linux.rootfsPropagation", "unknown propagation \"" + linux.rootfsPropagation() + "\"");
        if (linux.intelRdt() != null)
            bad("linux.intelRdt", "Intel RDT is not supported by this runtime");
        if (linux.mountLabel() != null && !linux.mountLabel().isEmpty() && !Lsm.selinuxEnabled())
            bad("linux.mountLabel", "label \"" + linux.mountLabel() + "\" requested but SELinux is not enabled on this host");
        if (linux.devices() != null) {
            for (int i = 0; i < linux.devices().size(); i++) {
                var d = linux.devices().get(i);
                String f = "linux.devices[" + i + "]";
                if (d.path() == null || !d.path().startsWith("/dev/") || Path.of(d.path()).normalize().toString().contains(".."))
                    bad(f + ".path", "must be an absolute path under /dev, got \"" + d.path() + "\"");
                if (d.type() == null || !Set.of("c", "b", "u", "p").contains(d.type()))
                    bad(f + ".type", "must be one of c, b, u, p, got \"" + d.type() + "\"");
                else if (!d.type().equals("p") && (d.major() == null || d.minor() == null))
                    bad(f, "major and minor are required for a \"" + d.type() + "\" device");
            }
        }
    }

    private void checkPaths(List<String> paths, String field) {
        if (paths == null) return;
        for (int i = 0; i < paths.size(); i++)
            if (paths.get(i) == null || !paths.get(i).startsWith("/"))
                bad(field + "[" + i + "]", "must be an absolute path, got \"" + paths.get(i) + "\"");
    }

    static boolean isNew(Map<NamespaceType, Linux.Namespace> ns, NamespaceType t) {
        var n = ns.get(t);
        return n != null && (n.path() == null || n.path().isEmpty());
    }
}
