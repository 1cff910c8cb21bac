package dev.hako.runtime.container;

import dev.hako.kernel.exec.Stdio;
import dev.hako.oci.runtime.Process;
import dev.hako.runtime.state.Status;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ContainerExecTest {
    @TempDir static Path shared;
    static Fixture fx;

    @TempDir Path root;
    Runtime rt;
    final List<String> ids = new ArrayList<>();

    @BeforeAll
    static void rootfs() throws Exception { fx = new Fixture(shared); }

    @BeforeEach
    void runtime() { rt = new Runtime(root.resolve("state"), w -> { }); }

    @AfterEach
    void cleanup() {
        for (String id : ids) {
            try { rt.delete(id, true); } catch (RuntimeException ignored) { }
        }
    }

    static Process process(String... args) {
        Process p = Fixture.spec(Path.of("/"), "x").process();
        return new Process(false, null, p.user(), List.of(args), null, p.env(), "/tmp", p.capabilities(), p.rlimits(),
                true, null, null, null, null, null, null);
    }

    @Test
    void execJoinsTheContainerAndReturnsTheExitCode() throws Exception {
        String id = Fixture.id();
        ids.add(id);
        rt.run(id, fx.bundle(id, "sleep", "1000"), CreateOptions.defaults().withStdio(Stdio.nulls()), true, false);
        int init = rt.state(id).pid();
        String out;
        int code;
        try (var o = new Fixture.Output()) {
            code = rt.exec(id, process("sh", "-c", "hostname; pwd; readlink /proc/self/ns/pid; readlink /proc/self/ns/mnt;"
                    + " grep memory /proc/self/cgroup; set -- /proc/[0-9]*; echo $#; exit 7"), ExecOptions.defaults().withStdio(o.stdio()));
            out = o.read();
        }
        assertThat(code).as(out).isEqualTo(7);
        String[] lines = out.split("\n");
        assertThat(lines[0]).isEqualTo("hako");
        assertThat(lines[1]).isEqualTo("/tmp");
        assertThat(lines[2]).isEqualTo(Files.readSymbolicLink(Path.of("/proc/" + init + "/ns/pid")).toString());
        assertThat(lines[3]).isEqualTo(Files.readSymbolicLink(Path.of("/proc/" + init + "/ns/mnt")).toString());
        assertThat(lines[4]).endsWith("/hako/" + id);
        assertThat(lines[5]).isEqualTo("2"); // the init and the exec'd shell: the container's own pid namespace

        // runc exec --cgroup: an existing sub-cgroup, for one controller (v1) or all
        Path memSub = Files.createDirectories(Path.of("/sys/fs/cgroup/memory/hako", id, "sub"));
        try (var o = new Fixture.Output()) {
            code = rt.exec(id, process("sh", "-c", "grep -E ':(memory|pids):' /proc/self/cgroup | sort"),
                    ExecOptions.defaults().withStdio(o.stdio()).withSubCgroups(List.of("memory:sub")));
            out = o.read();
        }
        assertThat(code).as(out).isZero();
        assertThat(out.lines().toList()).anyMatch(l -> l.contains(":memory:") && l.endsWith("/hako/" + id + "/sub"))
                .anyMatch(l -> l.contains(":pids:") && l.endsWith("/hako/" + id));
        assertThatThrownBy(() -> rt.exec(id, process("true"), ExecOptions.defaults().withSubCgroups(List.of("nosuch"))))
                .hasMessageContaining("invalid --cgroup argument \"nosuch\"").hasMessageContaining("does not exist");
        assertThatThrownBy(() -> rt.exec(id, process("true"), ExecOptions.defaults().withSubCgroups(List.of("../x"))))
                .hasMessageContaining("without \"..\"");
        assertThat(memSub).isDirectory();

        Path pidFile = root.resolve("exec.pid");
        assertThat(rt.exec(id, process("sleep", "1000"), new ExecOptions(null, pidFile, 0, true, false, Stdio.nulls()))).isZero();
        long execPid = Long.parseLong(Files.readString(pidFile));
        assertThat(rt.pids(id)).contains((long) init, execPid);

        rt.kill(id, 9, true);
        for (int i = 0; i < 500 && rt.state(id).status() != Status.STOPPED; i++) Thread.sleep(10);
        assertThatThrownBy(() -> rt.exec(id, process("true"), ExecOptions.defaults()))
                .hasMessage("cannot exec in a stopped state");
    }

    @Test
    void execOfAMissingCommandFails() throws Exception {
        String id = Fixture.id();
        ids.add(id);
        rt.run(id, fx.bundle(id, "sleep", "1000"), CreateOptions.defaults().withStdio(Stdio.nulls()), true, false);
        assertThatThrownBy(() -> rt.exec(id, process("/no/such/binary"), ExecOptions.defaults().withStdio(Stdio.nulls())))
                .hasMessageContaining("/no/such/binary");
        assertThat(rt.state(id).status()).isEqualTo(Status.RUNNING);
    }
}
