package dev.hako.runtime.container;

import dev.hako.kernel.exec.Stdio;
import dev.hako.oci.runtime.Mount;
import dev.hako.oci.runtime.Spec;
import dev.hako.runtime.config.ConfigException;
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

/** create → start → running → exit → stopped → delete, and runc's errors for the wrong transitions. */
class ContainerLifecycleTest {
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

    String id() {
        String id = Fixture.id();
        ids.add(id);
        return id;
    }

    static Path cgroupDir(String id) { return Path.of("/sys/fs/cgroup/memory/hako", id); }

    @Test
    void fullLifecycle() throws Exception {
        String id = id();
        Path bundle = fx.bundle(id, "sleep", "1000");
        Path pidFile = root.resolve("pid");
        var info = rt.create(id, bundle, new CreateOptions(null, pidFile, 0, false, false, Stdio.nulls()));
        assertThat(info.status()).isEqualTo(Status.CREATED);
        assertThat(info.pid()).isPositive();
        assertThat(Files.readString(pidFile)).isEqualTo(Integer.toString(info.pid()));
        assertThat(Path.of("/proc/" + info.pid())).exists();
        assertThat(root.resolve("state").resolve(id).resolve("exec.fifo")).exists();
        assertThat(cgroupDir(id).resolve("cgroup.procs")).content().contains(Integer.toString(info.pid()));

        var st = rt.state(id);
        assertThat(st.status()).isEqualTo(Status.CREATED);
        assertThat(st.bundle()).isEqualTo(bundle.toString());
        assertThat(rt.list()).extracting(ContainerInfo::id).contains(id);

        rt.start(id);
        assertThat(rt.state(id).status()).isEqualTo(Status.RUNNING);
        assertThat(root.resolve("state").resolve(id).resolve("exec.fifo")).doesNotExist();
        assertThat(Files.readString(Path.of("/proc/" + info.pid() + "/cmdline"))).startsWith("sleep");

        assertThatThrownBy(() -> rt.start(id)).hasMessage("cannot start an already running container");
        assertThatThrownBy(() -> rt.delete(id, false))
                .hasMessage("cannot delete container " + id + " that is not stopped: running");

        rt.kill(id, 9, false); // SIGTERM would be ignored: sleep is pid 1 of its namespace and has no handler
        awaitStatus(id, Status.STOPPED);
        assertThat(rt.state(id).pid()).isZero();
        assertThatThrownBy(() -> rt.kill(id, 15, false)).hasMessage("container not running");
        assertThatThrownBy(() -> rt.start(id)).hasMessage("cannot start a container that has stopped");

        rt.delete(id, false);
        assertThat(root.resolve("state").resolve(id)).doesNotExist();
        assertThat(cgroupDir(id)).doesNotExist();
        assertThatThrownBy(() -> rt.state(id)).isInstanceOf(ContainerException.class).hasMessage("container does not exist");
        assertThatThrownBy(() -> rt.delete(id, false)).hasMessage("container does not exist");
        rt.delete(id, true); // force: a missing container is fine
    }

    @Test
    void runForegroundPropagatesExitCodeAndOutputThenDeletes() throws Exception {
        String id = id();
        Path bundle = fx.bundle(id, "sh", "-c", "echo hello from $(hostname); exit 42");
        try (var out = new Fixture.Output()) {
            int code = rt.run(id, bundle, CreateOptions.defaults().withStdio(out.stdio()), false, false);
            assertThat(code).isEqualTo(42);
            assertThat(out.read()).isEqualTo("hello from hako\n");
        }
        assertThat(root.resolve("state").resolve(id)).doesNotExist();
        assertThat(cgroupDir(id)).doesNotExist();
    }

    @Test
    void runKilledBySignalReports128PlusSignal() throws Exception {
        String id = id();
        Path bundle = fx.bundle(id, "sleep", "1000");
        var code = new java.util.concurrent.CompletableFuture<Integer>();
        Thread.ofVirtual().start(() -> {
            try {
                code.complete(rt.run(id, bundle, CreateOptions.defaults().withStdio(Stdio.nulls()), false, false));
            } catch (Throwable t) {
                code.completeExceptionally(t);
            }
        });
        for (int i = 0; i < 1000 && !running(id); i++) Thread.sleep(10);
        rt.kill(id, 9, false);
        assertThat(code.get()).isEqualTo(137);
    }

