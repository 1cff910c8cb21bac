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
        return new LaunchPlan.ProcessPlan(List.copyOf(p.args()), p.env() == null ? List.of() : List.copyOf(p.env()), cwd,
                uid, gid, groups, umask, List.copyOf(rlimits), CapabilitySets.translate(p.capabilities(), warn),
                p.isNoNewPrivileges(), seccomp, pers, p.oomScoreAdj(), emptyToNull(p.apparmorProfile()),
                emptyToNull(p.selinuxLabel()), p.isTerminal(), h, w);
    }

    private static String emptyToNull(String s) { return s == null || s.isEmpty() ? null : s; }
}
