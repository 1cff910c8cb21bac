package dev.hako.runtime.container;

import dev.hako.kernel.exec.Stdio;
import dev.hako.oci.runtime.Linux;
import dev.hako.oci.runtime.Process;
import dev.hako.oci.runtime.Spec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What runc does that the runtime-spec leaves open: HOME from passwd, env, io priority, scheduler, session keyring, tmpcopyup. */
class ContainerProcessSettingsTest {
    @TempDir static Path shared;
    static Fixture fx;

    @TempDir Path root;
    Runtime rt;
    final List<String> warnings = new ArrayList<>();
    final List<String> ids = new ArrayList<>();

    @BeforeAll
    static void rootfs() throws Exception { fx = new Fixture(shared); }

    @BeforeEach
    void runtime() { rt = new Runtime(root.resolve("state"), warnings::add); }

    @AfterEach
    void cleanup() {
        for (String id : ids) {
            try { rt.delete(id, true); } catch (RuntimeException ignored) { }
        }
    }

    static Spec withProcess(Spec s, Integer uid, List<String> env, Process.IoPriority io, Process.Scheduler sched) {
        Process p = s.process();
        var user = uid == null ? p.user() : new Process.User(uid, uid, null, null, null);
        return s.withProcess(new Process(false, null, user, p.args(), null, env == null ? p.env() : env, p.cwd(),
                p.capabilities(), p.rlimits(), p.noNewPrivileges(), null, null, null, io, sched, null));
    }

    String run(Spec spec, CreateOptions o) throws Exception {
        String id = Fixture.id();
        ids.add(id);
        Path bundle = fx.bundle(id, spec);
        try (var out = new Fixture.Output()) {
            int code = rt.run(id, bundle, o.withStdio(out.stdio()), false, false);
            String text = out.read();
            assertThat(code).as(text).isZero();
            return text;
        }
    }

    String run(Spec spec) throws Exception { return run(spec, CreateOptions.defaults()); }

    @Test
    void homeComesFromTheContainersPasswdUnlessTheEnvHasOne() throws Exception {
        Spec s = Fixture.spec(fx.rootfs, "sh", "-c", "echo home=$HOME; env | grep -c '^HOME='");
        List<String> noHome = s.process().env().stream().filter(e -> !e.startsWith("HOME=")).toList();
        assertThat(run(withProcess(s, null, noHome, null, null))).contains("home=/root\n1\n");
        assertThat(run(withProcess(s, 1, noHome, null, null))).contains("home=/usr/sbin\n1\n");
        assertThat(run(withProcess(s, 4242, noHome, null, null))).contains("home=/\n1\n"); // no entry: "/"
        var own = new ArrayList<>(noHome);
        own.add("HOME=/mine");
        assertThat(run(withProcess(s, null, own, null, null))).contains("home=/mine\n1\n");
    }

    @Test
    void execGetsHomeFromPasswdToo() throws Exception {
        String id = Fixture.id();
        ids.add(id);
        rt.create(id, fx.bundle(id, Fixture.spec(fx.rootfs, "sleep", "1000")), CreateOptions.defaults().withStdio(Stdio.nulls()));
        rt.start(id);
        Process p = Fixture.spec(fx.rootfs, "sh", "-c", "echo home=$HOME").process();
        p = new Process(false, null, new Process.User(1, 1, null, null, null), p.args(), null, List.of("PATH=/bin"), "/",
                null, null, false, null, null, null, null, null, null);
        try (var out = new Fixture.Output()) {
            assertThat(rt.exec(id, p, ExecOptions.defaults().withStdio(out.stdio()))).isZero();
            assertThat(out.read()).isEqualTo("home=/usr/sbin\n");
        }
    }

    @Test
    void aRepeatedEnvNameKeepsTheLastValueAndAnEntryWithoutEqualsIsRefused() throws Exception {
        Spec s = Fixture.spec(fx.rootfs, "sh", "-c", "env | grep '^DUP' | sort"); // sh rebuilds environ in its own order
        var env = new ArrayList<>(s.process().env());
        env.addAll(List.of("DUP=1", "DUPX=x", "DUP=2"));
        assertThat(run(withProcess(s, null, env, null, null))).isEqualTo("DUP=2\nDUPX=x\n");
        env.add("LONELY");
        assertThatThrownBy(() -> run(withProcess(s, null, env, null, null)))
                .hasMessageContaining("LONELY").hasMessageContaining("not KEY=value");
    }

