package dev.hako.runtime.process;

import dev.hako.kernel.exec.LaunchPlan;
import dev.hako.oci.runtime.Linux;
import dev.hako.oci.runtime.Process;
import dev.hako.runtime.capabilities.CapabilitySets;
import dev.hako.runtime.config.ConfigException;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/** config.json process (+ linux.personality) → the launch plan's ProcessPlan. */
public final class ProcessTranslator {
    private ProcessTranslator() {}

    public static LaunchPlan.ProcessPlan translate(Process p, Linux.Personality personality,
                                                   LaunchPlan.SeccompPlan seccomp, Consumer<String> warn) {
        return translate(p, personality, seccomp, warn, null, 0);
    }

    /**
     * @param sessionKeyring the session keyring the process joins (runc: "_ses." + id; null: keep the caller's)
     * @param keyringPerms   permission bits added to that keyring
     */
    public static LaunchPlan.ProcessPlan translate(Process p, Linux.Personality personality,
                                                   LaunchPlan.SeccompPlan seccomp, Consumer<String> warn,
                                                   String sessionKeyring, long keyringPerms) {
        if (p == null) throw new ConfigException("process: missing");
        if (p.args() == null || p.args().isEmpty()) throw new ConfigException("process.args: must not be empty");
        var user = p.user();
        int uid = user == null ? 0 : user.uidOrRoot();
        int gid = user == null ? 0 : user.gidOrRoot();
        List<Integer> groups = user == null || user.additionalGids() == null ? List.of() : List.copyOf(user.additionalGids());
        Integer umask = user == null ? null : user.umask();
        List<LaunchPlan.Rlimit> rlimits = new ArrayList<>();
        if (p.rlimits() != null) {
            for (int i = 0; i < p.rlimits().size(); i++) {
                var r = p.rlimits().get(i);
                int n = Rlimits.number(r.type()).orElseThrow(
                        () -> new ConfigException("process.rlimits: unknown rlimit \"" + r.type() + "\""));
                rlimits.add(new LaunchPlan.Rlimit(n, r.soft(), r.hard()));
            }
        }
        Long pers = null;
        if (personality != null && personality.domain() != null)
            pers = Personality.domain(personality.domain()).orElseThrow(() -> new ConfigException(
                    "linux.personality.domain: unknown domain \"" + personality.domain() + "\""));
        String cwd = p.cwd() == null || p.cwd().isEmpty() ? "/" : p.cwd();
        Integer h = p.consoleSize() == null ? null : p.consoleSize().height();
        Integer w = p.consoleSize() == null ? null : p.consoleSize().width();
        return new LaunchPlan.ProcessPlan(List.copyOf(p.args()), env(p.env()), cwd,
                uid, gid, groups, umask, List.copyOf(rlimits), CapabilitySets.translate(p.capabilities(), warn),
                p.isNoNewPrivileges(), seccomp, pers, p.oomScoreAdj(), emptyToNull(p.apparmorProfile()),
                emptyToNull(p.selinuxLabel()), p.isTerminal(), h, w, extras(p, sessionKeyring, keyringPerms));
    }

    /**
     * As runc: every entry is NAME=value with a non-empty name (runc 1.1 and later refuse others); a repeated
     * name keeps its first place and takes the last value.
     */
    static List<String> env(List<String> env) {
        if (env == null) return List.of();
        List<String> out = new ArrayList<>(env.size());
        java.util.Map<String, Integer> at = new java.util.HashMap<>();
        for (int i = 0; i < env.size(); i++) {
            String e = env.get(i);
            int eq = e == null ? -1 : e.indexOf('=');
            if (eq <= 0) throw new ConfigException("process.env[" + i + "]: invalid environment variable \"" + e + "\": "
                    + (eq == 0 ? "name cannot be empty" : "missing '='"));
            Integer prev = at.putIfAbsent(e.substring(0, eq), out.size());
            if (prev == null) out.add(e);
            else out.set(prev, e);
        }
        return List.copyOf(out);
    }

