package dev.hako.cli;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * `--runtime runc`: the same bundle run by runc under hako's monitor gives what the built-in runtime gives (exit
 * codes, the process's view of itself, logs, stop, exec), and rm leaves nothing of it (runc state, cgroup, dirs).
 * crun refuses this hybrid-cgroup host (see bench/engine.sh), so only runc is tested.
 */
class RuntimeRuncCliTest {
    static Path work;
    static Cli cli;
    static final String IMAGE = "rf-runtime-box:latest";
    static final String PROBE = "grep -E '^(Cap|NoNewPriv|Seccomp:)' /proc/self/status; hostname; id; env | sort;"
            + " awk '{print $5}' /proc/self/mountinfo | sort; ls -la /dev | awk '{print $1, $NF}' | sort; ulimit -n;"
            + " cat /proc/1/cmdline | tr '\\0' ' '; echo";

    @BeforeAll
    static void fixture() throws Exception {
        work = Files.createTempDirectory("hako-test-rtrunc-");
        cli = new Cli(work.resolve("root"));
        var imp = cli.run("import", "-c", "CMD [\"sh\"]", Cli.busyboxTar(work).toString(), IMAGE);
        assertThat(imp.code()).as(imp.toString()).isZero();
    }

    @AfterAll
    static void cleanup() throws Exception {
        for (String id : cli.run("ps", "-a", "-q", "--no-trunc").out().split("\n")) if (!id.isBlank()) cli.run("rm", "-f", id);
        Cli.deleteTree(work);
    }

    @Test
    void runcGivesWhatTheBuiltInRuntimeGives() {
        var builtin = cli.run("run", "--rm", "-h", "probe", "-e", "X=1", "-u", "1000:1000", "--cap-add", "NET_ADMIN", IMAGE, "sh", "-c", PROBE);
        var runc = cli.run("run", "--rm", "--runtime", "runc", "-h", "probe", "-e", "X=1", "-u", "1000:1000", "--cap-add", "NET_ADMIN",
                IMAGE, "sh", "-c", PROBE);
        assertThat(builtin.code()).as(builtin.toString()).isZero();
        assertThat(runc.code()).as(runc.toString()).isZero();
        assertThat(runc.out()).isEqualTo(builtin.out());
        assertThat(runc.out()).contains("probe\n", "uid=1000 gid=1000", "X=1\n", "/etc/hostname\n", "sh -c ");

        for (String rt : new String[]{"", "runc"}) {
            String[] pre = rt.isEmpty() ? new String[]{"run", "--rm"} : new String[]{"run", "--rm", "--runtime", rt};
            assertThat(cli.run(concat(pre, IMAGE, "sh", "-c", "exit 3")).code()).as(rt).isEqualTo(3);
            var missing = cli.run(concat(pre, IMAGE, "no-such-command"));
            assertThat(missing.code()).as(rt + missing).isEqualTo(127);
            assertThat(missing.err()).contains("exec: \"no-such-command\": executable file not found in $PATH");
            var notExec = cli.run(concat(pre, IMAGE, "/etc/passwd"));
            assertThat(notExec.code()).as(rt + notExec).isEqualTo(126);
            assertThat(cli.run(concat(pre, IMAGE, "sh", "-c", "exit 255")).code()).as(rt).isEqualTo(255);
        }
        assertThat(cli.run("ps", "-a", "-q").out()).isEmpty();
    }

    @Test
    void detachedLogsExecStopAndRmLeaveNothing() throws Exception {
        String name = "rf-runc-" + UUID.randomUUID().toString().substring(0, 8);
        var run = cli.run("run", "-d", "--runtime", "runc", "--name", name, IMAGE, "sh", "-c",
                "echo started; echo warn >&2; trap 'echo got-term; exit 7' TERM; while :; do sleep 0.1; done");
        assertThat(run.code()).as(run.toString()).isZero();
        String id = run.out().trim();
        Path runcState = cli.root.resolve("run").resolve("runc").resolve(id);
        assertThat(runcState).as("runc keeps its state under <runroot>/runc").isDirectory();
        String cgroup = "/sys/fs/cgroup/memory/hako/" + id;
        assertThat(Path.of(cgroup)).isDirectory();

        assertThat(cli.run("ps", "--format", "{{.Names}} {{.State}}").out()).contains(name + " running");
        assertThat(cli.run("container", "inspect", "-f", "{{.HostConfig.Runtime}}", name).out()).isEqualTo("runc\n");
        assertThat(cli.run("exec", name, "sh", "-c", "exit 4").code()).isEqualTo(4);
        var missing = cli.run("exec", name, "no-such-command");
        assertThat(missing.code()).as(missing.toString()).isEqualTo(127);
        var pid = cli.run("container", "inspect", "-f", "{{.State.Pid}}", name);
        assertThat(Integer.parseInt(pid.out().trim())).isPositive();

        String out = "";
        for (int i = 0; i < 200 && !out.contains("started"); i++) {
            out = cli.run("logs", name).out();
            Thread.sleep(20);
        }
        assertThat(out).isEqualTo("started\n");
        assertThat(cli.run("logs", name).err()).isEqualTo("warn\n");

        assertThat(cli.run("stop", "-t", "5", name).code()).isZero();
        assertThat(cli.run("wait", name).out()).isEqualTo("7\n");
        assertThat(cli.run("logs", name).out()).isEqualTo("started\ngot-term\n");
        var exec = cli.run("exec", name, "true");
        assertThat(exec.code()).isNotZero();
        assertThat(exec.err()).contains("is not running");

        assertThat(cli.run("start", name).code()).isZero();   // a restart goes through runc again
        assertThat(cli.run("ps", "--format", "{{.Names}} {{.State}}").out()).contains(name + " running");
        assertThat(cli.run("kill", name).code()).isZero();
        assertThat(cli.run("wait", name).out()).isEqualTo("137\n");

        assertThat(cli.run("rm", name).code()).isZero();
        assertThat(runcState).doesNotExist();
        assertThat(Path.of(cgroup)).doesNotExist();
        assertThat(cli.root.resolve("containers").resolve(id)).doesNotExist();
        assertThat(Cli.sh("runc", "--root", cli.root.resolve("run").resolve("runc").toString(), "list", "-q")).isEmpty();
    }

    @Test
    void rmForceKillsARunningRuncContainer() {
        var run = cli.run("run", "-d", "--runtime", "/usr/sbin/runc", IMAGE, "sleep", "300");
        assertThat(run.code()).as(run.toString()).isZero();
        String id = run.out().trim();
        assertThat(cli.run("rm", "-f", id).code()).isZero();
        assertThat(cli.root.resolve("run").resolve("runc").resolve(id)).doesNotExist();
        assertThat(Path.of("/sys/fs/cgroup/memory/hako/" + id)).doesNotExist();
    }

    private static String[] concat(String[] pre, String... rest) {
        String[] all = new String[pre.length + rest.length];
        System.arraycopy(pre, 0, all, 0, pre.length);
        System.arraycopy(rest, 0, all, pre.length, rest.length);
        return all;
    }
}
