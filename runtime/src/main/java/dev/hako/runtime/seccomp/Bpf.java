package dev.hako.runtime.seccomp;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/** Classic BPF as seccomp uses it: opcodes, seccomp_data offsets, return values, and the wire form. */
public final class Bpf {
    private Bpf() {}

    // Opcodes (linux/bpf_common.h) in the combinations the compiler emits.
    public static final int LD_W_ABS = 0x20;   // BPF_LD | BPF_W | BPF_ABS
    public static final int ALU_AND_K = 0x54;  // BPF_ALU | BPF_AND | BPF_K
    public static final int JA = 0x05;         // BPF_JMP | BPF_JA
    public static final int JEQ_K = 0x15;
    public static final int JGT_K = 0x25;
    public static final int JGE_K = 0x35;
    public static final int JSET_K = 0x45;
    public static final int RET_K = 0x06;

    /** The kernel's BPF_MAXINSNS. */
    public static final int MAX_INSNS = 4096;

    // struct seccomp_data { int nr; __u32 arch; __u64 instruction_pointer; __u64 args[6]; }
    public static final int OFF_NR = 0;
    public static final int OFF_ARCH = 4;

    /** Offset of the low (hi=false) or high 32-bit half of args[index] on this little-endian host. */
    public static int argOffset(int index, boolean high) {
        return 16 + 8 * index + (high ? 4 : 0);
    }

    // SECCOMP_RET_* (linux/seccomp.h)
    public static final int RET_KILL_PROCESS = 0x80000000;
    public static final int RET_KILL_THREAD = 0x00000000;
    public static final int RET_TRAP = 0x00030000;
    public static final int RET_ERRNO = 0x00050000;
    public static final int RET_USER_NOTIF = 0x7fc00000;
    public static final int RET_TRACE = 0x7ff00000;
    public static final int RET_LOG = 0x7ffc0000;
    public static final int RET_ALLOW = 0x7fff0000;
    public static final int RET_ACTION_FULL = 0xffff0000;
    public static final int RET_DATA = 0x0000ffff;

    /** One struct sock_filter. jt/jf are 0..255; k is an unsigned 32-bit value held in an int. */
    public record Insn(int code, int jt, int jf, int k) {
        public Insn {
            if (jt < 0 || jt > 255 || jf < 0 || jf > 255) throw new IllegalArgumentException("jump offset out of range");
        }

        @Override
        public String toString() {
            return switch (code) {
                case LD_W_ABS -> "ld [" + k + "]";
                case ALU_AND_K -> "and #0x" + Integer.toHexString(k);
                case JA -> "ja +" + Integer.toUnsignedString(k);
                case RET_K -> "ret #0x" + Integer.toHexString(k);
                default -> {
                    String op = switch (code) {
                        case JEQ_K -> "jeq"; case JGT_K -> "jgt"; case JGE_K -> "jge"; case JSET_K -> "jset";
                        default -> "op" + Integer.toHexString(code);
                    };
                    yield op + " #0x" + Integer.toHexString(k) + " jt +" + jt + " jf +" + jf;
                }
            };
        }
    }

    /** The struct sock_filter array in host (little-endian) byte order, 8 bytes per instruction. */
    public static byte[] encode(List<Insn> program) {
        ByteBuffer b = ByteBuffer.allocate(program.size() * 8).order(ByteOrder.nativeOrder());
        for (Insn i : program) {
            b.putShort((short) i.code()).put((byte) i.jt()).put((byte) i.jf()).putInt(i.k());
        }
        return b.array();
    }

    public static List<Insn> decode(byte[] bytes) {
        if (bytes.length % 8 != 0) throw new IllegalArgumentException("BPF program length " + bytes.length + " is not a multiple of 8");
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.nativeOrder());
        Insn[] out = new Insn[bytes.length / 8];
        for (int n = 0; n < out.length; n++) {
            out[n] = new Insn(Short.toUnsignedInt(b.getShort()), Byte.toUnsignedInt(b.get()), Byte.toUnsignedInt(b.get()), b.getInt());
        }
        return List.of(out);
    }

    /** One instruction per line with its index, for debugging and test failure messages. */
    public static String disassemble(List<Insn> program) {
        StringBuilder sb = new StringBuilder();
        for (int n = 0; n < program.size(); n++) sb.append(String.format("%4d: %s%n", n, program.get(n)));
        return sb.toString();
    }
}