    static LaunchPlan.Extras extras(Process p, String keyring, long keyringPerms) {
        boolean home = p.env() == null || p.env().stream().noneMatch(e -> e.startsWith("HOME="));
        LaunchPlan.IoPriority io = null;
        if (p.ioPriority() != null) {
            int cls = switch (String.valueOf(p.ioPriority().clazz())) {
                case "IOPRIO_CLASS_RT" -> 1;
                case "IOPRIO_CLASS_BE" -> 2;
                case "IOPRIO_CLASS_IDLE" -> 3;
                default -> throw new ConfigException("process.ioPriority.class: unknown class \"" + p.ioPriority().clazz() + "\"");
            };
            int level = p.ioPriority().priority();
            if (level < 0 || level > 7) throw new ConfigException("process.ioPriority.priority: " + level + " is not in 0..7");
            io = new LaunchPlan.IoPriority(cls, level);
        }
        LaunchPlan.Scheduler sched = null;
        var s = p.scheduler();
        if (s != null) {
            int policy = switch (String.valueOf(s.policy())) {
                case "SCHED_OTHER" -> 0;
                case "SCHED_FIFO" -> 1;
                case "SCHED_RR" -> 2;
                case "SCHED_BATCH" -> 3;
                case "SCHED_ISO" -> 4;
                case "SCHED_IDLE" -> 5;
                case "SCHED_DEADLINE" -> 6;
                default -> throw new ConfigException("process.scheduler.policy: unknown policy \"" + s.policy() + "\"");
            };
            long flags = 0;
            for (String f : s.flags() == null ? List.<String>of() : s.flags())
                flags |= switch (f) {
                    case "SCHED_FLAG_RESET_ON_FORK" -> 0x01;
                    case "SCHED_FLAG_RECLAIM" -> 0x02;
                    case "SCHED_FLAG_DL_OVERRUN" -> 0x04;
                    case "SCHED_FLAG_KEEP_POLICY" -> 0x08;
                    case "SCHED_FLAG_KEEP_PARAMS" -> 0x10;
                    case "SCHED_FLAG_UTIL_CLAMP_MIN" -> 0x20;
                    case "SCHED_FLAG_UTIL_CLAMP_MAX" -> 0x40;
                    default -> throw new ConfigException("process.scheduler.flags: unknown flag \"" + f + "\"");
                };
            int nice = s.nice() == null ? 0 : s.nice();
            if (nice < -20 || nice > 19) throw new ConfigException("process.scheduler.nice: " + nice + " is not in -20..19");
            sched = new LaunchPlan.Scheduler(policy, nice, s.priority() == null ? 0 : s.priority(), flags,
                    s.runtime() == null ? 0 : s.runtime(), s.deadline() == null ? 0 : s.deadline(),
                    s.period() == null ? 0 : s.period());
        }
        var aff = p.execCPUAffinity();
        String cpuInitial = aff == null ? null : cpuList(aff.initial(), "initial");
        String cpuFinal = aff == null ? null : cpuList(aff.finalCpus(), "final");
        if (!home && io == null && sched == null && keyring == null && cpuInitial == null && cpuFinal == null) return null;
        return new LaunchPlan.Extras(home, io, sched, keyring, keyringPerms, cpuInitial, cpuFinal);
    }

    private static final java.util.regex.Pattern CPU_LIST = java.util.regex.Pattern.compile("\\d+(-\\d+)?(,\\d+(-\\d+)?)*");

    /** A CPU list as the kernel writes them ("0-3,7"); blank means unset. */
    private static String cpuList(String list, String which) {
        if (list == null || list.isBlank()) return null;
        String s = list.strip();
        if (!CPU_LIST.matcher(s).matches())
            throw new ConfigException("process.execCPUAffinity." + which + ": invalid CPU list \"" + list + "\"");
        return s;
    }

    private static String emptyToNull(String s) { return s == null || s.isEmpty() ? null : s; }
}
