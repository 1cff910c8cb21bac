package dev.hako.kernel.exec;

import dev.hako.kernel.Pidfd;
import dev.hako.kernel.exec.LaunchPlan.HookPlan;
import dev.hako.kernel.exec.LaunchPlan.HookStep;
import dev.hako.kernel.exec.LaunchPlan.Namespace;
import dev.hako.kernel.exec.LaunchPlan.TimeOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Less common plan steps: hooks, time namespace, chroot instead of pivot_root, oom score, odd strings. */
class ExecutorStepsTest {
    @TempDir
    Path tmp;

    static final List<String> TRICKY = List.of("", "-", "%", "a b", "line\nbreak", "tab\there", "ünïcødé 箱", "100%", "$HOME", "'\"");

    @Test
    void argsAndEnvSurviveEncodingIntoTheContainer() {
        List<String> args = new ArrayList<>(List.of("/bin/sh", "-c", "for a in \"$@\"; do printf '[%s]' \"$a\"; done; echo; printf '[%s]' \"$V1\" \"$V2\"", "sh"));
        args.addAll(TRICKY);
        PlanBuilder b = PlanBuilder.typical(Containers.sharedRootfs());
        b.args.addAll(args);
        b.env.add("V1=a b\nc%d");
        b.env.add("V2=");
        Containers.Result r = Containers.run(b.build());
        StringBuilder want = new StringBuilder();
        for (String t : TRICKY) want.append('[').append(t).append(']');
        assertThat(r.out()).isEqualTo(want + "\n[a b\nc%d][]");
    }

    @Test
    void createContainerAndStartContainerHooksRunInTheContainer() throws Exception {
        Path log = tmp.resolve("hooks.log");
        Files.createFile(log);
        PlanBuilder b = PlanBuilder.typical(Containers.sharedRootfs(), "/bin/sh", "-c", "cat /started");
        String state = "{\"id\":\"x y\",\"status\":\"creating\"}";
        // createContainer: in the container's namespaces, before pivot_root (host paths still visible)
        b.before.add(new HookStep(new HookPlan("/bin/sh", List.of("sh", "-c", "read -r s; echo \"create $s $H $(hostname)\" >> " + log + " && echo hi > " + Containers.sharedRootfs() + "/started"),
                List.of("H=hookenv"), 5, state)));
        // startContainer: after start, inside the container (container paths)
        b.startHooks.add(new HookPlan("/bin/sh", List.of("sh", "-c", "echo start-$(cat /started) > /dev/stderr"), List.of(), 5, state));
        Containers.Result r = Containers.run(b.build());
        assertThat(r.out()).isEqualTo("hi\n");
        assertThat(r.err()).isEqualTo("start-hi\n");
        // the hostname is set after the rootfs steps, so the hook still sees the host's uts name? no: a new uts ns copies it
        assertThat(Files.readString(log)).startsWith("create " + state + " hookenv ");
    }

