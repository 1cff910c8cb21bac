package dev.hako.runtime.seccomp;

import dev.hako.kernel.exec.Executor;
import dev.hako.kernel.exec.Launch;
import dev.hako.kernel.exec.LaunchPlan;
import dev.hako.kernel.exec.LaunchPlan.MountStep;
import dev.hako.kernel.exec.Stdio;
import dev.hako.kernel.exec.Supervision;
import dev.hako.oci.runtime.Linux;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Compiled filters loaded by the real executor (kernel/src/main/c) into a busybox container. */
class SeccompExecutorTest {
    static final long MS_NOSUID = 2, MS_NODEV = 4, MS_NOEXEC = 8, MS_REC = 16384, MS_SLAVE = 1 << 19;
    // Docker's default capabilities: CHOWN DAC_OVERRIDE FOWNER FSETID KILL SETGID SETUID SETPCAP
    // NET_BIND_SERVICE NET_RAW SYS_CHROOT MKNOD AUDIT_WRITE SETFCAP.
    static final long DOCKER_CAPS = bits(0, 1, 3, 4, 5, 6, 7, 8, 10, 13, 18, 27, 29, 31);
    static Path dir;
    static Path rootfs;

    static long bits(int... caps) {
        long m = 0;
        for (int c : caps) m |= 1L << c;
        return m;
    }

    @BeforeAll
    static void rootfs() throws Exception {
        dir = Files.createTempDirectory("hako-test-seccomp-exec-");
        Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        rootfs = dir.resolve("rootfs");
        Path script = Path.of(System.getProperty("hako.projectDir", "."), "scripts/busybox-rootfs.sh");
        Process p = new ProcessBuilder("bash", script.toString(), rootfs.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0).as("busybox-rootfs.sh: " + out).isTrue();
    }

    @AfterAll
    static void cleanup() throws Exception {
        if (dir != null) new ProcessBuilder("rm", "-rf", "--one-file-system", dir.toString()).start().waitFor();
    }

    record Result(int exit, String out, String err) {}

    static Result run(LaunchPlan.SeccompPlan seccomp, String script) {
        return run(seccomp, script, true);
    }

    static Result run(LaunchPlan.SeccompPlan seccomp, String script, boolean noNewPrivileges) {
        List<LaunchPlan.RootfsStep> steps = List.of(
                new LaunchPlan.RootPropagationStep(MS_REC | MS_SLAVE),
                new LaunchPlan.PrepareRootStep(0),
                new MountStep("proc", "/proc", "proc", MS_NOSUID | MS_NOEXEC | MS_NODEV, null, List.of(), 0, null, 0, 0, null),
                new MountStep("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "size=1m", List.of(), 0, null, 0, 0, null),
                new LaunchPlan.PivotRootStep(false));
        var caps = new LaunchPlan.Capabilities(DOCKER_CAPS, DOCKER_CAPS, DOCKER_CAPS, 0, 0);
        var process = new LaunchPlan.ProcessPlan(List.of("/bin/sh", "-c", script),
                List.of("PATH=/bin:/sbin:/usr/bin"), "/", 0, 0, List.of(), null, List.of(), caps, noNewPrivileges, seccomp,
                null, null, null, null, false, null, null);
        var plan = new LaunchPlan(LaunchPlan.Mode.RUN,
                List.of(new LaunchPlan.Namespace("mnt", null), new LaunchPlan.Namespace("pid", null)),
                List.of(), List.of(), false, List.of(), rootfs.toString(), steps, List.of(), null, null, process,
                null, null, List.of(), List.of(), 0);
        try (Launch l = Executor.launch(plan, Stdio.pipes(), Supervision.FOREGROUND)) {
            CompletableFuture<String> out = drain(l.stdout()), err = drain(l.stderr());
            l.writeIdMappings();
            l.proceed();
            l.awaitReady();
            int code = l.waitFor();
            return new Result(code, out.join(), err.join());
        }
    }

    static CompletableFuture<String> drain(InputStream in) {
        return CompletableFuture.supplyAsync(() -> {
            try (in) {
                ByteArrayOutputStream b = new ByteArrayOutputStream();
                in.transferTo(b);
                return b.toString(StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, r -> Thread.ofPlatform().daemon().start(r));
    }

    @Test
    void dockerDefaultProfileInAContainer() {
        Linux.Seccomp docker = DefaultProfile.load(DefaultProfileTest.DOCKER_CAPS);
        LaunchPlan.SeccompPlan plan = SeccompCompiler.compile(docker, w -> { });
        Result r = run(plan, "grep -E '^(Seccomp|NoNewPrivs):' /proc/self/status; echo hi > /tmp/f && cat /tmp/f; "
                + "mkdir /tmp/d && echo mkdir-ok; chroot / true && echo chroot-ok; "
                // A user namespace needs no capability: only the profile refuses it.
                + "unshare -U true 2>&1; echo unshare=$?");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("Seccomp:\t2", "NoNewPrivs:\t1", "hi\n", "mkdir-ok", "chroot-ok",
                "Operation not permitted", "unshare=1");
    }

    @Test
    void dockerDefaultProfileWithoutNoNewPrivileges() {
        // Then the executor loads the filter while still privileged, before it drops capabilities
        // and changes ids: the profile must allow those steps (as Docker's does).
        LaunchPlan.SeccompPlan plan = SeccompCompiler.compile(DefaultProfile.load(DefaultProfileTest.DOCKER_CAPS), w -> { });
        Result r = run(plan, "grep -E '^(Seccomp|NoNewPrivs):' /proc/self/status; unshare -U true 2>&1; echo unshare=$?", false);
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("Seccomp:\t2", "NoNewPrivs:\t0", "unshare=1");
    }

    @Test
    void withoutTheProfileTheSameContainerMayUnshare() {
        // The control for the test above: the refusal comes from the filter, not from the setup.
        var allowAll = new Linux.Seccomp("SCMP_ACT_ALLOW", null, null, null, null, null, List.of());
        Result r = run(SeccompCompiler.compile(allowAll, w -> { }), "unshare -U true 2>&1; echo unshare=$?");
        assertThat(r.out()).contains("unshare=0");
    }

    @Test
    void errnoRetReachesTheContainerProcess() {
        var cfg = new Linux.Seccomp("SCMP_ACT_ALLOW", null, null, null, null, null,
                List.of(new Linux.Syscall(List.of("mkdir", "mkdirat"), "SCMP_ACT_ERRNO", 28 /* ENOSPC */, List.of())));
        Result r = run(SeccompCompiler.compile(cfg, w -> { }), "mkdir /tmp/x; echo rc=$?");
        assertThat(r.out() + r.err()).contains("No space left on device", "rc=1");
    }
}
