package dev.hako.runtime.cgroups;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Device rules as an eBPF program of type BPF_PROG_TYPE_CGROUP_DEVICE (the cgroup v2 device
 * controller). The rules are first reduced with the v1 semantics ({@link DeviceRules#emulate}),
 * then each exception becomes one "if type, access, major, minor match → return !default" block,
 * ending in "return default". Same decision as the v1 devices cgroup:
 * default deny: allowed iff some exception covers all requested access bits;
 * default allow: denied iff some exception shares a requested access bit.
 */
public final class DeviceFilter {
    // struct bpf_cgroup_dev_ctx { u32 access_type /* (access << 16) | type */; u32 major; u32 minor; }
    static final int DEV_BLOCK = 1, DEV_CHAR = 2;
    static final int ACC_MKNOD = 1, ACC_READ = 2, ACC_WRITE = 4;

    // eBPF opcode parts
    private static final int LDX_MEM_W = 0x01 | 0x00 | 0x60;
    private static final int ALU32_AND_K = 0x04 | 0x50, ALU32_RSH_K = 0x04 | 0x70, ALU32_MOV_X = 0x04 | 0xb0 | 0x08;
    private static final int ALU64_MOV_K = 0x07 | 0xb0;
    private static final int JMP_JNE_K = 0x05 | 0x50, JMP_JEQ_K = 0x05 | 0x10, JMP_EXIT = 0x05 | 0x90;
    private static final int R0 = 0, R1 = 1, R2 = 2, R3 = 3, R4 = 4, R5 = 5, R6 = 6;

    /** One eBPF instruction. */
    record Insn(int code, int dst, int src, int off, int imm) {}

    private DeviceFilter() {}

    /** The program for a reduced rule set; {@link #encode} gives the bytes for BPF_PROG_LOAD. */
    static List<Insn> compile(DeviceRules.V1State state) {
        List<Insn> p = new ArrayList<>();
        p.add(new Insn(LDX_MEM_W, R2, R1, 0, 0));
        p.add(new Insn(ALU32_AND_K, R2, 0, 0, 0xFFFF));       // R2 = type
        p.add(new Insn(LDX_MEM_W, R3, R1, 0, 0));
        p.add(new Insn(ALU32_RSH_K, R3, 0, 0, 16));           // R3 = requested access
        p.add(new Insn(LDX_MEM_W, R4, R1, 4, 0));             // R4 = major
        p.add(new Insn(LDX_MEM_W, R5, R1, 8, 0));             // R5 = minor
        int deflt = state.defaultAllow() ? 1 : 0;
        for (DeviceRules.Rule r : state.exceptions()) {
            List<Insn> block = new ArrayList<>();
            // Tests are built with a placeholder jump offset, patched to "skip the rest of the block".
            List<Integer> jumps = new ArrayList<>();
            jumps.add(block.size());
            block.add(new Insn(JMP_JNE_K, R2, 0, 0, r.type() == 'b' ? DEV_BLOCK : DEV_CHAR));
            int acc = access(r.access());
            if (state.defaultAllow()) {
                // deny-list entry: matches when any requested bit is in the rule
                block.add(new Insn(ALU32_MOV_X, R6, R3, 0, 0));
                block.add(new Insn(ALU32_AND_K, R6, 0, 0, acc));
                jumps.add(block.size());
                block.add(new Insn(JMP_JEQ_K, R6, 0, 0, 0));
            } else if (acc != 7) {
                // allow-list entry: matches when no requested bit is outside the rule
                block.add(new Insn(ALU32_MOV_X, R6, R3, 0, 0));
                block.add(new Insn(ALU32_AND_K, R6, 0, 0, ~acc & 7));
                jumps.add(block.size());
                block.add(new Insn(JMP_JNE_K, R6, 0, 0, 0));
            }
            if (r.major() >= 0) {
                jumps.add(block.size());
                block.add(new Insn(JMP_JNE_K, R4, 0, 0, (int) r.major()));
            }
            if (r.minor() >= 0) {
                jumps.add(block.size());
                block.add(new Insn(JMP_JNE_K, R5, 0, 0, (int) r.minor()));
            }
            block.add(new Insn(ALU64_MOV_K, R0, 0, 0, 1 - deflt));
            block.add(new Insn(JMP_EXIT, 0, 0, 0, 0));
            for (int j : jumps) {
                Insn i = block.get(j);
                block.set(j, new Insn(i.code(), i.dst(), i.src(), block.size() - j - 1, i.imm()));
            }
            p.addAll(block);
        }
        p.add(new Insn(ALU64_MOV_K, R0, 0, 0, deflt));
        p.add(new Insn(JMP_EXIT, 0, 0, 0, 0));
        return p;
    }

    static int access(String rwm) {
        int a = 0;
        if (rwm.indexOf('r') >= 0) a |= ACC_READ;
        if (rwm.indexOf('w') >= 0) a |= ACC_WRITE;
        if (rwm.indexOf('m') >= 0) a |= ACC_MKNOD;
        return a;
    }

    /** struct bpf_insn, little endian: code, dst:4|src:4, s16 off, s32 imm. */
    static byte[] encode(List<Insn> prog) {
        ByteBuffer b = ByteBuffer.allocate(prog.size() * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (Insn i : prog) {
            b.put((byte) i.code());
            b.put((byte) ((i.src() << 4) | (i.dst() & 0xf)));
            b.putShort((short) i.off());
            b.putInt(i.imm());
        }
        return b.array();
    }

    /**
     * Reference interpreter of exactly the instructions {@link #compile} emits, so the generated
     * program can be unit-tested against the v1 decision without a kernel.
     */
    static boolean run(List<Insn> prog, int type, int access, int major, int minor) {
        long[] r = new long[11];
        int[] ctx = {(access << 16) | type, major, minor};
        for (int pc = 0; pc < prog.size(); pc++) {
            Insn i = prog.get(pc);
            switch (i.code()) {
                case LDX_MEM_W -> r[i.dst()] = ctx[i.off() / 4] & 0xffffffffL;
                case ALU32_AND_K -> r[i.dst()] = (r[i.dst()] & i.imm()) & 0xffffffffL;
                case ALU32_RSH_K -> r[i.dst()] = ((r[i.dst()] & 0xffffffffL) >>> i.imm()) & 0xffffffffL;
                case ALU32_MOV_X -> r[i.dst()] = r[i.src()] & 0xffffffffL;
                case ALU64_MOV_K -> r[i.dst()] = i.imm();
                case JMP_JNE_K -> { if (r[i.dst()] != (i.imm() & 0xffffffffL)) pc += i.off(); }
                case JMP_JEQ_K -> { if (r[i.dst()] == (i.imm() & 0xffffffffL)) pc += i.off(); }
                case JMP_EXIT -> { return r[R0] == 1; }
                default -> throw new IllegalStateException("opcode " + i.code());
            }
        }
        throw new IllegalStateException("fell off the program");
    }
}
