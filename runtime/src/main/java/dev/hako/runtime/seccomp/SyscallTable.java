package dev.hako.runtime.seccomp;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Syscall name ↔ number for one architecture, from the tables generated out of the kernel's uapi
 * headers by scripts/gen-seccomp-syscalls.sh (resources syscalls/ARCH.tsv). x32 numbers include
 * __X32_SYSCALL_BIT, as seccomp_data.nr does.
 */
public final class SyscallTable {
    private final Arch arch;
    private final Map<String, Integer> byName;
    private final Map<Integer, String> byNumber;

    private SyscallTable(Arch arch, Map<String, Integer> byName) {
        this.arch = arch;
        this.byName = Map.copyOf(byName);
        Map<Integer, String> inv = new HashMap<>();
        byName.forEach((n, nr) -> inv.putIfAbsent(nr, n));
        this.byNumber = Map.copyOf(inv);
    }

    /** The table of a supported architecture; empty for architectures hako has no table for. */
    public static Optional<SyscallTable> of(Arch arch) {
        return Optional.ofNullable(Holder.TABLES.get(arch));
    }

    public Arch arch() { return arch; }

    public OptionalInt number(String name) {
        Integer nr = byName.get(name);
        return nr == null ? OptionalInt.empty() : OptionalInt.of(nr);
    }

    public Optional<String> name(int nr) { return Optional.ofNullable(byNumber.get(nr)); }

    public int size() { return byName.size(); }

    // Loaded once, immutable afterwards.
    private static final class Holder {
        static final Map<Arch, SyscallTable> TABLES = load();

        private static Map<Arch, SyscallTable> load() {
            Map<Arch, SyscallTable> m = new EnumMap<>(Arch.class);
            for (Arch a : Arch.values()) {
                if (a.tableName() == null) continue;
                String res = "syscalls/" + a.tableName() + ".tsv";
                try (InputStream in = SyscallTable.class.getResourceAsStream(res)) {
                    if (in == null) throw new IllegalStateException("seccomp: missing resource " + res);
                    Map<String, Integer> names = new HashMap<>();
                    BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
                    for (String line; (line = r.readLine()) != null; ) {
                        if (line.isBlank() || line.startsWith("#")) continue;
                        String[] f = line.split("\t");
                        names.put(f[0], Integer.parseInt(f[1]));
                    }
                    m.put(a, new SyscallTable(a, names));
                } catch (IOException e) {
                    throw new UncheckedIOException("seccomp: cannot read resource " + res, e);
                }
            }
            return m;
        }
    }
}