    @Test
    void forceDeleteOfARunningContainer() throws Exception {
        String id = id();
        rt.run(id, fx.bundle(id, "sleep", "1000"), CreateOptions.defaults().withStdio(Stdio.nulls()), true, false);
        var st = rt.state(id);
        assertThat(st.status()).isEqualTo(Status.RUNNING);
        rt.delete(id, true);
        assertThat(Path.of("/proc/" + st.pid() + "/stat")).satisfiesAnyOf(
                p -> assertThat(p).doesNotExist(),
                p -> assertThat(Files.readString(p)).doesNotContain("sleep"),
                p -> assertThat(Files.readString(p)).contains(") Z "));
        assertThat(root.resolve("state").resolve(id)).doesNotExist();
        assertThat(cgroupDir(id)).doesNotExist();
    }

    @Test
    void deleteOfACreatedContainerKillsIt() throws Exception {
        String id = id();
        var info = rt.create(id, fx.bundle(id, "true"), CreateOptions.defaults().withStdio(Stdio.nulls()));
        rt.delete(id, false);
        assertThat(root.resolve("state").resolve(id)).doesNotExist();
        assertThat(Path.of("/proc/" + info.pid() + "/stat")).satisfiesAnyOf(
                p -> assertThat(p).doesNotExist(),
                p -> assertThat(Files.readString(p)).contains(") Z "));
    }

    @Test
    void duplicateAndInvalidIds() throws Exception {
        String id = id();
        Path bundle = fx.bundle(id, "sleep", "1000");
        rt.create(id, bundle, CreateOptions.defaults().withStdio(Stdio.nulls()));
        assertThatThrownBy(() -> rt.create(id, bundle, CreateOptions.defaults().withStdio(Stdio.nulls())))
                .hasMessage("container with given ID already exists");
        assertThat(rt.state(id).status()).isEqualTo(Status.CREATED); // the failed duplicate touched nothing
        assertThatThrownBy(() -> rt.create("../x", bundle, CreateOptions.defaults()))
                .hasMessageStartingWith("invalid container id format");
        assertThatThrownBy(() -> rt.state("nope-" + id)).hasMessage("container does not exist");
    }

    @Test
    void failedCreateLeavesNothing() throws Exception {
        String id = id();
        Spec s = Fixture.spec(fx.rootfs, "true");
        List<Mount> mounts = new ArrayList<>(s.mounts());
        mounts.add(new Mount("/mnt", "no-such-fs", "none", List.of(), null, null));
        s = new Spec(s.ociVersion(), s.process(), s.root(), s.hostname(), null, mounts, null, null, s.linux());
        Path bundle = fx.bundle(id, s);
        List<Long> before = childrenOfJvm();
        assertThatThrownBy(() -> rt.create(id, bundle, CreateOptions.defaults().withStdio(Stdio.nulls())))
                .hasMessageContaining("mount").hasMessageContaining("/mnt");
        assertThat(root.resolve("state").resolve(id)).doesNotExist();
        assertThat(cgroupDir(id)).doesNotExist();
        assertThat(childrenOfJvm()).isEqualTo(before);
        assertThat(rt.list()).extracting(ContainerInfo::id).doesNotContain(id);
    }

