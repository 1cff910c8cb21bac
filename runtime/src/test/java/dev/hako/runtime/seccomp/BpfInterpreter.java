package dev.hako.runtime.seccomp;

import java.util.List;

/**
 * Runs a seccomp cBPF program on a synthetic struct seccomp_data, checking what the kernel's
 * verifier checks for the instructions we emit (forward jumps inside the program, aligned loads
 * inside seccomp_data, ends in RET). Throws on any instruction the compiler must never emit.
 */
final class BpfInterpreter {
    private BpfInterpreter() {}

    record Data(int nr, int arch, long... args) {
        Data {
            args = java.util.Arrays.copyOf(args, 6);
        }
    }

    static void verify(List<Bpf.Insn> prog) {
        if (prog.isEmpty() || prog.size() > Bpf.MAX_INSNS) throw new AssertionError("bad program length " + prog.size());
        for (int pc = 0; pc < prog.size(); pc++) {
            Bpf.Insn i = prog.get(pc);
            switch (i.code()) {
                case Bpf.LD_W_ABS -> {
                    if (i.k() < 0 || i.k() > 60 || (i.k() & 3) != 0) throw new AssertionError(pc + ": bad load offset " + i.k());
                }
                case Bpf.ALU_AND_K, Bpf.RET_K -> { }
                case Bpf.JA -> {
                    if (Integer.toUnsignedLong(i.k()) >= prog.size() - pc - 1) throw new AssertionError(pc + ": ja out of program");
                }
                case Bpf.JEQ_K, Bpf.JGT_K, Bpf.JGE_K, Bpf.JSET_K -> {
                    if (pc + 1 + Math.max(i.jt(), i.jf()) >= prog.size()) throw new AssertionError(pc + ": jump out of program");
                }
                default -> throw new AssertionError(pc + ": unexpected opcode 0x" + Integer.toHexString(i.code()));
            }
        }
        if (prog.getLast().code() != Bpf.RET_K && prog.getLast().code() != Bpf.JA) {
            throw new AssertionError("program does not end in ret");
        }
    }

    /** The SECCOMP_RET_* value. */
    static int run(List<Bpf.Insn> prog, Data d) {
        int a = 0;
        int pc = 0;
        int steps = 0;
        while (true) {
            if (pc >= prog.size()) throw new AssertionError("ran off the end");
            if (++steps > prog.size()) throw new AssertionError("loop");
            Bpf.Insn i = prog.get(pc);
            int k = i.k();
            switch (i.code()) {
                case Bpf.LD_W_ABS -> { a = word(d, k); pc++; }
                case Bpf.ALU_AND_K -> { a &= k; pc++; }
                case Bpf.RET_K -> { return k; }
                case Bpf.JA -> pc += 1 + k;
                case Bpf.JEQ_K -> pc += 1 + (a == k ? i.jt() : i.jf());
                case Bpf.JGT_K -> pc += 1 + (Integer.compareUnsigned(a, k) > 0 ? i.jt() : i.jf());
                case Bpf.JGE_K -> pc += 1 + (Integer.compareUnsigned(a, k) >= 0 ? i.jt() : i.jf());
                case Bpf.JSET_K -> pc += 1 + ((a & k) != 0 ? i.jt() : i.jf());
                default -> throw new AssertionError("unexpected opcode at " + pc);
            }
        }
    }

    private static int word(Data d, int off) {
        if (off == 0) return d.nr();
        if (off == 4) return d.arch();
        if (off == 8 || off == 12) return 0; // instruction_pointer
        int arg = (off - 16) / 8;
        long v = d.args()[arg];
        return (off - 16) % 8 == 0 ? (int) v : (int) (v >>> 32);
    }
}