    @Test
    void failingAndHangingHooksFailTheLaunch() {
        PlanBuilder b = PlanBuilder.typical(Containers.sharedRootfs(), "true");
        b.before.add(new HookStep(new HookPlan("/bin/sh", List.of("sh", "-c", "exit 3"), List.of(), 5, "{}")));
        LaunchException e = launch(b);
        assertThat(e.step()).isEqualTo("hook");
        assertThat(e.getMessage()).contains("createContainer hook failed: exit status 3");

        b = PlanBuilder.typical(Containers.sharedRootfs(), "true");
        b.startHooks.add(new HookPlan("/bin/sleep", List.of("sleep", "100"), List.of(), 1, "{}"));
        long t0 = System.nanoTime();
        e = launch(b);
        assertThat(e.getMessage()).contains("startContainer hook timed out");
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(10));
    }

    static LaunchException launch(PlanBuilder b) {
        try {
            Containers.run(b.build());
        } catch (LaunchException e) {
            return e;
        }
        throw new AssertionError("launch did not fail");
    }

    @Test
    void timeNamespaceWithOffsets() throws Exception {
        PlanBuilder b = PlanBuilder.typical(Containers.sharedRootfs(), "cat", "/proc/uptime");
        b.namespaces.add(new Namespace("time", null));
        b.timeOffsets.add(new TimeOffset("boottime", 86400 * 365, 0));
        b.timeOffsets.add(new TimeOffset("monotonic", 1000, 0));
        double host = Double.parseDouble(Files.readString(Path.of("/proc/uptime")).split(" ")[0]);
        double inside = Double.parseDouble(Containers.run(b.build()).out().split(" ")[0]);
        assertThat(inside - host).isBetween(86400.0 * 365 - 60, 86400.0 * 365 + 60);
    }

    @Test
    void chrootInsteadOfPivotRoot() {
        PlanBuilder b = PlanBuilder.typical(Containers.sharedRootfs(), "/bin/sh", "-c", "test -x /bin/busybox && echo inside; grep -c ' / / ' /proc/self/mountinfo");
        b.noPivot = true;
        Containers.Result r = Containers.run(b.build());
        assertThat(r.out().lines().toList()).containsExactly("inside", "0");
    }

    @Test
    void oomScoreAdjAndDomainname() {
        PlanBuilder b = PlanBuilder.typical(Containers.sharedRootfs(), "/bin/sh", "-c", "cat /proc/self/oom_score_adj; cat /proc/sys/kernel/domainname");
        b.oomScoreAdj = 500;
        b.domainname = "example.org";
        assertThat(Containers.run(b.build()).out().lines().toList()).containsExactly("500", "example.org");
    }

    @Test
    void stdinPipeReachesEofWhenTheCallerClosesIt() throws Exception {
        PlanBuilder b = PlanBuilder.typical(Containers.sharedRootfs(), "/bin/sh", "-c", "cat; echo eof");
        try (Launch l = Executor.launch(b.build(), new Stdio(Stdio.PIPE, Stdio.PIPE, Stdio.PIPE), Supervision.FOREGROUND)) {
            var out = Containers.drain(l.stdout());
            var err = Containers.drain(l.stderr());
            l.proceed();
            l.awaitReady();
            try (var in = l.stdin()) {
                in.write("hello\n".getBytes());
            }
            assertThat(l.waitFor()).isZero();
            assertThat(out.get()).isEqualTo("hello\neof\n");
            assertThat(err.get()).isEmpty();
        }
    }

    @Test
    void personality() {
        PlanBuilder b = PlanBuilder.typical(Containers.sharedRootfs(), "uname", "-m");
        b.personality = 0x0008L; // PER_LINUX32
        assertThat(Containers.run(b.build()).out().strip()).isIn("i686", "i386", "armv8l", "armv7l");
    }

    @Test
    void javaGoingAwayBeforeGoLeavesNothing() throws Exception {
        Launch l = Executor.launch(PlanBuilder.typical(Containers.sharedRootfs(), "sleep", "100").build(), Stdio.nulls());
        int pid = l.pid();
        try (Pidfd p = Pidfd.open(pid)) {
            l.close(); // without proceed: the executor kills the waiting init
            assertThat(p.awaitExit(Duration.ofSeconds(5))).isTrue();
        }
    }

    @Test
    void detachedRunReturnsWhileTheContainerRuns() throws Exception {
        try (Launch l = Executor.launch(PlanBuilder.typical(Containers.sharedRootfs(), "sleep", "100").build(), Stdio.nulls(), Supervision.DETACH)) {
            l.proceed();
            l.awaitReady();
            assertThat(l.pidfd().isAlive()).isTrue();
            // the executor has exited and is reaped; the init was reparented
            assertThat(Files.exists(Path.of("/proc/" + l.executorPid() + "/status"))
                    && Files.readString(Path.of("/proc/" + l.executorPid() + "/status")).contains("hako-executor")).isFalse();
            l.signal(9);
            assertThat(l.pidfd().awaitExit(Duration.ofSeconds(5))).isTrue();
        }
    }
}