    @Test
    void invalidConfigIsRefusedBeforeAnythingExists() throws Exception {
        String id = id();
        Spec s = Fixture.spec(fx.rootfs, "true");
        s = Fixture.withLinux(s, l -> new dev.hako.oci.runtime.Linux(List.of(new dev.hako.oci.runtime.Linux.Namespace("bogus", null)),
                null, null, null, null, null, null, null, null, null, null, null, null, null, null));
        Path bundle = fx.bundle(id, s);
        assertThatThrownBy(() -> rt.create(id, bundle, CreateOptions.defaults()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("linux.namespaces[0].type: unknown namespace type \"bogus\"");
        assertThat(root.resolve("state").resolve(id)).doesNotExist();
    }

    @Test
    void aCreatedInitHoldsNoHostFds() throws Exception {
        String id = id();
        var info = rt.create(id, fx.bundle(id, "sleep", "1000"), CreateOptions.defaults().withStdio(Stdio.nulls()));
        List<String> targets = new ArrayList<>();
        try (var fds = Files.list(Path.of("/proc/" + info.pid() + "/fd"))) {
            for (Path fd : fds.toList()) targets.add(fd.getFileName() + "=" + Files.readSymbolicLink(fd));
        }
        // SECURITY.md (CVE-2024-21626): stdio, pipes, sockets, a pty or the exec fifo, nothing else
        assertThat(targets).isNotEmpty().allSatisfy(t -> assertThat(t).matches(
                "\\d+=(/dev/null|pipe:\\[\\d+]|socket:\\[\\d+]|/dev/pts/\\d+|.*exec\\.fifo)"));
    }

    @Test
    void startOfAProcessThatExitsAtOnce() throws Exception {
        String id = id();
        try (var out = new Fixture.Output()) {
            rt.create(id, fx.bundle(id, "echo", "done"), CreateOptions.defaults().withStdio(out.stdio()));
            rt.start(id);
            awaitStatus(id, Status.STOPPED);
            rt.delete(id, false);
            assertThat(out.read()).isEqualTo("done\n");
        }
    }

    @Test
    void pauseAndResumeFreezeTheCgroup() throws Exception {
        String id = id();
        rt.run(id, fx.bundle(id, "sleep", "1000"), CreateOptions.defaults().withStdio(Stdio.nulls()), true, false);
        int pid = rt.state(id).pid();
        assertThatThrownBy(() -> rt.resume(id)).hasMessage("container not paused");
        rt.pause(id);
        assertThat(rt.state(id).status()).isEqualTo(Status.PAUSED);
        assertThat(Files.readString(Path.of("/proc/" + pid + "/stat"))).contains(") D ").as("frozen tasks sleep in D");
        assertThatThrownBy(() -> rt.delete(id, false)).hasMessage("cannot delete container " + id + " that is not stopped: paused");
        assertThatThrownBy(() -> rt.exec(id, new dev.hako.oci.runtime.Process(false, null, null, List.of("true"), null,
                null, "/", null, null, null, null, null, null, null, null, null), ExecOptions.defaults()))
                .hasMessage("cannot exec in a paused state");
        rt.resume(id);
        assertThat(rt.state(id).status()).isEqualTo(Status.RUNNING);
        rt.pause(id);
        rt.delete(id, true); // a paused container can be force-deleted
        assertThat(root.resolve("state").resolve(id)).doesNotExist();
        assertThat(cgroupDir(id)).doesNotExist();
    }

    @Test
    void concurrentStartsOfOneContainer() throws Exception {
        String id = id();
        rt.create(id, fx.bundle(id, "sleep", "1000"), CreateOptions.defaults().withStdio(Stdio.nulls()));
        List<String> results = java.util.Collections.synchronizedList(new ArrayList<>());
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            // separate Runtime objects: like separate CLI invocations, they only share the lock files
            Runtime other = new Runtime(root.resolve("state"), w -> { });
            threads.add(Thread.ofPlatform().start(() -> {
                try {
                    other.start(id);
                    results.add("ok");
                } catch (ContainerException e) {
                    results.add(e.getMessage());
                }
            }));
        }
        for (Thread t : threads) t.join();
        assertThat(results).containsOnlyOnce("ok");
        assertThat(results).filteredOn(r -> !r.equals("ok")).containsOnly("cannot start an already running container");
        assertThat(rt.state(id).status()).isEqualTo(Status.RUNNING);
    }

    static List<Long> childrenOfJvm() {
        return ProcessHandle.current().children().map(ProcessHandle::pid).sorted().toList();
    }

    boolean running(String id) {
        try {
            return rt.state(id).status() == Status.RUNNING;
        } catch (ContainerException e) {
            return false;
        }
    }

    void awaitStatus(String id, Status s) throws InterruptedException {
        for (int i = 0; i < 1000 && rt.state(id).status() != s; i++) Thread.sleep(10);
        assertThat(rt.state(id).status()).isEqualTo(s);
    }
}
