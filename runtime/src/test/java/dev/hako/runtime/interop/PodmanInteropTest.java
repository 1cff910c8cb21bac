package dev.hako.runtime.interop;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * podman drives hako-runtime the way it drives runc (conmon runs `create --bundle B --pid-file P ID`, then
 * podman runs `start`, `exec`, `kill`, `delete --force`). Isolated: podman's store, run and tmp dirs are in
 * a temp dir (vfs driver, no network), and the image is a busybox rootfs imported offline.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PodmanInteropTest {
    private Path work;
    private String image;
    private List<String> podman;

    @BeforeAll
    void setUp() throws Exception {
        assertThat(Path.of("/usr/bin/podman")).as("podman is installed (build.sh installs it)").exists();
        assertThat(Path.of("/etc/containers/containers.conf")).as("written by scripts/host-setup.sh").exists();
        work = Files.createTempDirectory(Path.of("/tmp"), "hako-test-h8-");   // podman: runroot must be < 50 chars
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path rootfs = work.resolve("rootfs");
        Peers.busyboxRootfs(rootfs);
        var tar = Peers.run(work, List.of("tar", "-C", rootfs.toString(), "-cf", work.resolve("bb.tar").toString(), "."));
        assertThat(tar.code()).as(tar.describe()).isZero();
        Path runtime = Peers.hakoRuntime(work);
        podman = List.of("podman", "--root", work.resolve("store").toString(), "--runroot", work.resolve("run").toString(),
                "--tmpdir", work.resolve("tmp").toString(), "--storage-driver", "vfs", "--events-backend", "file",
                "--cgroup-manager", "cgroupfs", "--runtime", runtime.toString());
        image = "localhost/" + Peers.uniqueName("h8") + ":latest";
        var imp = podman("import", work.resolve("bb.tar").toString(), image);
        assertThat(imp.code()).as(imp.describe()).isZero();
    }

    private Peers.Result podman(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(podman);
        cmd.addAll(List.of(args));
        return Peers.run(work, cmd);
    }

    @Test
    void runPrintsTheOutputAndPassesTheExitCode() throws Exception {
        var r = podman("run", "--rm", "--network", "none", image, "sh", "-c",
                "echo hello from hako; echo uid=$(id -u); test -e /proc/1/status && echo pid1=$(cat /proc/1/comm); exit 3");
        assertThat(r.code()).as(r.describe()).isEqualTo(3);
        assertThat(r.out()).contains("hello from hako", "uid=0", "pid1=sh");
        assertThat(podman("ps", "-a", "-q").out()).as("--rm removed the container").isBlank();
    }

    @Test
    void detachedContainerExecAndStop() throws Exception {
        String name = Peers.uniqueName("h8");
        var run = podman("run", "-d", "--name", name, "--network", "none", image, "sleep", "600");
        assertThat(run.code()).as(run.describe()).isZero();
        try {
            var exec = podman("exec", name, "sh", "-c", "echo exec-ok; cat /proc/1/comm");
            assertThat(exec.code()).as(exec.describe()).isZero();
            assertThat(exec.out()).contains("exec-ok", "sleep");
            var failing = podman("exec", name, "sh", "-c", "exit 5");
            assertThat(failing.code()).as(failing.describe()).isEqualTo(5);
            var stop = podman("stop", "-t", "1", name);
            assertThat(stop.code()).as(stop.describe()).isZero();
            var inspect = podman("inspect", "--format", "{{.State.Status}} {{.State.ExitCode}}", name);
            assertThat(inspect.out().strip()).as(inspect.describe()).isEqualTo("exited 137");
        } finally {
            var rm = podman("rm", "-f", name);
            assertThat(rm.code()).as(rm.describe()).isZero();
        }
    }

    @AfterAll
    void tearDown() throws Exception {
        if (work == null) return;
        if (podman != null) {
            podman("rm", "-a", "-f");
            podman("rmi", "-a", "-f");
        }
        Peers.unmountUnder(work);
        Peers.deleteTree(work);
    }
}