    @Test
    void ioPriorityAndSchedulerAreSetBeforeExec() throws Exception {
        String id = Fixture.id();
        ids.add(id);
        Spec s = withProcess(Fixture.spec(fx.rootfs, "sleep", "1000"), null, null, new Process.IoPriority("IOPRIO_CLASS_BE", 6),
                new Process.Scheduler("SCHED_BATCH", 7, 0, List.of("SCHED_FLAG_RESET_ON_FORK"), null, null, null));
        var info = rt.create(id, fx.bundle(id, s), CreateOptions.defaults().withStdio(Stdio.nulls()));
        rt.start(id);
        assertThat(host("ionice", "-p", Integer.toString(info.pid()))).isEqualTo("best-effort: prio 6");
        assertThat(host("chrt", "-p", Integer.toString(info.pid()))).contains("SCHED_BATCH|SCHED_RESET_ON_FORK");
        String stat = java.nio.file.Files.readString(Path.of("/proc/" + info.pid() + "/stat"));
        assertThat(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[16]).as("nice").isEqualTo("7");
        assertThat(warnings).isEmpty();
    }

    @Test
    void execCpuAffinityFinalIsTheContainerProcessesCpuSet() throws Exception {
        Spec base = Fixture.spec(fx.rootfs, "sh", "-c", "grep Cpus_allowed_list /proc/self/status");
        Process p = base.process();
        Spec s = base.withProcess(new Process(false, null, p.user(), p.args(), null, p.env(), p.cwd(), p.capabilities(),
                p.rlimits(), p.noNewPrivileges(), null, null, null, null, null, new Process.ExecCPUAffinity("0", "1")));
        assertThat(run(s)).contains("Cpus_allowed_list:\t1\n");
        Spec s0 = base.withProcess(new Process(false, null, p.user(), p.args(), null, p.env(), p.cwd(), p.capabilities(),
                p.rlimits(), p.noNewPrivileges(), null, null, null, null, null, new Process.ExecCPUAffinity(null, "0")));
        assertThat(run(s0)).contains("Cpus_allowed_list:\t0\n");
        // a CPU the machine doesn't have: the kernel refuses, and the error names the step
        Spec bad = base.withProcess(new Process(false, null, p.user(), p.args(), null, p.env(), p.cwd(), p.capabilities(),
                p.rlimits(), p.noNewPrivileges(), null, null, null, null, null, new Process.ExecCPUAffinity(null, "1000")));
        assertThatThrownBy(() -> run(bad)).hasMessageContaining("sched_setaffinity").hasMessageContaining("EINVAL");
    }

    @Test
    void aBadSchedulerIsAConfigErrorAndARefusedOneNamesTheStep() throws Exception {
        Spec s = Fixture.spec(fx.rootfs, "true");
        assertThatThrownBy(() -> run(withProcess(s, null, null, null,
                new Process.Scheduler("SCHED_NOPE", null, null, null, null, null, null))))
                .hasMessageContaining("process.scheduler.policy");
        // SCHED_DEADLINE with runtime > deadline is EINVAL from the kernel
        assertThatThrownBy(() -> run(withProcess(s, null, null, null,
                new Process.Scheduler("SCHED_DEADLINE", null, null, null, 20_000_000L, 10_000_000L, 30_000_000L))))
                .hasMessageContaining("sched_setattr").hasMessageContaining("EINVAL");
    }

