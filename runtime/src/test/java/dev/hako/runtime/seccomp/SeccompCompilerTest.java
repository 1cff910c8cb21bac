package dev.hako.runtime.seccomp;

import dev.hako.kernel.exec.LaunchPlan;
import dev.hako.oci.runtime.Linux;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SeccompCompilerTest {
    static final int AUDIT_X86_64 = 0xC000003E, AUDIT_I386 = 0x40000003, AUDIT_AARCH64 = 0xC00000B7, AUDIT_ARM = 0x40000028;
    static final int X32 = 0x40000000;

    static Linux.Seccomp profile(String def, List<String> arches, Linux.Syscall... calls) {
        return new Linux.Seccomp(def, null, arches, null, null, null, List.of(calls));
    }

    static Linux.Syscall rule(String action, Integer errno, List<String> names, Linux.SeccompArg... args) {
        return new Linux.Syscall(names, action, errno, List.of(args));
    }

    static Linux.SeccompArg arg(int index, String op, long value, long valueTwo) {
        return new Linux.SeccompArg(index, value, valueTwo, op);
    }

    static int nr(Arch a, String name) { return SyscallTable.of(a).orElseThrow().number(name).orElseThrow(); }

    static SeccompCompiler.Compiled compile(Linux.Seccomp cfg) {
        SeccompCompiler.Compiled c = SeccompCompiler.compile(cfg, Arch.X86_64);
        BpfInterpreter.verify(c.instructions());
        // The wire form round-trips.
        assertThat(Bpf.decode(c.program())).isEqualTo(c.instructions());
        return c;
    }

    static int run(SeccompCompiler.Compiled c, int arch, int nr, long... args) {
        return BpfInterpreter.run(c.instructions(), new BpfInterpreter.Data(nr, arch, args));
    }

    @Test
    void tablesComeFromTheKernelHeaders() {
        assertThat(nr(Arch.X86_64, "read")).isEqualTo(0);
        assertThat(nr(Arch.X86_64, "mkdir")).isEqualTo(83);
        assertThat(nr(Arch.X86, "mkdir")).isEqualTo(39);
        assertThat(nr(Arch.X32, "read")).isEqualTo(X32);
        assertThat(nr(Arch.AARCH64, "mkdirat")).isEqualTo(34);
        assertThat(SyscallTable.of(Arch.AARCH64).orElseThrow().number("mkdir")).isEmpty();
        assertThat(nr(Arch.ARM, "mkdir")).isEqualTo(39);
        assertThat(nr(Arch.ARM, "set_tls")).isEqualTo(0x0f0005);
        assertThat(nr(Arch.X86_64, "clone3")).isEqualTo(435);
        assertThat(SyscallTable.of(Arch.RISCV64)).isEmpty();
    }

    @Test
    void defaultActionOnlyAndBadArch() {
        var c = compile(profile("SCMP_ACT_ALLOW", null));
        assertThat(run(c, AUDIT_X86_64, 0)).isEqualTo(Bpf.RET_ALLOW);
        assertThat(run(c, AUDIT_X86_64, 0x3fffffff)).isEqualTo(Bpf.RET_ALLOW);
        // x32 and i386 syscalls are not listed: bad arch.
        assertThat(run(c, AUDIT_X86_64, X32)).isEqualTo(Bpf.RET_KILL_PROCESS);
        assertThat(run(c, AUDIT_X86_64, -2)).isEqualTo(Bpf.RET_KILL_PROCESS);
        assertThat(run(c, AUDIT_X86_64, -1)).isEqualTo(Bpf.RET_ALLOW); // -1 is x86_64's, as in libseccomp
        assertThat(run(c, AUDIT_I386, 1)).isEqualTo(Bpf.RET_KILL_PROCESS);
        assertThat(run(c, AUDIT_AARCH64, 1)).isEqualTo(Bpf.RET_KILL_PROCESS);
        assertThat(c.instructions()).hasSizeLessThan(10);
        assertThat(c.flags()).isZero();
    }

    @Test
    void everyActionHasItsReturnValue() {
        String[] actions = {"SCMP_ACT_KILL", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_TRAP",
                "SCMP_ACT_ERRNO", "SCMP_ACT_TRACE", "SCMP_ACT_ALLOW", "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY"};
        int[] rets = {0, 0, 0x80000000, 0x00030000, 0x00050001, 0x7ff00001, 0x7fff0000, 0x7ffc0000, 0x7fc00000};
        List<Linux.Syscall> calls = new ArrayList<>();
        String[] names = {"mkdir", "rmdir", "chdir", "fchdir", "rename", "link", "unlink", "symlink", "readlink"};
        for (int i = 0; i < actions.length; i++) calls.add(rule(actions[i], null, List.of(names[i])));
        var cfg = new Linux.Seccomp("SCMP_ACT_ERRNO", 99, List.of(), null, "/run/listener.sock", null, calls);
        var c = compile(cfg);
        for (int i = 0; i < actions.length; i++) {
            assertThat(run(c, AUDIT_X86_64, nr(Arch.X86_64, names[i]))).as(actions[i]).isEqualTo(rets[i]);
        }
        assertThat(run(c, AUDIT_X86_64, nr(Arch.X86_64, "open"))).isEqualTo(0x00050000 | 99);
        assertThat(c.flags()).isEqualTo(8); // NEW_LISTENER for the NOTIFY rule
        assertThat(c.listenerPath()).isEqualTo("/run/listener.sock");
    }

    @Test
    void errnoRetAndTraceData() {
        var c = compile(profile("SCMP_ACT_ALLOW", null,
                rule("SCMP_ACT_ERRNO", 42, List.of("mkdir")),
                rule("SCMP_ACT_ERRNO", null, List.of("rmdir")),
                rule("SCMP_ACT_TRACE", 1234, List.of("chdir"))));
        assertThat(run(c, AUDIT_X86_64, 83)).isEqualTo(0x00050000 | 42);
        assertThat(run(c, AUDIT_X86_64, nr(Arch.X86_64, "rmdir"))).isEqualTo(0x00050000 | 1);
        assertThat(run(c, AUDIT_X86_64, nr(Arch.X86_64, "chdir"))).isEqualTo(0x7ff00000 | 1234);
        // Default allow: no -ENOSYS stub.
        assertThat(run(c, AUDIT_X86_64, 1000)).isEqualTo(Bpf.RET_ALLOW);
    }

    @Test
    void multiArchSectionsX86X32() {
        var c = compile(profile("SCMP_ACT_ERRNO", List.of("SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"),
                rule("SCMP_ACT_ALLOW", null, List.of("mkdir", "chown32", "arch_prctl"))));
        int eperm = 0x00050001, enosys = 0x00050000 | 38;
        assertThat(run(c, AUDIT_X86_64, 83)).isEqualTo(Bpf.RET_ALLOW);
        assertThat(run(c, AUDIT_X86_64, 84)).isEqualTo(eperm);
        assertThat(run(c, AUDIT_X86_64, nr(Arch.X86_64, "arch_prctl"))).isEqualTo(Bpf.RET_ALLOW);
        assertThat(run(c, AUDIT_I386, 39)).isEqualTo(Bpf.RET_ALLOW);               // mkdir on i386
        assertThat(run(c, AUDIT_I386, nr(Arch.X86, "chown32"))).isEqualTo(Bpf.RET_ALLOW);
        assertThat(run(c, AUDIT_I386, 83)).isEqualTo(eperm);                       // 83 is symlink on i386
        assertThat(run(c, AUDIT_X86_64, X32 | 83)).isEqualTo(Bpf.RET_ALLOW);      // mkdir on x32
        assertThat(run(c, AUDIT_X86_64, X32 | 84)).isEqualTo(eperm);
        // Above the highest syscall the profile names: -ENOSYS, per section.
        assertThat(run(c, AUDIT_X86_64, 500)).isEqualTo(enosys);
        assertThat(run(c, AUDIT_X86_64, X32 | 500)).isEqualTo(enosys);
        assertThat(run(c, AUDIT_X86_64, -1)).isEqualTo(enosys);
        assertThat(run(c, AUDIT_X86_64, -2)).isEqualTo(enosys); // x32 section, above its table
        assertThat(run(c, AUDIT_I386, 1000)).isEqualTo(enosys);
        assertThat(run(c, AUDIT_AARCH64, 34)).isEqualTo(Bpf.RET_KILL_PROCESS);
    }

    @Test
    void x32NotListedIsBadArchButListedAloneStillFiltersNative() {
        var c = compile(profile("SCMP_ACT_ALLOW", List.of("SCMP_ARCH_X32"), rule("SCMP_ACT_ERRNO", null, List.of("mkdir"))));
        assertThat(run(c, AUDIT_X86_64, 83)).isEqualTo(0x50001);       // native x86_64 always filtered
        assertThat(run(c, AUDIT_X86_64, X32 | 83)).isEqualTo(0x50001);
        assertThat(run(c, AUDIT_I386, 39)).isEqualTo(Bpf.RET_KILL_PROCESS);
    }

    @Test
    void armAndAarch64() {
        var c = SeccompCompiler.compile(profile("SCMP_ACT_ERRNO", List.of("SCMP_ARCH_ARM"),
                rule("SCMP_ACT_ALLOW", null, List.of("mkdirat", "set_tls"),
                        arg(1, "SCMP_CMP_LT", 0x1_0000_0005L, 0))), Arch.AARCH64);
        BpfInterpreter.verify(c.instructions());
        var data = new BpfInterpreter.Data(34, AUDIT_AARCH64, 0, 0x1_0000_0004L);
        assertThat(BpfInterpreter.run(c.instructions(), data)).isEqualTo(Bpf.RET_ALLOW);
        data = new BpfInterpreter.Data(34, AUDIT_AARCH64, 0, 0x1_0000_0005L);
        assertThat(BpfInterpreter.run(c.instructions(), data)).isEqualTo(0x50001);
        // arm compares the low 32 bits only: 4 < 5.
        data = new BpfInterpreter.Data(nr(Arch.ARM, "mkdirat"), AUDIT_ARM, 0, 4);
        assertThat(BpfInterpreter.run(c.instructions(), data)).isEqualTo(Bpf.RET_ALLOW);
        data = new BpfInterpreter.Data(0x0f0005, AUDIT_ARM, 0, 6);
        assertThat(BpfInterpreter.run(c.instructions(), data)).isEqualTo(0x50001);
        data = new BpfInterpreter.Data(34, AUDIT_X86_64);
        assertThat(BpfInterpreter.run(c.instructions(), data)).isEqualTo(Bpf.RET_KILL_PROCESS);
    }

    @Test
    void x32WithoutX86_64OnAnotherHost() {
        var c = SeccompCompiler.compile(profile("SCMP_ACT_ALLOW", List.of("SCMP_ARCH_X32"),
                rule("SCMP_ACT_ERRNO", 9, List.of("mkdir"))), Arch.AARCH64);
        BpfInterpreter.verify(c.instructions());
        assertThat(BpfInterpreter.run(c.instructions(), new BpfInterpreter.Data(X32 | 83, AUDIT_X86_64))).isEqualTo(0x50009);
        assertThat(BpfInterpreter.run(c.instructions(), new BpfInterpreter.Data(X32 | 84, AUDIT_X86_64))).isEqualTo(Bpf.RET_ALLOW);
        assertThat(BpfInterpreter.run(c.instructions(), new BpfInterpreter.Data(83, AUDIT_X86_64))).isEqualTo(Bpf.RET_KILL_PROCESS);
        assertThat(BpfInterpreter.run(c.instructions(), new BpfInterpreter.Data(34, AUDIT_AARCH64))).isEqualTo(Bpf.RET_ALLOW);
    }

    static final String[] OPS = {"SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ", "SCMP_CMP_GE",
            "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ"};

    /** Every operator, on 64-bit (x86_64) and 32-bit (i386, x32) sections, against boundary values. */
    @Test
    void everyComparisonAtTheBoundaries() {
        int checked = 0;
        for (String op : OPS) {
            for (long v : ReferenceSemantics.INTERESTING) {
                long[] twos = op.equals("SCMP_CMP_MASKED_EQ")
                        ? new long[] {0, v, v & 0xFFFF0000FFFF0000L, 1, 0x100000000L} : new long[] {0};
                for (long v2 : twos) {
                    for (int index : new int[] {0, 5}) {
                        var cfg = profile("SCMP_ACT_ERRNO", List.of("SCMP_ARCH_X86", "SCMP_ARCH_X32"),
                                rule("SCMP_ACT_ALLOW", null, List.of("personality"), arg(index, op, v, v2)));
                        var c = compile(cfg);
                        List<Long> args = new ArrayList<>(ReferenceSemantics.around(v));
                        args.addAll(ReferenceSemantics.around(v2));
                        for (long x : ReferenceSemantics.INTERESTING) args.add(x);
                        for (long a : args) {
                            long[] argv = new long[6];
                            argv[index] = a;
                            argv[5 - index] = ~a; // the other argument must not matter
                            for (int[] where : new int[][] {{AUDIT_X86_64, nr(Arch.X86_64, "personality")},
                                    {AUDIT_I386, nr(Arch.X86, "personality")}, {AUDIT_X86_64, nr(Arch.X32, "personality")}}) {
                                var d = new BpfInterpreter.Data(where[1], where[0], argv);
                                assertThat(BpfInterpreter.run(c.instructions(), d))
                                        .as("%s value=%x valueTwo=%x arg%d=%x arch=%x", op, v, v2, index, a, where[0])
                                        .isEqualTo(ReferenceSemantics.expected(cfg, Arch.X86_64, d));
                                checked++;
                            }
                        }
                    }
                }
            }
        }
        assertThat(checked).isGreaterThan(10_000);
    }

    @Test
    void explicit64BitCases() {
        var c = compile(profile("SCMP_ACT_ERRNO", null,
                rule("SCMP_ACT_ALLOW", null, List.of("personality"), arg(0, "SCMP_CMP_EQ", 0xffffffffL, 0)),
                rule("SCMP_ACT_ALLOW", null, List.of("mkdir"), arg(1, "SCMP_CMP_GT", 0x1_0000_0000L, 0)),
                rule("SCMP_ACT_ALLOW", null, List.of("rmdir"), arg(2, "SCMP_CMP_MASKED_EQ", 0xff00_0000_0000_00ffL, 0x1200_0000_0000_0034L))));
        int pers = nr(Arch.X86_64, "personality"), mkdir = 83, rmdir = nr(Arch.X86_64, "rmdir");
        assertThat(run(c, AUDIT_X86_64, pers, 0xffffffffL)).isEqualTo(Bpf.RET_ALLOW);
        assertThat(run(c, AUDIT_X86_64, pers, 0xffffffffffffffffL)).isEqualTo(0x50001); // high half differs
        assertThat(run(c, AUDIT_X86_64, pers, 0)).isEqualTo(0x50001);
        assertThat(run(c, AUDIT_X86_64, mkdir, 0, 0x1_0000_0000L)).isEqualTo(0x50001);
        assertThat(run(c, AUDIT_X86_64, mkdir, 0, 0x1_0000_0001L)).isEqualTo(Bpf.RET_ALLOW);
        assertThat(run(c, AUDIT_X86_64, mkdir, 0, 0x2_0000_0000L)).isEqualTo(Bpf.RET_ALLOW);
        assertThat(run(c, AUDIT_X86_64, mkdir, 0, 0xffffffffL)).isEqualTo(0x50001);
        assertThat(run(c, AUDIT_X86_64, rmdir, 0, 0, 0x12ab_cdef_0123_4534L)).isEqualTo(Bpf.RET_ALLOW);
        assertThat(run(c, AUDIT_X86_64, rmdir, 0, 0, 0x13ab_cdef_0123_4534L)).isEqualTo(0x50001);
        assertThat(run(c, AUDIT_X86_64, rmdir, 0, 0, 0x12ab_cdef_0123_4535L)).isEqualTo(0x50001);
    }

    @Test
    void argsAreAndedRulesAreOredFirstMatchWins() {
        int pers = nr(Arch.X86_64, "personality");
        var c = compile(profile("SCMP_ACT_ERRNO", null,
                rule("SCMP_ACT_ALLOW", null, List.of("personality"),
                        arg(0, "SCMP_CMP_GE", 10, 0), arg(0, "SCMP_CMP_LE", 20, 0), arg(1, "SCMP_CMP_EQ", 7, 0)),
                rule("SCMP_ACT_ERRNO", 5, List.of("personality"), arg(0, "SCMP_CMP_EQ", 15, 0)),
                rule("SCMP_ACT_LOG", null, List.of("personality"), arg(0, "SCMP_CMP_EQ", 100, 0)),
                rule("SCMP_ACT_TRAP", null, List.of("personality")),
                rule("SCMP_ACT_ALLOW", null, List.of("personality"), arg(0, "SCMP_CMP_EQ", 200, 0))));
        assertThat(run(c, AUDIT_X86_64, pers, 10, 7)).isEqualTo(Bpf.RET_ALLOW);
        assertThat(run(c, AUDIT_X86_64, pers, 20, 7)).isEqualTo(Bpf.RET_ALLOW);
        assertThat(run(c, AUDIT_X86_64, pers, 15, 7)).isEqualTo(Bpf.RET_ALLOW);
        assertThat(run(c, AUDIT_X86_64, pers, 15, 8)).isEqualTo(0x50005);
        assertThat(run(c, AUDIT_X86_64, pers, 21, 7)).isEqualTo(Bpf.RET_TRAP);
        assertThat(run(c, AUDIT_X86_64, pers, 100)).isEqualTo(Bpf.RET_LOG);
        assertThat(run(c, AUDIT_X86_64, pers, 200)).isEqualTo(Bpf.RET_TRAP); // after the unconditional rule: unreachable
    }

    /** Random profiles against the reference semantics: the main correctness check. */
    @Test
    void randomProfilesMatchTheReference() {
        Random rnd = new Random(20261124);
        String[] actions = {"SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_TRAP", "SCMP_ACT_LOG", "SCMP_ACT_TRACE"};
        List<List<String>> archSets = List.of(List.of(), List.of("SCMP_ARCH_X86"), List.of("SCMP_ARCH_X32"),
                List.of("SCMP_ARCH_X86", "SCMP_ARCH_X32"), List.of("SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"));
        List<String> names = new ArrayList<>();
        for (int n = 0; n < 460; n++) SyscallTable.of(Arch.X86_64).orElseThrow().name(n).ifPresent(names::add);
        names.add("chown32");
        names.add("no_such_syscall");
        int checks = 0;
        for (int round = 0; round < 60; round++) {
            int nrules = 1 + rnd.nextInt(round % 4 == 0 ? 60 : 20);
            List<Linux.Syscall> calls = new ArrayList<>();
            for (int i = 0; i < nrules; i++) {
                List<String> ns = new ArrayList<>();
                int k = 1 + rnd.nextInt(4);
                for (int j = 0; j < k; j++) ns.add(names.get(rnd.nextInt(rnd.nextInt(4) == 0 ? 20 : names.size())));
                List<Linux.SeccompArg> args = new ArrayList<>();
                int nargs = rnd.nextInt(3) == 0 ? 0 : rnd.nextInt(4);
                for (int j = 0; j < nargs; j++) {
                    long v = ReferenceSemantics.INTERESTING[rnd.nextInt(ReferenceSemantics.INTERESTING.length)];
                    long v2 = rnd.nextBoolean() ? 0 : ReferenceSemantics.INTERESTING[rnd.nextInt(ReferenceSemantics.INTERESTING.length)];
                    args.add(arg(rnd.nextInt(6), OPS[rnd.nextInt(OPS.length)], v, v2));
                }
                String act = actions[rnd.nextInt(actions.length)];
                Integer errno = act.equals("SCMP_ACT_ERRNO") && rnd.nextBoolean() ? rnd.nextInt(4096) : null;
                calls.add(new Linux.Syscall(ns, act, errno, args));
            }
            String def = actions[rnd.nextInt(actions.length)];
            Integer defErrno = def.equals("SCMP_ACT_ERRNO") && rnd.nextInt(3) == 0 ? (rnd.nextBoolean() ? 38 : 13) : null;
            var cfg = new Linux.Seccomp(def, defErrno, archSets.get(rnd.nextInt(archSets.size())), null, null, null, calls);
            var c = compile(cfg);
            for (int t = 0; t < 3000; t++) {
                int arch = new int[] {AUDIT_X86_64, AUDIT_X86_64, AUDIT_I386, AUDIT_AARCH64, AUDIT_ARM, 0x12345}[rnd.nextInt(6)];
                int nr;
                Linux.Syscall pick = calls.get(rnd.nextInt(calls.size()));
                Arch a = arch == AUDIT_I386 ? Arch.X86 : arch == AUDIT_AARCH64 ? Arch.AARCH64 : arch == AUDIT_ARM ? Arch.ARM
                        : rnd.nextInt(4) == 0 ? Arch.X32 : Arch.X86_64;
                var num = SyscallTable.of(a).orElseThrow().number(pick.names().get(rnd.nextInt(pick.names().size())));
                if (num.isPresent() && rnd.nextInt(5) != 0) nr = num.getAsInt();
                else nr = rnd.nextInt(3) == 0 ? rnd.nextInt() : rnd.nextInt(600) | (a == Arch.X32 ? X32 : 0);
                long[] argv = new long[6];
                for (int i = 0; i < 6; i++) {
                    argv[i] = rnd.nextInt(3) == 0 ? rnd.nextLong()
                            : ReferenceSemantics.around(ReferenceSemantics.INTERESTING[rnd.nextInt(ReferenceSemantics.INTERESTING.length)])
                                    .get(rnd.nextInt(13));
                }
                if (pick.args() != null && !pick.args().isEmpty() && rnd.nextBoolean()) {
                    // Aim at the condition boundaries.
                    for (Linux.SeccompArg sa : pick.args()) {
                        List<Long> near = ReferenceSemantics.around(rnd.nextBoolean() ? sa.value() : sa.valueTwo());
                        argv[sa.index()] = near.get(rnd.nextInt(near.size()));
                    }
                }
                var d = new BpfInterpreter.Data(nr, arch, argv);
                int want = ReferenceSemantics.expected(cfg, Arch.X86_64, d);
                int got = BpfInterpreter.run(c.instructions(), d);
                if (got != want) {
                    throw new AssertionError("round " + round + " nr=" + Integer.toUnsignedString(nr) + " arch=" + Integer.toHexString(arch)
                            + " want " + Integer.toHexString(want) + " got " + Integer.toHexString(got) + "\n" + cfg
                            + "\n" + Bpf.disassemble(c.instructions()));
                }
                checks++;
            }
        }
        assertThat(checks).isEqualTo(180_000);
    }

    @Test
    void longChainsUseFarJumps() {
        // 300 syscalls with conditions: rule chains sit far beyond 255 instructions from the tree.
        List<Linux.Syscall> calls = new ArrayList<>();
        for (int n = 0; n < 300; n++) {
            String name = SyscallTable.of(Arch.X86_64).orElseThrow().name(n).orElseThrow();
            calls.add(rule("SCMP_ACT_ALLOW", null, List.of(name), arg(0, "SCMP_CMP_EQ", n, 0)));
        }
        var cfg = new Linux.Seccomp("SCMP_ACT_ERRNO", null, List.of(), null, null, null, calls);
        var c = compile(cfg);
        assertThat(c.instructions().size()).isGreaterThan(1000);
        assertThat(c.instructions()).anyMatch(i -> i.code() == Bpf.JA && i.k() > 255);
        for (int n = 0; n < 300; n++) {
            assertThat(run(c, AUDIT_X86_64, n, n)).as("nr %d", n).isEqualTo(Bpf.RET_ALLOW);
            assertThat(run(c, AUDIT_X86_64, n, n + 1)).as("nr %d", n).isEqualTo(0x50001);
        }
    }

    @Test
    void tooLongIsAnError() {
        List<Linux.Syscall> calls = new ArrayList<>();
        for (int n = 0; n < 300; n++) {
            String name = SyscallTable.of(Arch.X86_64).orElseThrow().name(n).orElseThrow();
            Linux.SeccompArg[] args = new Linux.SeccompArg[6];
            for (int i = 0; i < 6; i++) args[i] = arg(i, "SCMP_CMP_LT", 0x5_0000_0000L + i, 0);
            calls.add(rule("SCMP_ACT_ALLOW", null, List.of(name), args));
        }
        assertThatThrownBy(() -> SeccompCompiler.compile(new Linux.Seccomp("SCMP_ACT_ERRNO", null, List.of(), null, null, null, calls), Arch.X86_64))
                .isInstanceOf(SeccompException.class)
                .hasMessageMatching("linux.seccomp: the compiled filter has \\d+ instructions; the kernel accepts at most 4096");
    }

    @Test
    void flags() {
        var base = new Linux.Seccomp("SCMP_ACT_ALLOW", null, null,
                List.of("SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW"), null, null, List.of());
        assertThat(compile(base).flags()).isEqualTo(1 | 2 | 4);
        var notify = new Linux.Seccomp("SCMP_ACT_ALLOW", null, null,
                List.of("SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"), "/run/l.sock", "meta",
                List.of(rule("SCMP_ACT_NOTIFY", null, List.of("mkdir"))));
        // NEW_LISTENER added; TSYNC with it needs TSYNC_ESRCH.
        assertThat(compile(notify).flags()).isEqualTo(1 | 8 | 16 | 32);
        LaunchPlan.SeccompPlan plan = SeccompCompiler.compile(notify, w -> { });
        assertThat(plan.flags()).isEqualTo(1 | 8 | 16 | 32);
        assertThat(plan.listenerPath()).isEqualTo("/run/l.sock");
        assertThat(plan.program().length % 8).isZero();
    }

    @Test
    void validationErrorsNameTheField() {
        record Case(Linux.Seccomp cfg, String message) {}
        List<Case> cases = List.of(
                new Case(new Linux.Seccomp(null, null, null, null, null, null, null), "linux.seccomp.defaultAction: required"),
                new Case(profile("SCMP_ACT_NOPE", null), "linux.seccomp.defaultAction: unknown action \"SCMP_ACT_NOPE\""),
                new Case(profile("SCMP_ACT_NOTIFY", null), "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action"),
                new Case(new Linux.Seccomp("SCMP_ACT_ALLOW", 3, null, null, null, null, null),
                        "linux.seccomp.defaultErrnoRet: only SCMP_ACT_ERRNO and SCMP_ACT_TRACE take an errno, not SCMP_ACT_ALLOW"),
                new Case(profile("SCMP_ACT_ALLOW", List.of("SCMP_ARCH_X86", "SCMP_ARCH_Z80")),
                        "linux.seccomp.architectures[1]: unknown architecture \"SCMP_ARCH_Z80\""),
                new Case(new Linux.Seccomp("SCMP_ACT_ALLOW", null, null, List.of("SECCOMP_FILTER_FLAG_LOG", "FLAG_X"), null, null, null),
                        "linux.seccomp.flags[1]: unknown flag \"FLAG_X\""),
                new Case(new Linux.Seccomp("SCMP_ACT_ALLOW", null, null, List.of("SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"), null, null, null),
                        "linux.seccomp.flags: SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV needs an SCMP_ACT_NOTIFY rule"),
                new Case(profile("SCMP_ACT_ERRNO", null, rule("SCMP_ACT_ALLOW", null, List.of("read")),
                        rule("SCMP_ACT_ALLOW", null, List.of())), "linux.seccomp.syscalls[1].names: must list at least one syscall"),
                new Case(profile("SCMP_ACT_ERRNO", null, rule("SCMP_ACT_ALLOW", null, List.of("read", ""))),
                        "linux.seccomp.syscalls[0].names[1]: empty syscall name"),
                new Case(profile("SCMP_ACT_ERRNO", null, rule("SCMP_ACT_FOO", null, List.of("read"))),
                        "linux.seccomp.syscalls[0].action: unknown action \"SCMP_ACT_FOO\""),
                new Case(profile("SCMP_ACT_ERRNO", null, rule("SCMP_ACT_ERRNO", 5000, List.of("read"))),
                        "linux.seccomp.syscalls[0].errnoRet: 5000 is out of range 0..4095"),
                new Case(profile("SCMP_ACT_ERRNO", null, rule("SCMP_ACT_ALLOW", 1, List.of("read"))),
                        "linux.seccomp.syscalls[0].errnoRet: only SCMP_ACT_ERRNO and SCMP_ACT_TRACE take an errno, not SCMP_ACT_ALLOW"),
                new Case(profile("SCMP_ACT_ERRNO", null, rule("SCMP_ACT_ALLOW", null, List.of("read"), arg(6, "SCMP_CMP_EQ", 1, 0))),
                        "linux.seccomp.syscalls[0].args[0].index: 6 is not a syscall argument index (0..5)"),
                new Case(profile("SCMP_ACT_ERRNO", null, rule("SCMP_ACT_ALLOW", null, List.of("read"),
                        arg(0, "SCMP_CMP_EQ", 1, 0), arg(1, "SCMP_CMP_XX", 1, 0))),
                        "linux.seccomp.syscalls[0].args[1].op: unknown operator \"SCMP_CMP_XX\""),
                new Case(profile("SCMP_ACT_ERRNO", null, rule("SCMP_ACT_NOTIFY", null, List.of("read"))),
                        "linux.seccomp.listenerPath: required when SCMP_ACT_NOTIFY is used"),
                new Case(new Linux.Seccomp("SCMP_ACT_ERRNO", null, null, null, "/l", null,
                        List.of(rule("SCMP_ACT_NOTIFY", null, List.of("read", "write")))),
                        "linux.seccomp.syscalls[0].names[1]: SCMP_ACT_NOTIFY cannot be used for write (the notify fd is handed over with write)"));
        for (Case k : cases) {
            assertThatThrownBy(() -> SeccompCompiler.compile(k.cfg(), Arch.X86_64))
                    .isInstanceOf(SeccompException.class).hasMessage(k.message());
            assertThatThrownBy(() -> SeccompCompiler.validate(k.cfg())).hasMessage(k.message());
        }
    }

    @Test
    void unknownSyscallsAreIgnoredWithAWarning() {
        var cfg = profile("SCMP_ACT_ERRNO", List.of("SCMP_ARCH_X86"),
                rule("SCMP_ACT_ALLOW", null, List.of("read", "chown32", "foo")),
                rule("SCMP_ACT_ALLOW", null, List.of("bar")));
        assertThat(SeccompCompiler.validate(cfg)).containsExactly(
                "linux.seccomp.syscalls[0].names[2]: unknown syscall \"foo\" for SCMP_ARCH_X86_64, SCMP_ARCH_X86 (ignored)",
                "linux.seccomp.syscalls[1].names[0]: unknown syscall \"bar\" for SCMP_ARCH_X86_64, SCMP_ARCH_X86 (ignored)");
        List<String> warned = new ArrayList<>();
        SeccompCompiler.compile(cfg, warned::add);
        assertThat(warned).hasSize(2);
        var c = compile(cfg);
        assertThat(run(c, AUDIT_X86_64, 0)).isEqualTo(Bpf.RET_ALLOW);
        // An architecture without a table is accepted with a warning.
        var riscv = profile("SCMP_ACT_ALLOW", List.of("SCMP_ARCH_RISCV64"));
        assertThat(SeccompCompiler.validate(riscv)).singleElement().asString().contains("SCMP_ARCH_RISCV64 has no syscall table");
    }

    @Test
    void knownListsAreWhatTheParserAccepts() {
        for (String a : SeccompCompiler.KNOWN_ACTIONS) {
            assertThat(compile(profile(a.equals("SCMP_ACT_NOTIFY") ? "SCMP_ACT_ALLOW" : a, null)).instructions()).isNotEmpty();
        }
        for (String op : SeccompCompiler.KNOWN_OPERATORS) {
            compile(profile("SCMP_ACT_ALLOW", null, rule("SCMP_ACT_ERRNO", null, List.of("read"), arg(0, op, 1, 1))));
        }
        assertThat(SeccompCompiler.SUPPORTED_ARCHES).containsExactly("SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM",
                "SCMP_ARCH_X32", "SCMP_ARCH_X86", "SCMP_ARCH_X86_64");
        compile(profile("SCMP_ACT_ALLOW", SeccompCompiler.SUPPORTED_ARCHES));
        assertThat(SeccompCompiler.KNOWN_FLAGS).containsExactly("SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
                "SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV");
    }

    @Test
    void assemblerFarJumpsBothWays() {
        BpfAssembler asm = new BpfAssembler();
        var far1 = asm.label("far1");
        var far2 = asm.label("far2");
        var n1 = asm.label("n1");
        var n2 = asm.label("n2");
        var n3 = asm.label("n3");
        var n4 = asm.label("n4");
        asm.load(0);
        asm.jump(Bpf.JEQ_K, 1, far1, n1);   // jt far
        asm.mark(n1);
        asm.jump(Bpf.JEQ_K, 2, n2, n3);     // both near
        asm.mark(n2);
        asm.ret(0x222);
        asm.mark(n3);
        asm.jump(Bpf.JEQ_K, 3, n4, far2);   // jf far
        asm.mark(n4);
        asm.jump(Bpf.JGT_K, 5, far2, far1); // both far
        for (int i = 0; i < 300; i++) asm.ret(0x50000 + i);
        asm.mark(far1);
        asm.ret(Bpf.RET_ALLOW);
        asm.mark(far2);
        asm.ret(Bpf.RET_LOG);
        List<Bpf.Insn> p = asm.assemble();
        BpfInterpreter.verify(p);
        assertThat(p).hasSize(1 + 2 + 1 + 1 + 2 + 3 + 300 + 2);
        assertThat(BpfInterpreter.run(p, new BpfInterpreter.Data(1, 0))).isEqualTo(Bpf.RET_ALLOW);
        assertThat(BpfInterpreter.run(p, new BpfInterpreter.Data(2, 0))).isEqualTo(0x222);
        assertThat(BpfInterpreter.run(p, new BpfInterpreter.Data(3, 0))).isEqualTo(Bpf.RET_ALLOW);
        assertThat(BpfInterpreter.run(p, new BpfInterpreter.Data(4, 0))).isEqualTo(Bpf.RET_LOG);
    }
}
