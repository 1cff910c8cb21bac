package dev.hako.runtime.seccomp;

import dev.hako.oci.runtime.Linux;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Loads compiled filters into the real kernel. The JVM can't filter itself safely, so a small C
 * program (src/test/c/seccomp/seccomp-run.c, built here with gcc) loads the filter and makes the
 * syscalls, printing ret and errno of each.
 */
class SeccompKernelTest {
    static final int SIGSYS_EXIT = 128 + 31;
    static final int AUDIT_X86_64 = 0xC000003E;
    static Path dir;
    static Path runner;

    @BeforeAll
    static void build() throws Exception {
        assertThat(Arch.nativeArch()).as("these tests use x86_64 syscall numbers").isEqualTo(Arch.X86_64);
        dir = Files.createTempDirectory("hako-test-seccomp-");
        runner = dir.resolve("seccomp-run");
        Path src = Path.of(System.getProperty("hako.projectDir", "."), "runtime/src/test/c/seccomp/seccomp-run.c");
        Process gcc = new ProcessBuilder("gcc", "-O2", "-Wall", "-o", runner.toString(), src.toString())
                .redirectErrorStream(true).start();
        String out = new String(gcc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(gcc.waitFor()).as("gcc: " + out).isZero();
    }

    @AfterAll
    static void cleanup() throws IOException {
        if (dir == null) return;
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }

    record Outcome(int exit, Map<String, String> lines, String raw) {
        /** "errno=N" of the call spec, or "ret=..." parts; fails when the call printed nothing. */
        int errno(String spec) {
            String l = lines.get(spec);
            assertThat(l).as("no result for " + spec + " in:\n" + raw).isNotNull();
            return Integer.parseInt(l.replaceAll(".*errno=(-?\\d+).*", "$1"));
        }

        long ret(String spec) {
            String l = lines.get(spec);
            assertThat(l).as("no result for " + spec + " in:\n" + raw).isNotNull();
            return Long.parseLong(l.replaceAll(".*ret=(-?\\d+).*", "$1"));
        }
    }

    static Outcome run(Linux.Seccomp cfg, String... specs) throws Exception {
        SeccompCompiler.Compiled c = SeccompCompiler.compile(cfg, Arch.X86_64);
        Path filter = Files.createTempFile(dir, "filter-", ".bpf");
        Files.write(filter, c.program());
        List<String> cmd = new ArrayList<>(List.of(runner.toString(), filter.toString(), Long.toString(c.flags())));
        cmd.addAll(List.of(specs));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        Map<String, String> lines = new LinkedHashMap<>();
        for (String l : out.split("\n")) {
            int sp = l.indexOf(' ');
            if (sp > 0) lines.put(l.substring(0, sp), l.substring(sp + 1));
        }
        return new Outcome(p.exitValue(), lines, out);
    }

    static Linux.Syscall rule(String action, Integer errno, String name, Linux.SeccompArg... args) {
        return new Linux.Syscall(List.of(name), action, errno, List.of(args));
    }

    static Linux.Seccomp allowBut(Linux.Syscall... rules) {
        return new Linux.Seccomp("SCMP_ACT_ALLOW", null, null, null, null, null, List.of(rules));
    }

    @Test
    void errnoAndErrnoRet() throws Exception {
        Path a = dir.resolve("hako-test-seccomp-a"), b = dir.resolve("hako-test-seccomp-b");
        Files.createDirectory(b);
        Outcome o = run(allowBut(rule("SCMP_ACT_ERRNO", null, "mkdir"), rule("SCMP_ACT_ERRNO", 42, "rmdir")),
                "mkdir:" + a, "rmdir:" + b, "getpid");
        assertThat(o.exit()).as(o.raw()).isZero();
        assertThat(o.errno("mkdir:" + a)).isEqualTo(1);
        assertThat(o.errno("rmdir:" + b)).isEqualTo(42);
        assertThat(o.ret("getpid")).isPositive();
        assertThat(a).doesNotExist();
        assertThat(b).isDirectory();
    }

    @Test
    void argumentConditionsInTheKernel() throws Exception {
        // personality(0xffffffff) only queries; anything else is refused, including a set high half.
        Outcome o = run(allowBut(
                        rule("SCMP_ACT_ALLOW", null, "personality", new Linux.SeccompArg(0, 0xffffffffL, null, "SCMP_CMP_EQ")),
                        rule("SCMP_ACT_ERRNO", 13, "personality")),
                "raw:135:0xffffffff", "raw:135:0x123", "raw:135:0x1ffffffff");
        assertThat(o.exit()).as(o.raw()).isZero();
        assertThat(o.errno("raw:135:0xffffffff")).isZero();
        assertThat(o.errno("raw:135:0x123")).isEqualTo(13);
        assertThat(o.errno("raw:135:0x1ffffffff")).isEqualTo(13);

        // Every operator on getppid (which ignores its arguments) around 64-bit boundaries: the
        // kernel's answer must equal the reference semantics.
        long[] values = {0, 0xffffffffL, 0x100000000L, 0x8000000000000000L, 0x123456789L};
        String[] ops = SeccompCompilerTest.OPS;
        for (int oi = 0; oi < ops.length; oi++) {
            for (long v : values) {
                Linux.SeccompArg cond = new Linux.SeccompArg(2, v, ops[oi].endsWith("MASKED_EQ") ? (v & 0xffff0000ffffL) : null, ops[oi]);
                List<String> specs = new ArrayList<>();
                List<Long> args = new ArrayList<>(ReferenceSemantics.around(v));
                for (long x : args) specs.add("raw:110:0:0:0x" + Long.toHexString(x));
                Outcome r = run(allowBut(rule("SCMP_ACT_ERRNO", 100 + oi, "getppid", cond)), specs.toArray(String[]::new));
                assertThat(r.exit()).as(r.raw()).isZero();
                for (int k = 0; k < args.size(); k++) {
                    boolean holds = ReferenceSemantics.holds(cond, args.get(k), 64);
                    assertThat(r.errno(specs.get(k))).as("%s %x vs arg %x", ops[oi], v, args.get(k)).isEqualTo(holds ? 100 + oi : 0);
                }
            }
        }
    }

    @Test
    void killAndTrapEndTheProcessWithSigsys() throws Exception {
        for (String action : List.of("SCMP_ACT_KILL", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_TRAP")) {
            Outcome o = run(allowBut(rule(action, null, "getppid")), "getpid", "raw:110", "getpid");
            assertThat(o.exit()).as(action + ": " + o.raw()).isEqualTo(SIGSYS_EXIT);
            assertThat(o.raw()).as(action).contains("getpid ret=").doesNotContain("raw:110 ret");
        }
    }

    @Test
    void logAllowsAndTraceWithoutTracerIsEnosys() throws Exception {
        Outcome o = run(allowBut(rule("SCMP_ACT_LOG", null, "getppid"), rule("SCMP_ACT_TRACE", 7, "getpid")),
                "raw:110", "getpid");
        assertThat(o.exit()).as(o.raw()).isZero();
        assertThat(o.errno("raw:110")).isZero();
        assertThat(o.ret("raw:110")).isPositive();
        assertThat(o.errno("getpid")).isEqualTo(38);
    }

    @Test
    void x32SyscallsHaveTheirOwnSection() throws Exception {
        // x32 numbers carry __X32_SYSCALL_BIT under AUDIT_ARCH_X86_64; seccomp sees them before the
        // kernel checks whether it supports the x32 ABI at all.
        var cfg = new Linux.Seccomp("SCMP_ACT_ALLOW", null, List.of("SCMP_ARCH_X32"), null, null, null,
                List.of(rule("SCMP_ACT_ERRNO", 42, "getppid"), rule("SCMP_ACT_ERRNO", 43, "mkdir")));
        Outcome o = run(cfg, "raw:110", "raw:0x4000006e", "raw:0x40000053", "raw:0x40000027");
        assertThat(o.exit()).as(o.raw()).isZero();
        assertThat(o.errno("raw:110")).isEqualTo(42);          // getppid on x86_64
        assertThat(o.errno("raw:0x4000006e")).isEqualTo(42);   // getppid on x32
        assertThat(o.errno("raw:0x40000053")).isEqualTo(43);   // mkdir on x32
        assertThat(o.errno("raw:0x40000027")).isNotIn(42, 43); // getpid on x32: allowed (ENOSYS without x32 support)
        // x32 not listed: bad arch kills; but nr -1 is no x32 call (ENOSYS from the kernel, as under runc).
        o = run(allowBut(), "raw:-1", "getpid", "raw:0x4000006e");
        assertThat(o.errno("raw:-1")).isEqualTo(38);
        assertThat(o.exit()).as(o.raw()).isEqualTo(SIGSYS_EXIT);
        assertThat(o.raw()).contains("getpid ret=");
    }

    @Test
    void i386SyscallsThroughInt80() throws Exception {
        // Without SCMP_ARCH_X86 listed, an i386 syscall is a bad arch: SIGSYS. Some hypervisors fault
        // on int $0x80 (SIGSEGV) before seccomp sees anything: then this machine can't run i386 code.
        Outcome o = run(allowBut(), "getpid", "i386:20");
        org.junit.jupiter.api.Assumptions.assumeFalse(o.exit() == 128 + 11,
                "int $0x80 faults on this machine (no i386 ABI), i386 filtering not testable here");
        assertThat(o.exit()).as(o.raw()).isEqualTo(SIGSYS_EXIT);
        var cfg = new Linux.Seccomp("SCMP_ACT_ALLOW", null, List.of("SCMP_ARCH_X86"), null, null, null,
                List.of(rule("SCMP_ACT_ERRNO", 42, "getppid")));
        o = run(cfg, "i386:20", "i386:64", "raw:110");
        assertThat(o.exit()).as(o.raw()).isZero();
        assertThat(o.ret("i386:20")).isPositive();            // getpid on i386 (20), not x86_64's 39
        assertThat(o.errno("i386:64")).isEqualTo(42);          // getppid on i386
        assertThat(o.errno("raw:110")).isEqualTo(42);          // getppid on x86_64
    }

    @Test
    void flagsAreAcceptedByTheKernel() throws Exception {
        var cfg = new Linux.Seccomp("SCMP_ACT_ALLOW", null, null,
                List.of("SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW"),
                null, null, List.of(rule("SCMP_ACT_ERRNO", 5, "getppid")));
        Outcome o = run(cfg, "raw:110");
        assertThat(o.exit()).as(o.raw()).isZero();
        assertThat(o.errno("raw:110")).isEqualTo(5);
        // NOTIFY: the filter loads with NEW_LISTENER (+ TSYNC_ESRCH, WAIT_KILLABLE_RECV) and yields a listener fd.
        var notify = new Linux.Seccomp("SCMP_ACT_ALLOW", null, null,
                List.of("SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"), "/run/unused.sock", null,
                List.of(rule("SCMP_ACT_NOTIFY", null, "getppid")));
        o = run(notify, "getpid");
        assertThat(o.exit()).as(o.raw()).isZero();
        assertThat(o.raw()).containsPattern("listener fd=\\d+");
        assertThat(o.ret("getpid")).isPositive();
    }

    @Test
    void dockerDefaultProfileRunsBusybox() throws Exception {
        Path busybox = Path.of("/bin/busybox");
        assertThat(busybox).as("busybox-static is a test dependency").exists();
        Linux.Seccomp docker = DefaultProfile.load(DefaultProfileTest.DOCKER_CAPS);
        Outcome o = run(docker, "getpid", "raw:165:0:0:0:0:0", "raw:1000", "raw:0x3ffffff0", "raw:-1", "exec:/bin/busybox:true");
        assertThat(o.exit()).as(o.raw()).isZero();
        assertThat(o.ret("getpid")).isPositive();
        assertThat(o.errno("raw:165:0:0:0:0:0")).isEqualTo(1);   // mount: EPERM
        assertThat(o.errno("raw:1000")).isEqualTo(38);           // newer than the profile: ENOSYS
        assertThat(o.errno("raw:0x3ffffff0")).isEqualTo(38);
        assertThat(o.errno("raw:-1")).isEqualTo(38);
        // A shell pipeline under the profile; unshare(CLONE_NEWUSER) is refused.
        o = run(docker, "exec:/bin/busybox:sh:-c:echo hello | /bin/busybox tr a-z A-Z; /bin/busybox unshare -U true || echo refused");
        assertThat(o.exit()).as(o.raw()).isZero();
        assertThat(o.raw()).contains("HELLO").contains("refused");
    }
}