    @Test
    void theInitJoinsASessionKeyringNamedAfterTheContainerUnlessNoNewKeyring() throws Exception {
        // /proc/keys is masked by default: unmask it to look
        Spec s = Fixture.withLinux(Fixture.spec(fx.rootfs, "sh", "-c", "grep -o '_ses[.a-z0-9-]*' /proc/keys; true"),
                l -> new Linux(l.namespaces(), l.uidMappings(), l.gidMappings(), l.timeOffsets(), l.devices(),
                        l.cgroupsPath(), l.resources(), l.rootfsPropagation(), l.seccomp(), l.sysctl(), List.of(),
                        l.readonlyPaths(), l.mountLabel(), l.personality(), l.intelRdt()));
        String id = Fixture.id();
        ids.add(id);
        try (var out = new Fixture.Output()) {
            assertThat(rt.run(id, fx.bundle(id, s), CreateOptions.defaults().withStdio(out.stdio()), false, false)).isZero();
            assertThat(out.read()).contains("_ses." + id);
        }
        String id2 = Fixture.id();
        ids.add(id2);
        try (var out = new Fixture.Output()) {
            var o = new CreateOptions(null, null, 0, false, true, out.stdio());
            assertThat(rt.run(id2, fx.bundle(id2, s), o, false, false)).isZero();
            assertThat(out.read()).doesNotContain("_ses." + id2);
        }
    }

    @Test
    void execJoinsTheContainersSessionKeyring() throws Exception {
        // /proc/keys lists a uid-0 keyring to uid 65534 only if it possesses it, i.e. joined it
        Spec s = Fixture.withLinux(Fixture.spec(fx.rootfs, "sleep", "1000"),
                l -> new Linux(l.namespaces(), l.uidMappings(), l.gidMappings(), l.timeOffsets(), l.devices(),
                        l.cgroupsPath(), l.resources(), l.rootfsPropagation(), l.seccomp(), l.sysctl(), List.of(),
                        l.readonlyPaths(), l.mountLabel(), l.personality(), l.intelRdt()));
        String id = Fixture.id();
        ids.add(id);
        rt.create(id, fx.bundle(id, s), CreateOptions.defaults().withStdio(Stdio.nulls()));
        rt.start(id);
        Process p = Fixture.spec(fx.rootfs, "sh", "-c", "grep -o '_ses[.a-z0-9-]*' /proc/keys; true").process();
        p = new Process(false, null, new Process.User(65534, 65534, null, null, null), p.args(), null, List.of("PATH=/bin"),
                "/", null, null, false, null, null, null, null, null, null);
        try (var out = new Fixture.Output()) {
            assertThat(rt.exec(id, p, ExecOptions.defaults().withStdio(out.stdio()))).isZero();
            assertThat(out.read()).contains("_ses." + id);
        }
    }

    @Test
    void tmpcopyupFillsTheNewTmpfsWithWhatItCovers() throws Exception {
        Spec s = Fixture.spec(fx.rootfs, "sh", "-c",
                "stat -c '%a %u %n' /etc/passwd; ls /etc | tr '\\n' ' '; echo; echo new > /etc/new && cat /etc/new;"
                        + " grep ' /etc ' /proc/mounts | cut -d' ' -f3");
        var mounts = new ArrayList<>(s.mounts());
        mounts.add(new dev.hako.oci.runtime.Mount("/etc", "tmpfs", "tmpfs", List.of("tmpcopyup", "nosuid"), null, null));
        s = new Spec(s.ociVersion(), s.process(), s.root(), s.hostname(), null, mounts, null, null, s.linux());
        String out = run(s);
        var hostPasswd = java.nio.file.Files.readAttributes(fx.rootfs.resolve("etc/passwd"), "unix:mode,uid");
        String mode = Integer.toOctalString((Integer) hostPasswd.get("mode") & 07777);
        String hostLs;
        try (var l = java.nio.file.Files.list(fx.rootfs.resolve("etc"))) {
            hostLs = String.join(" ", l.map(x -> x.getFileName().toString()).sorted().toList()) + " ";
        }
        assertThat(out).isEqualTo(mode + " " + hostPasswd.get("uid") + " /etc/passwd\n" + hostLs + "\nnew\ntmpfs\n");
        assertThat(fx.rootfs.resolve("etc/new")).doesNotExist();
        assertThat(warnings).isEmpty();
    }

    static String host(String... cmd) throws Exception {
        var p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes()).strip();
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        return out;
    }
}
