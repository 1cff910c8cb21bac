package dev.hako.runtime.seccomp;

import dev.hako.kernel.exec.LaunchPlan;
import dev.hako.oci.runtime.Linux;
import dev.hako.runtime.seccomp.BpfAssembler.Label;
import dev.hako.runtime.seccomp.SeccompPolicy.Condition;
import dev.hako.runtime.seccomp.SeccompPolicy.Rule;

import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Compiles OCI linux.seccomp to a classic-BPF seccomp filter, without libseccomp.
 *
 * <p>Shape of the program:
 * <pre>
 *   ld arch; jeq AUDIT_ARCH_X → section X ...; ret KILL_PROCESS          (bad architecture)
 *   section:  ld nr; [x86_64: jge __X32_SYSCALL_BIT → x32 tree (nr -1 stays x86_64)]
 *             binary search (jge) over syscall-number intervals → ret ACTION | rule chain
 *             rule chain: the rules of one syscall in config order, first match wins; each
 *             rule ANDs its argument conditions (64-bit: high half then low half)
 *             nr above the profile's highest syscall → ERRNO(ENOSYS) when the default action
 *             denies (runc's -ENOSYS stub: new syscalls look unimplemented, so libc falls back)
 * </pre>
 * Semantics follow runc + libseccomp where they are defined: SCMP_ACT_KILL is KILL_THREAD; unknown
 * syscall names are ignored; the native architecture is always filtered; x86/x32/arm compare only
 * the low 32 bits of arguments; nr -1 on x86_64 is not a bad arch. Where hako differs: a syscall
 * whose rules overlap with different actions takes the first matching rule in config order
 * (libseccomp merges them into a tree: EQ tests before ranges, an unconditional rule overrides);
 * several conditions on the same argument are ANDed (runc turns them into separate rules, i.e.
 * ORs them); the bad-architecture action is KILL_PROCESS (libseccomp: KILL_THREAD); socket calls on
 * x86 are not also matched through socketcall(2); SECCOMP_FILTER_FLAG_TSYNC is passed to the kernel
 * (runc drops it), with TSYNC_ESRCH added when a listener is requested, as the kernel demands.
 */
public final class SeccompCompiler {
    private SeccompCompiler() {}

    private static final System.Logger LOG = System.getLogger(SeccompCompiler.class.getName());

    /** What this compiler accepts, sorted (for `features`). */
    public static final List<String> KNOWN_ACTIONS = List.of("SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL",
            "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY", "SCMP_ACT_TRACE",
            "SCMP_ACT_TRAP");
    public static final List<String> KNOWN_OPERATORS = List.of("SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT",
            "SCMP_CMP_LE", "SCMP_CMP_LT", "SCMP_CMP_MASKED_EQ", "SCMP_CMP_NE");
    /** Architectures with a syscall table (others are accepted by name and left to the bad-arch action). */
    public static final List<String> SUPPORTED_ARCHES = java.util.Arrays.stream(Arch.values())
            .filter(Arch::supported).map(Arch::scmpName).sorted().toList();
    public static final List<String> KNOWN_FLAGS = SeccompPolicy.FLAGS.keySet().stream().sorted().toList();

    /** The action for syscalls of an architecture the filter does not list. */
    public static final SeccompAction BAD_ARCH = SeccompAction.KILL_PROCESS;

    /** A compiled filter: {@code program} is the struct sock_filter array in host byte order. */
    public record Compiled(List<Bpf.Insn> instructions, long flags, String listenerPath, List<String> warnings) {
        public byte[] program() { return Bpf.encode(instructions); }

        /** For the executor; {@code stateJson} is the message sent with the notify fd (null without NOTIFY). */
        public LaunchPlan.SeccompPlan plan(String stateJson) {
            return new LaunchPlan.SeccompPlan(program(), flags, listenerPath, stateJson);
        }
    }

    /** Compiles for this host; warnings (ignored syscall names ...) go to the logger. */
    public static LaunchPlan.SeccompPlan compile(Linux.Seccomp config) {
        return compile(config, w -> LOG.log(System.Logger.Level.WARNING, w));
    }

    /** Compiles for this host, reporting warnings to {@code warn}; stateJson of the plan is null. */
    public static LaunchPlan.SeccompPlan compile(Linux.Seccomp config, Consumer<String> warn) {
        Compiled c = compile(config, Arch.nativeArch());
        c.warnings().forEach(warn);
        return c.plan(null);
    }

    /**
     * Checks linux.seccomp without compiling: throws {@link SeccompException} naming the field of the
     * first error; returns the warnings (e.g. syscall names no listed architecture knows).
     */
    public static List<String> validate(Linux.Seccomp config) {
        return SeccompPolicy.parse(config, Arch.nativeArch()).warnings();
    }

    /** Compiles as on a host of architecture {@code nativeArch}. */
    public static Compiled compile(Linux.Seccomp config, Arch nativeArch) {
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            throw new SeccompException("linux.seccomp", "big-endian hosts are not supported");
        }
        SeccompPolicy policy = SeccompPolicy.parse(config, nativeArch);
        List<Bpf.Insn> insns = new Emitter(policy).emit();
        if (insns.size() > Bpf.MAX_INSNS) {
            throw new SeccompException("linux.seccomp", "the compiled filter has " + insns.size()
                    + " instructions; the kernel accepts at most " + Bpf.MAX_INSNS);
        }
        return new Compiled(insns, policy.flags(), policy.listenerPath(), policy.warnings());
    }

    /** Where a range of syscall numbers goes: a plain return, or the rule chain of one syscall. */
    private sealed interface Target {}
    private record Ret(SeccompAction action) implements Target {}
    private record Chain(Arch arch, int nr, List<Rule> rules) implements Target {}
    private record Interval(long lo, long hi, Target target) {}

    private static final long U32_MAX = 0xFFFFFFFFL;

    private static final class Emitter {
        private final SeccompPolicy policy;
        private final BpfAssembler asm = new BpfAssembler();
        // Per section: shared return instructions and rule chains, emitted after its search tree.
        private Map<Integer, Label> rets;
        private Map<Chain, Label> chains;

        Emitter(SeccompPolicy policy) { this.policy = policy; }

        List<Bpf.Insn> emit() {
            // Group by AUDIT_ARCH: x86_64 and x32 share one.
            Map<Integer, List<Arch>> groups = new LinkedHashMap<>();
            for (Arch a : policy.arches()) groups.computeIfAbsent(a.auditArch(), k -> new ArrayList<>()).add(a);
            Map<Integer, Label> sectionLabels = new LinkedHashMap<>();
            asm.load(Bpf.OFF_ARCH);
            for (int audit : groups.keySet()) {
                Label section = asm.label("arch-" + Integer.toHexString(audit));
                Label next = asm.label("next-arch");
                sectionLabels.put(audit, section);
                asm.jump(Bpf.JEQ_K, audit, section, next);
                asm.mark(next);
            }
            asm.ret(BAD_ARCH.ret());
            groups.forEach((audit, arches) -> {
                rets = new LinkedHashMap<>();
                chains = new LinkedHashMap<>();
                asm.mark(sectionLabels.get(audit));
                asm.load(Bpf.OFF_NR);
                if (audit == Arch.X86_64.auditArch() && arches.contains(Arch.X86_64)) {
                    boolean x32 = arches.contains(Arch.X32);
                    List<Interval> x64 = intervals(Arch.X86_64, 0, Arch.X32_SYSCALL_BIT - 1);
                    Label x64Label = asm.label("x86_64"), high = asm.label("x32-or-minus-1");
                    Label x32Label = x32 ? asm.label("x32") : ret(BAD_ARCH);
                    asm.jump(Bpf.JGE_K, Arch.X32_SYSCALL_BIT, high, x64Label);
                    // nr -1 is no x32 call: like libseccomp, it gets what x86_64 numbers above the table get.
                    asm.mark(high);
                    asm.jump(Bpf.JEQ_K, -1, target(x64.getLast().target()), x32Label);
                    asm.mark(x64Label);
                    tree(x64);
                    if (x32) { asm.mark(x32Label); tree(intervals(Arch.X32, Arch.X32_SYSCALL_BIT, U32_MAX)); }
                } else if (audit == Arch.X86_64.auditArch()) {
                    // x32 without x86_64 (a non-x86 host listing only SCMP_ARCH_X32).
                    Label x32Label = asm.label("x32");
                    asm.jump(Bpf.JGE_K, Arch.X32_SYSCALL_BIT, x32Label, ret(BAD_ARCH));
                    asm.mark(x32Label);
                    tree(intervals(Arch.X32, Arch.X32_SYSCALL_BIT, U32_MAX));
                } else {
                    tree(intervals(arches.getFirst(), 0, U32_MAX));
                }
                chains.forEach((chain, label) -> { asm.mark(label); chain(chain); });
                rets.forEach((ret, label) -> { asm.mark(label); asm.ret(ret); });
            });
            return asm.assemble();
        }

        private Label ret(SeccompAction a) {
            return rets.computeIfAbsent(a.ret(), r -> asm.label("ret-" + Integer.toHexString(r)));
        }

        private Label target(Target t) {
            return switch (t) {
                case Ret r -> ret(r.action());
                case Chain c -> chains.computeIfAbsent(c, k -> asm.label("chain-" + c.nr()));
            };
        }

        /** Partitions [lo, hi] of syscall numbers into intervals with one target each, merged where equal. */
        private List<Interval> intervals(Arch arch, long lo, long hi) {
            SyscallTable table = SyscallTable.of(arch).orElseThrow();
            TreeMap<Long, List<Rule>> byNr = new TreeMap<>();
            for (Rule r : policy.rules()) {
                for (String name : r.names()) {
                    OptionalInt nr = table.number(name);
                    if (nr.isEmpty()) continue;
                    List<Rule> list = byNr.computeIfAbsent(Integer.toUnsignedLong(nr.getAsInt()), k -> new ArrayList<>());
                    if (!list.contains(r)) list.add(r);
                }
            }
            SeccompAction def = policy.defaultAction();
            boolean enosys = !def.permissive()
                    && !(def.kind() == SeccompAction.Kind.ERRNO && def.data() == SeccompAction.ENOSYS);
            List<Interval> out = new ArrayList<>();
            long cur = lo;
            for (var e : byNr.entrySet()) {
                long nr = e.getKey();
                if (nr < lo || nr > hi) continue;
                if (nr > cur) add(out, new Interval(cur, nr - 1, new Ret(def)));
                add(out, new Interval(nr, nr, targetOf(arch, (int) nr, e.getValue())));
                cur = nr + 1;
            }
            if (cur <= hi) add(out, new Interval(cur, hi, new Ret(enosys && cur > lo ? SeccompAction.errno(SeccompAction.ENOSYS) : def)));
            return out;
        }

        private static Target targetOf(Arch arch, int nr, List<Rule> rules) {
            // First match wins, so rules after an unconditional one are unreachable.
            List<Rule> live = new ArrayList<>();
            for (Rule r : rules) {
                live.add(r);
                if (r.conditions().isEmpty()) break;
            }
            if (live.getFirst().conditions().isEmpty()) return new Ret(live.getFirst().action());
            return new Chain(arch, nr, List.copyOf(live));
        }

        private static void add(List<Interval> out, Interval iv) {
            if (!out.isEmpty()) {
                Interval last = out.getLast();
                if (last.target() instanceof Ret a && iv.target() instanceof Ret b && a.action().ret() == b.action().ret()) {
                    out.set(out.size() - 1, new Interval(last.lo(), iv.hi(), last.target()));
                    return;
                }
            }
            out.add(iv);
        }

        /** Binary search over the intervals; A holds the syscall number. */
        private void tree(List<Interval> iv) {
            if (iv.size() == 1) asm.ja(target(iv.getFirst().target()));
            else node(iv, 0, iv.size() - 1);
        }

        private void node(List<Interval> iv, int from, int to) {
            int mid = (from + to + 1) / 2;
            Label right = mid == to ? target(iv.get(mid).target()) : asm.label("node");
            Label left = from == mid - 1 ? target(iv.get(from).target()) : asm.label("node");
            asm.jump(Bpf.JGE_K, (int) iv.get(mid).lo(), right, left);
            if (from != mid - 1) { asm.mark(left); node(iv, from, mid - 1); }
            if (mid != to) { asm.mark(right); node(iv, mid, to); }
        }

        private void chain(Chain chain) {
            Arch arch = chain.arch();
            for (Rule r : chain.rules()) {
                Label pass = ret(r.action());
                if (r.conditions().isEmpty()) { asm.ja(pass); return; }
                Label fail = asm.label("next-rule");
                List<Condition> cs = r.conditions();
                for (int i = 0; i < cs.size(); i++) {
                    boolean last = i == cs.size() - 1;
                    Label ok = last ? pass : asm.label("and");
                    condition(cs.get(i), arch.argBits(), ok, fail);
                    if (!last) asm.mark(ok);
                }
                asm.mark(fail);
            }
            asm.ja(ret(policy.defaultAction()));
        }

        /** Jumps to pass when the condition holds, else to fail. Unsigned comparisons, as libseccomp. */
        private void condition(Condition c, int bits, Label pass, Label fail) {
            int lo = (int) c.value();
            int hi = (int) (c.value() >>> 32);
            int idx = c.index();
            int ehi = (int) (c.valueTwo() >>> 32);
            if (bits == 64 && c.op() == SeccompPolicy.Op.MASKED_EQ && hi == 0) {
                // (high & 0) == ehi is a constant: skip the high half, or never match.
                if (ehi != 0) { asm.ja(fail); return; }
            } else if (bits == 64) {
                Label low = asm.label("low");
                asm.load(Bpf.argOffset(idx, true));
                switch (c.op()) {
                    case EQ -> asm.jump(Bpf.JEQ_K, hi, low, fail);
                    case NE -> asm.jump(Bpf.JEQ_K, hi, low, pass);
                    case GT, GE -> greaterHigh(hi, pass, fail, low);
                    case LT, LE -> greaterHigh(hi, fail, pass, low);
                    case MASKED_EQ -> {
                        asm.and(hi);
                        asm.jump(Bpf.JEQ_K, ehi, low, fail);
                    }
                }
                asm.mark(low);
            }
            asm.load(Bpf.argOffset(idx, false));
            switch (c.op()) {
                case EQ -> asm.jump(Bpf.JEQ_K, lo, pass, fail);
                case NE -> asm.jump(Bpf.JEQ_K, lo, fail, pass);
                case GT -> asm.jump(Bpf.JGT_K, lo, pass, fail);
                case GE -> asm.jump(Bpf.JGE_K, lo, pass, fail);
                case LT -> asm.jump(Bpf.JGE_K, lo, fail, pass);
                case LE -> asm.jump(Bpf.JGT_K, lo, fail, pass);
                case MASKED_EQ -> {
                    asm.and(lo);
                    asm.jump(Bpf.JEQ_K, (int) c.valueTwo(), pass, fail);
                }
            }
        }

        /** High half of an ordering: above → {@code above}; equal → {@code equal}; below → {@code below}. */
        private void greaterHigh(int hi, Label above, Label below, Label equal) {
            if (hi == 0) {
                asm.jump(Bpf.JGT_K, 0, above, equal);
            } else {
                Label eq = asm.label("eq");
                asm.jump(Bpf.JGT_K, hi, above, eq);
                asm.mark(eq);
                asm.jump(Bpf.JEQ_K, hi, equal, below);
            }
        }
    }
}
