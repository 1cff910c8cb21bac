package dev.hako.runtime.config;

import dev.hako.kernel.exec.LaunchPlan;
import dev.hako.oci.runtime.IdMapping;
import dev.hako.oci.runtime.Linux;
import dev.hako.oci.runtime.Spec;
import dev.hako.runtime.namespaces.NamespaceType;
import dev.hako.runtime.process.ProcessTranslator;
import dev.hako.runtime.rootfs.CgroupView;
import dev.hako.runtime.rootfs.RootfsPlanner;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Function;

/** A validated config.json → the launch plan for CREATE or RUN. */
public final class PlanTranslator {
    private PlanTranslator() {}

    /**
     * @param mode               CREATE (wait on the exec fifo) or RUN
     * @param execFifo           CREATE: the fifo path; RUN: null
     * @param consoleSocket      for process.terminal: the socket the pty master is sent to (null if none)
     * @param preserveFds        extra fds passed on (3..3+n-1)
     * @param noPivot            use chroot/move instead of pivot_root (ramdisk roots)
     * @param cgroups            the container's cgroups, for "cgroup" mounts (null if the config has none)
     * @param seccomp            compiles linux.seccomp (null: seccomp not supported → error when configured)
     * @param createContainerHooks already built hook plans, run before pivot_root
     * @param startContainerHooks  already built hook plans, run before the user process
     * @param warn               receives warnings (unknown capabilities, relative destinations, ...)
     * @param sessionKeyring     the session keyring the init joins (runc: "_ses." + id); null: keep the caller's
     */
    public record Options(LaunchPlan.Mode mode, Path execFifo, String consoleSocket, int preserveFds, boolean noPivot,
                          CgroupView cgroups, Function<Linux.Seccomp, LaunchPlan.SeccompPlan> seccomp,
                          List<LaunchPlan.HookPlan> createContainerHooks,
                          List<LaunchPlan.HookPlan> startContainerHooks, Consumer<String> warn, String sessionKeyring) {
        public Options(LaunchPlan.Mode mode, Path execFifo, String consoleSocket, int preserveFds, boolean noPivot,
                       CgroupView cgroups, Function<Linux.Seccomp, LaunchPlan.SeccompPlan> seccomp,
                       List<LaunchPlan.HookPlan> createContainerHooks,
                       List<LaunchPlan.HookPlan> startContainerHooks, Consumer<String> warn) {
            this(mode, execFifo, consoleSocket, preserveFds, noPivot, cgroups, seccomp, createContainerHooks,
                    startContainerHooks, warn, null);
        }
    }

    /** runc's search permission for the joined keyring: "other" in a new user namespace, else the possessor's uid. */
    static final long KEY_OTH_SEARCH = 0x8, KEY_USR_SEARCH = 0x80000;

    /** Validates, then translates. {@code bundle} must be absolute. */
    public static LaunchPlan translate(Spec spec, Path bundle, Options o) {
        SpecValidator.validate(spec, bundle);
        Linux linux = spec.linux();
        Path rootfs = bundle.resolve(spec.root().path()).normalize();

        List<LaunchPlan.Namespace> namespaces = new ArrayList<>();
        boolean newUser = false, newNet = false, newCgroup = false;
        List<Linux.Namespace> sorted = new ArrayList<>(linux.namespacesOrEmpty());
        sorted.sort(Comparator.comparing(n -> NamespaceType.fromOci(n.type()).orElseThrow()));
        for (Linux.Namespace n : sorted) {
            NamespaceType t = NamespaceType.fromOci(n.type()).orElseThrow();
            String path = n.path() == null || n.path().isEmpty() ? null : n.path();
            namespaces.add(new LaunchPlan.Namespace(t.procName(), path));
            if (path == null) {
                if (t == NamespaceType.USER) newUser = true;
                if (t == NamespaceType.NETWORK) newNet = true;
                if (t == NamespaceType.CGROUP) newCgroup = true;
            }
        }

        List<LaunchPlan.TimeOffset> offsets = new ArrayList<>();
        if (linux.timeOffsets() != null)
            for (var e : new TreeMap<>(linux.timeOffsets()).entrySet())
                offsets.add(new LaunchPlan.TimeOffset(e.getKey(), e.getValue().secs(), e.getValue().nanosecs()));

        List<LaunchPlan.Sysctl> sysctls = new ArrayList<>();
        if (linux.sysctl() != null)
            for (Map.Entry<String, String> e : new TreeMap<>(linux.sysctl()).entrySet())
                sysctls.add(new LaunchPlan.Sysctl(e.getKey(), e.getValue()));

        var rootfsSteps = RootfsPlanner.plan(new RootfsPlanner.Input(spec, rootfs, bundle, newUser, newNet, newCgroup,
                o.cgroups(), o.noPivot(), o.createContainerHooks()), o.warn());

        LaunchPlan.SeccompPlan seccomp = null;
        if (linux.seccomp() != null) {
            if (o.seccomp() == null) throw new ConfigException("linux.seccomp: seccomp is not available in this build");
            seccomp = o.seccomp().apply(linux.seccomp());
        }
        var process = ProcessTranslator.translate(spec.process(), linux.personality(), seccomp, o.warn(),
                o.sessionKeyring(), newUser ? KEY_OTH_SEARCH : KEY_USR_SEARCH);
        warnUnsupported(spec, o.warn());

        return new LaunchPlan(o.mode(), List.copyOf(namespaces), idMaps(linux.uidMappings()), idMaps(linux.gidMappings()),
                newUser, List.copyOf(offsets), rootfs.toString(), List.copyOf(rootfsSteps), List.copyOf(sysctls),
                emptyToNull(spec.hostname()), emptyToNull(spec.domainname()), process,
                o.execFifo() == null ? null : o.execFifo().toString(), o.consoleSocket(), List.of(),
                List.copyOf(o.startContainerHooks()), o.preserveFds());
    }

    /** Fields the launch plan has no step for yet: said once, not silently dropped. */
    static void warnUnsupported(Spec spec, Consumer<String> warn) {
        var p = spec.process();
        var pers = spec.linux().personality();
        if (pers != null && pers.flags() != null && !pers.flags().isEmpty())
            warn.accept("linux.personality.flags are not supported; ignored");
    }

    public static List<LaunchPlan.IdMap> idMaps(List<IdMapping> maps) {
        if (maps == null) return List.of();
        return maps.stream().map(m -> new LaunchPlan.IdMap(m.containerID(), m.hostID(), m.size())).toList();
    }

    private static String emptyToNull(String s) { return s == null || s.isEmpty() ? null : s; }
}
