package dev.hako.runtime.seccomp;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;

/**
 * Builds a cBPF program with symbolic forward jumps. Conditional jumps reach only 255 instructions;
 * when a target is farther, {@link #assemble} puts an unconditional JA (32-bit offset) right after the
 * conditional and points the conditional at it, repeating until every offset fits.
 */
final class BpfAssembler {
    static final class Label {
        final String name;
        Label(String name) { this.name = name; }
        @Override public String toString() { return name; }
    }

    private sealed interface Item {}
    private record Stmt(int code, int k) implements Item {}
    private record Cond(int code, int k, Label jt, Label jf) implements Item {}
    private record Jump(Label target) implements Item {}
    private record Mark(Label label) implements Item {}

    private final List<Item> items = new ArrayList<>();

    Label label(String name) { return new Label(name); }

    void load(int offset) { items.add(new Stmt(Bpf.LD_W_ABS, offset)); }

    void and(int k) { items.add(new Stmt(Bpf.ALU_AND_K, k)); }

    void ret(int k) { items.add(new Stmt(Bpf.RET_K, k)); }

    void jump(int code, int k, Label jt, Label jf) {
        if (jt == jf) items.add(new Jump(jt));
        else items.add(new Cond(code, k, jt, jf));
    }

    void ja(Label target) { items.add(new Jump(target)); }

    void mark(Label l) { items.add(new Mark(l)); }

    List<Bpf.Insn> assemble() {
        int n = items.size();
        boolean[] farT = new boolean[n], farF = new boolean[n];
        int[] pos = new int[n];
        IdentityHashMap<Label, Integer> at = new IdentityHashMap<>();
        boolean changed = true;
        while (changed) {
            changed = false;
            int p = 0;
            at.clear();
            for (int i = 0; i < n; i++) {
                pos[i] = p;
                Item it = items.get(i);
                switch (it) {
                    case Mark m -> { if (at.put(m.label(), p) != null) throw new IllegalStateException("label placed twice: " + m.label()); }
                    case Cond c -> p += 1 + (farT[i] ? 1 : 0) + (farF[i] ? 1 : 0);
                    default -> p += 1;
                }
            }
            for (int i = 0; i < n; i++) {
                if (!(items.get(i) instanceof Cond c)) continue;
                int next = pos[i] + 1;
                if (!farT[i] && target(at, c.jt()) - next > 255) { farT[i] = true; changed = true; }
                if (!farF[i] && target(at, c.jf()) - next > 255) { farF[i] = true; changed = true; }
            }
        }
        List<Bpf.Insn> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int next = pos[i] + 1;
            switch (items.get(i)) {
                case Mark m -> { }
                case Stmt s -> out.add(new Bpf.Insn(s.code(), 0, 0, s.k()));
                case Jump j -> out.add(new Bpf.Insn(Bpf.JA, 0, 0, forward(at, j.target(), next)));
                case Cond c -> {
                    int jt = farT[i] ? 0 : forward(at, c.jt(), next);
                    int jf = farF[i] ? (farT[i] ? 1 : 0) : forward(at, c.jf(), next);
                    out.add(new Bpf.Insn(c.code(), jt, jf, c.k()));
                    if (farT[i]) out.add(new Bpf.Insn(Bpf.JA, 0, 0, forward(at, c.jt(), out.size() + 1)));
                    if (farF[i]) out.add(new Bpf.Insn(Bpf.JA, 0, 0, forward(at, c.jf(), out.size() + 1)));
                }
            }
        }
        return out;
    }

    private static int target(IdentityHashMap<Label, Integer> at, Label l) {
        Integer p = at.get(l);
        if (p == null) throw new IllegalStateException("label never placed: " + l);
        return p;
    }

    private static int forward(IdentityHashMap<Label, Integer> at, Label l, int next) {
        int off = target(at, l) - next;
        if (off < 0) throw new IllegalStateException("backward jump to " + l);
        return off;
    }
}
