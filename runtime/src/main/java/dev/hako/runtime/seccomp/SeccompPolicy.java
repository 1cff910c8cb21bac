package dev.hako.runtime.seccomp;

import dev.hako.oci.runtime.Linux;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * linux.seccomp checked and resolved: actions parsed, architectures known, flags as bits. Every
 * error names the config field. Unknown syscall names are not errors (runc and crun ignore them so
 * one profile serves many kernels); they become warnings when no listed architecture knows them.
 */
record SeccompPolicy(SeccompAction defaultAction, List<Arch> arches, long flags, String listenerPath,
                     List<Rule> rules, List<String> warnings) {

    enum Op { NE, LT, LE, EQ, GE, GT, MASKED_EQ }

    /** args[index] OP value; for MASKED_EQ: (args[index] & value) == valueTwo. */
    record Condition(int index, Op op, long value, long valueTwo) {}

    /** One linux.seccomp.syscalls[] entry: its conditions are ANDed. */
    record Rule(String path, List<String> names, SeccompAction action, List<Condition> conditions) {}

    static final long FLAG_TSYNC = 1, FLAG_LOG = 2, FLAG_SPEC_ALLOW = 4, FLAG_NEW_LISTENER = 8,
            FLAG_TSYNC_ESRCH = 16, FLAG_WAIT_KILLABLE_RECV = 32;

    static final Map<String, Long> FLAGS = Map.of(
            "SECCOMP_FILTER_FLAG_TSYNC", FLAG_TSYNC,
            "SECCOMP_FILTER_FLAG_LOG", FLAG_LOG,
            "SECCOMP_FILTER_FLAG_SPEC_ALLOW", FLAG_SPEC_ALLOW,
            "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", FLAG_WAIT_KILLABLE_RECV);

    private static final String P = "linux.seccomp";

    static SeccompPolicy parse(Linux.Seccomp c, Arch nativeArch) {
        if (c == null) throw new SeccompException(P, "missing");
        List<String> warnings = new ArrayList<>();
        SeccompAction def = SeccompAction.parse(c.defaultAction(), c.defaultErrnoRet(),
                P + ".defaultAction", P + ".defaultErrnoRet");
        if (def.kind() == SeccompAction.Kind.NOTIFY) {
            // The notify fd is sent with write(); a filter notifying on everything would deadlock the init.
            throw new SeccompException(P + ".defaultAction", "SCMP_ACT_NOTIFY cannot be the default action");
        }

        // libseccomp always filters the native architecture; the listed ones are added to it.
        Set<Arch> arches = new LinkedHashSet<>();
        arches.add(nativeArch);
        List<String> archNames = c.architectures() == null ? List.of() : c.architectures();
        for (int i = 0; i < archNames.size(); i++) {
            String n = archNames.get(i);
            String ap = P + ".architectures[" + i + "]";
            Arch a = Arch.byScmpName(n).orElseThrow(() -> new SeccompException(ap, "unknown architecture \"" + n + "\""));
            arches.add(a);
        }
        List<Arch> supported = new ArrayList<>();
        for (Arch a : arches) {
            if (a.supported()) supported.add(a);
            else warnings.add(P + ".architectures: " + a.scmpName() + " has no syscall table in hako; "
                    + "its syscalls get the bad-architecture action (kill)");
        }
        if (!nativeArch.supported()) {
            throw new SeccompException(P, "the host architecture " + nativeArch.scmpName() + " has no syscall table in hako");
        }

        long flags = 0;
        List<String> flagNames = c.flags() == null ? List.of() : c.flags();
        for (int i = 0; i < flagNames.size(); i++) {
            Long bit = FLAGS.get(flagNames.get(i));
            if (bit == null) throw new SeccompException(P + ".flags[" + i + "]", "unknown flag \"" + flagNames.get(i) + "\"");
            flags |= bit;
        }

        List<Rule> rules = new ArrayList<>();
        List<Linux.Syscall> calls = c.syscalls() == null ? List.of() : c.syscalls();
        boolean notify = false;
        for (int i = 0; i < calls.size(); i++) {
            String path = P + ".syscalls[" + i + "]";
            Linux.Syscall s = calls.get(i);
            if (s == null) throw new SeccompException(path, "null entry");
            if (s.names() == null || s.names().isEmpty()) throw new SeccompException(path + ".names", "must list at least one syscall");
            SeccompAction action = SeccompAction.parse(s.action(), s.errnoRet(), path + ".action", path + ".errnoRet");
            for (int j = 0; j < s.names().size(); j++) {
                String name = s.names().get(j);
                if (name == null || name.isEmpty()) throw new SeccompException(path + ".names[" + j + "]", "empty syscall name");
                if (action.kind() == SeccompAction.Kind.NOTIFY && name.equals("write")) {
                    throw new SeccompException(path + ".names[" + j + "]",
                            "SCMP_ACT_NOTIFY cannot be used for write (the notify fd is handed over with write)");
                }
                boolean known = false;
                for (Arch a : supported) known |= SyscallTable.of(a).orElseThrow().number(name).isPresent();
                if (!known) {
                    warnings.add(path + ".names[" + j + "]: unknown syscall \"" + name + "\" for "
                            + String.join(", ", supported.stream().map(Arch::scmpName).toList()) + " (ignored)");
                }
            }
            List<Condition> conds = new ArrayList<>();
            List<Linux.SeccompArg> args = s.args() == null ? List.of() : s.args();
            for (int k = 0; k < args.size(); k++) {
                String ap = path + ".args[" + k + "]";
                Linux.SeccompArg a = args.get(k);
                if (a == null) throw new SeccompException(ap, "null entry");
                if (a.index() < 0 || a.index() > 5) throw new SeccompException(ap + ".index", a.index() + " is not a syscall argument index (0..5)");
                Op op = op(a.op(), ap + ".op");
                conds.add(new Condition(a.index(), op, a.value(), a.valueTwo() == null ? 0 : a.valueTwo()));
            }
            notify |= action.kind() == SeccompAction.Kind.NOTIFY;
            rules.add(new Rule(path, List.copyOf(s.names()), action, List.copyOf(conds)));
        }

        String listener = c.listenerPath() == null || c.listenerPath().isEmpty() ? null : c.listenerPath();
        if (notify) {
            if (listener == null) throw new SeccompException(P + ".listenerPath", "required when SCMP_ACT_NOTIFY is used");
            flags |= FLAG_NEW_LISTENER;
            // The kernel refuses TSYNC with NEW_LISTENER unless TSYNC_ESRCH says how to report failure.
            if ((flags & FLAG_TSYNC) != 0) flags |= FLAG_TSYNC_ESRCH;
        } else if ((flags & FLAG_WAIT_KILLABLE_RECV) != 0) {
            throw new SeccompException(P + ".flags", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV needs an SCMP_ACT_NOTIFY rule");
        }
        return new SeccompPolicy(def, List.copyOf(supported), flags, listener, List.copyOf(rules), List.copyOf(warnings));
    }

    private static Op op(String name, String path) {
        if (name == null) throw new SeccompException(path, "required");
        return switch (name) {
            case "SCMP_CMP_NE" -> Op.NE;
            case "SCMP_CMP_LT" -> Op.LT;
            case "SCMP_CMP_LE" -> Op.LE;
            case "SCMP_CMP_EQ" -> Op.EQ;
            case "SCMP_CMP_GE" -> Op.GE;
            case "SCMP_CMP_GT" -> Op.GT;
            case "SCMP_CMP_MASKED_EQ" -> Op.MASKED_EQ;
            default -> throw new SeccompException(path, "unknown operator \"" + name + "\"");
        };
    }
}
