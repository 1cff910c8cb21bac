package dev.hako.runtime.seccomp;

import dev.hako.oci.runtime.Linux;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;

/**
 * What a filter must return, computed straight from the config with no BPF: the oracle the
 * compiled programs are checked against.
 */
final class ReferenceSemantics {
    private ReferenceSemantics() {}

    static int expected(Linux.Seccomp cfg, Arch nativeArch, BpfInterpreter.Data d) {
        Set<Arch> arches = new LinkedHashSet<>();
        arches.add(nativeArch);
        if (cfg.architectures() != null) for (String n : cfg.architectures()) arches.add(Arch.byScmpName(n).orElseThrow());
        arches.removeIf(a -> !a.supported());
        long nr = Integer.toUnsignedLong(d.nr());
        Arch arch = null;
        for (Arch a : arches) {
            if (a.auditArch() != d.arch()) continue;
            if (a == Arch.X32 && nr >= Arch.X32_SYSCALL_BIT && arch == null) arch = a;
            // nr -1 is treated as x86_64 (as libseccomp does) when x86_64 is filtered.
            if (a == Arch.X86_64 && (nr < Arch.X32_SYSCALL_BIT || nr == 0xFFFFFFFFL)) arch = a;
            if (a != Arch.X32 && a != Arch.X86_64) arch = a;
        }
        if (arch == null) return Bpf.RET_KILL_PROCESS;
        SyscallTable table = SyscallTable.of(arch).orElseThrow();
        SeccompAction def = SeccompAction.parse(cfg.defaultAction(), cfg.defaultErrnoRet(), "d", "e");
        boolean listed = false;
        long max = -1;
        List<Linux.Syscall> calls = cfg.syscalls() == null ? List.of() : cfg.syscalls();
        Integer first = null;
        for (Linux.Syscall s : calls) {
            boolean mine = false;
            for (String name : s.names()) {
                OptionalInt n = table.number(name);
                if (n.isEmpty()) continue;
                max = Math.max(max, Integer.toUnsignedLong(n.getAsInt()));
                if (n.getAsInt() == d.nr()) mine = true;
            }
            if (!mine) continue;
            listed = true;
            if (first != null) continue;
            boolean all = true;
            for (Linux.SeccompArg a : s.args() == null ? List.<Linux.SeccompArg>of() : s.args()) {
                all &= holds(a, d.args()[a.index()], arch.argBits());
            }
            if (all) first = SeccompAction.parse(s.action(), s.errnoRet(), "a", "e").ret();
        }
        if (first != null) return first;
        if (listed) return def.ret();
        boolean stub = !def.permissive() && !(def.kind() == SeccompAction.Kind.ERRNO && def.data() == 38);
        if (stub && max >= 0 && nr > max) return Bpf.RET_ERRNO | 38;
        return def.ret();
    }

    static boolean holds(Linux.SeccompArg a, long arg, int bits) {
        long v = a.value(), v2 = a.valueTwo() == null ? 0 : a.valueTwo();
        if (bits == 32) {
            arg &= 0xFFFFFFFFL;
            v &= 0xFFFFFFFFL;
            v2 &= 0xFFFFFFFFL;
        }
        int c = Long.compareUnsigned(arg, v);
        return switch (a.op()) {
            case "SCMP_CMP_EQ" -> c == 0;
            case "SCMP_CMP_NE" -> c != 0;
            case "SCMP_CMP_LT" -> c < 0;
            case "SCMP_CMP_LE" -> c <= 0;
            case "SCMP_CMP_GT" -> c > 0;
            case "SCMP_CMP_GE" -> c >= 0;
            case "SCMP_CMP_MASKED_EQ" -> (arg & v) == v2;
            default -> throw new AssertionError(a.op());
        };
    }

    /** Boundary values around v in both halves. */
    static List<Long> around(long v) {
        List<Long> out = new ArrayList<>();
        for (long d : new long[] {0, 1, -1, 2, -2, 1L << 32, -(1L << 32), (1L << 32) + 1, (1L << 32) - 1}) out.add(v + d);
        out.add(v & 0xFFFFFFFFL);
        out.add(v & 0xFFFFFFFF00000000L);
        out.add(v | 0xFFFFFFFFL);
        out.add(v ^ 0x8000000000000000L);
        return out;
    }

    static final long[] INTERESTING = {0, 1, 2, 7, 9, 16, 40, 0x7fffffffL, 0x80000000L, 0xfffffffeL, 0xffffffffL,
            0x100000000L, 0x100000001L, 0x1ffffffffL, 0x123456789abcdef0L, 0x7fffffffffffffffL,
            0x8000000000000000L, 0xfffffffffffffffeL, 0xffffffffffffffffL, 0xffffffff00000000L};
}
