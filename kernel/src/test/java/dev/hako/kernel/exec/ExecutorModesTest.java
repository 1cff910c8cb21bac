package dev.hako.kernel.exec;

import dev.hako.kernel.Fds;
import dev.hako.kernel.Pidfd;
import dev.hako.kernel.exec.LaunchPlan.Namespace;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.FileInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/** CREATE + start through the exec fifo, EXEC into a running container, and the console socket. */
class ExecutorModesTest {
    @TempDir
    static Path tmp;
    static String rootfs;

    @BeforeAll
    static void rootfs() {
        rootfs = Containers.sharedRootfs();
    }

    static String state(int pid) throws Exception {
        return Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream().filter(l -> l.startsWith("State:")).findFirst().orElseThrow();
    }

    @Test
    void createWaitsOnTheFifoUntilStart() throws Exception {
        Path fifo = tmp.resolve("exec.fifo");
        Fds.mkfifo(fifo.toString(), 0622);
        PlanBuilder b = PlanBuilder.typical(rootfs, "echo", "started");
        b.mode = LaunchPlan.Mode.CREATE;
        b.execFifo = fifo.toString();
        Launch l = Executor.launch(b.build(), Stdio.pipes());
        CompletableFuture<String> out = Containers.drain(l.stdout());
        l.proceed();
        l.awaitReady();
        int pid = l.pid();
        try (Pidfd p = Pidfd.open(pid)) {
            // created: alive, blocked (sleeping in open of the fifo), nothing printed yet
            assertThat(p.awaitExit(Duration.ofMillis(200))).isFalse();
            assertThat(state(pid)).contains("S (sleeping)");
            assertThat(Files.readString(Path.of("/proc/" + pid + "/cmdline"))).startsWith("hako-executor");
            // start: what `start` does: read the fifo
            try (FileInputStream in = new FileInputStream(fifo.toFile())) {
                assertThat(in.read()).isEqualTo('0');
            }
            assertThat(out.get()).isEqualTo("started\n");
            assertThat(p.awaitExit(Duration.ofSeconds(10))).isTrue();
        }
        l.close();
        l.stderr().close();
    }

    @Test
    void execJoinsARunningContainer() throws Exception {
        PlanBuilder b = PlanBuilder.typical(rootfs, "sleep", "1000");
        b.hostname = "exec-target";
        try (Launch init = Executor.launch(b.build(), Stdio.nulls(), Supervision.DETACH)) {
            init.proceed();
            init.awaitReady();
            int pid = init.pid();
            try {
                PlanBuilder e = new PlanBuilder();
                e.mode = LaunchPlan.Mode.EXEC;
                for (String t : List.of("ipc", "uts", "net", "pid", "mnt"))
                    e.namespaces.add(new Namespace(t, "/proc/" + pid + "/ns/" + t));
                e.args.addAll(List.of("/bin/sh", "-c", "echo $$; hostname; cat /proc/1/cmdline | tr '\\0' ' '; echo; pwd"));
                e.env.add("PATH=/bin");
                e.cwd = "/tmp";
                Containers.Result r = Containers.run(e.build());
                List<String> lines = r.out().lines().toList();
                assertThat(lines.get(0)).isNotEqualTo("1");
                assertThat(lines.subList(1, 4)).containsExactly("exec-target", "sleep 1000 ", "/tmp");
                assertThat(r.exitCode()).isZero();
            } finally {
                init.signal(9);
                init.pidfd().awaitExit(Duration.ofSeconds(10));
            }
        }
    }

    static PlanBuilder execInto(int pid, List<String> types, String... args) {
        PlanBuilder e = new PlanBuilder();
        e.mode = LaunchPlan.Mode.EXEC;
        for (String t : types) e.namespaces.add(new Namespace(t, "/proc/" + pid + "/ns/" + t));
        e.args.addAll(List.of(args));
        e.env.add("PATH=/bin");
        return e;
    }

    @Test
    void execIntoAUserNamespaceContainerAsAnotherUser() throws Exception {
        PlanBuilder b = PlanBuilder.typical(rootfs, "sleep", "1000").withUserns(200000, 65536);
        b.before.removeIf(s -> s instanceof LaunchPlan.DeviceStep);
        b.before.add(new LaunchPlan.DeviceStep("/dev/null", 'c', 0, 0, 0, 0, 0, true));
        b.before.removeIf(s -> s instanceof LaunchPlan.MountStep m && m.fstype().equals("sysfs"));
        try (Launch init = Executor.launch(b.build(), Stdio.nulls(), Supervision.DETACH)) {
            init.writeIdMappings();
            init.proceed();
            init.awaitReady();
            try {
                PlanBuilder e = execInto(init.pid(), List.of("user", "ipc", "uts", "net", "pid", "mnt"), "/bin/sh", "-c",
                        "id -u; id -g; cat /proc/self/uid_map; grep -E '^Cap(Inh|Eff)' /proc/self/status");
                e.uid = 1000;
                e.gid = 1000;
                e.caps = new LaunchPlan.Capabilities(PlanBuilder.DOCKER_CAPS, 0, 0, 0, 0);
                Containers.Result r = Containers.run(e.build());
                assertThat(r.err()).isEmpty();
                assertThat(r.out().lines().map(String::strip).toList())
                        .containsExactly("1000", "1000", "0     200000      65536", "CapInh:\t0000000000000000", "CapEff:\t0000000000000000");
            } finally {
                init.signal(9);
                init.pidfd().awaitExit(Duration.ofSeconds(10));
            }
        }
    }

    @Test
    void execJoinsCgroupsBeforeTheCgroupNamespace() throws Exception {
        Path cg = Path.of("/sys/fs/cgroup/unified");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.exists(cg.resolve("cgroup.procs")) || Files.exists(Path.of("/sys/fs/cgroup/cgroup.procs")));
        if (!Files.exists(cg.resolve("cgroup.procs"))) cg = Path.of("/sys/fs/cgroup");
        Path dir = Files.createDirectories(cg.resolve("hako-exec-test-" + ProcessHandle.current().pid()));
        try {
            PlanBuilder b = PlanBuilder.typical(rootfs, "sleep", "1000");
            b.namespaces.add(new Namespace("cgroup", null));
            try (Launch init = Executor.launch(b.build(), Stdio.nulls(), Supervision.DETACH)) {
                Files.writeString(dir.resolve("cgroup.procs"), Integer.toString(init.pid())); // what the runtime does
                init.proceed();
                init.awaitReady();
                try {
                    PlanBuilder e = execInto(init.pid(), List.of("cgroup", "ipc", "uts", "net", "pid", "mnt"), "/bin/sh", "-c",
                            "grep '^0::' /proc/self/cgroup; grep '^0::' /proc/1/cgroup");
                    e.cgroupJoin.add(dir.resolve("cgroup.procs").toString());
                    Containers.Result r = Containers.run(e.build());
                    assertThat(r.out().lines().toList()).containsExactly("0::/", "0::/");
                    assertThat(Files.readString(dir.resolve("cgroup.procs")).strip()).isEqualTo(Integer.toString(init.pid()));
                } finally {
                    init.signal(9);
                    init.pidfd().awaitExit(Duration.ofSeconds(10));
                }
            }
        } finally {
            for (int i = 0; i < 50 && Files.exists(dir); i++) {
                try {
                    Files.delete(dir);
                } catch (java.io.IOException busy) {
                    Thread.sleep(20); // the killed init leaves the cgroup asynchronously
                }
            }
        }
    }

    @Test
    void execWithATerminal() throws Exception {
        try (Launch init = Executor.launch(PlanBuilder.typical(rootfs, "sleep", "1000").build(), Stdio.nulls(), Supervision.DETACH)) {
            init.proceed();
            init.awaitReady();
            try {
                PlanBuilder e = execInto(init.pid(), List.of("ipc", "uts", "net", "pid", "mnt"), "/bin/sh", "-c", "tty; echo done");
                List<String> lines = runWithConsole(e, "exec-console.sock");
                assertThat(lines).hasSize(2);
                assertThat(lines.get(0)).startsWith("/dev/pts/");
                assertThat(lines.get(1)).isEqualTo("done");
            } finally {
                init.signal(9);
                init.pidfd().awaitExit(Duration.ofSeconds(10));
            }
        }
    }

    /** Runs b with a terminal, receives the pty master on a console socket, returns what the process wrote to it. */
    static List<String> runWithConsole(PlanBuilder b, String sockName) throws Exception {
        String sock = tmp.resolve(sockName).toString();
        int listener = Fds.listenUnix(sock, 1);
        try {
            b.terminal = true;
            b.consoleSocket = sock;
            Launch l = Executor.launch(b.build(), Stdio.nulls(), Supervision.FOREGROUND);
            CompletableFuture<Fds.Message> master = CompletableFuture.supplyAsync(() -> {
                int c = Fds.accept(listener);
                try {
                    return Fds.receive(c, 4096);
                } finally {
                    Fds.close(c);
                }
            });
            l.proceed();
            l.awaitReady();
            Fds.Message m = master.get();
            assertThat(l.waitFor()).isZero();
            l.close();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[4096];
            while (true) {
                int n;
                try {
                    n = Fds.read(m.fds()[0], buf, 0, buf.length);
                } catch (dev.hako.kernel.SyscallException x) {
                    break; // EIO: the slave side is closed
                }
                if (n <= 0) break;
                out.write(buf, 0, n);
            }
            Fds.close(m.fds()[0]);
            return out.toString(StandardCharsets.UTF_8).lines().map(String::strip).toList();
        } finally {
            Fds.close(listener);
        }
    }

    @Test
    void terminalGoesToTheConsoleSocket() throws Exception {
        String sock = tmp.resolve("console.sock").toString();
        int listener = Fds.listenUnix(sock, 1);
        try {
            PlanBuilder b = PlanBuilder.typical(rootfs, "/bin/sh", "-c", "tty; ls -l /dev/console | cut -c1-1; stat -c '%t' /dev/console; echo done");
            b.terminal = true;
            b.consoleSocket = sock;
            Launch l = Executor.launch(b.build(), Stdio.nulls(), Supervision.FOREGROUND);
            CompletableFuture<Fds.Message> master = CompletableFuture.supplyAsync(() -> {
                int c = Fds.accept(listener);
                try {
                    return Fds.receive(c, 4096);
                } finally {
                    Fds.close(c);
                }
            });
            l.proceed();
            l.awaitReady();
            Fds.Message m = master.get();
            assertThat(m.fds()).hasSize(1);
            assertThat(new String(m.data(), StandardCharsets.UTF_8)).startsWith("/dev/pts/");
            assertThat(l.waitFor()).isZero();
            l.close();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[4096];
            while (true) {
                int n;
                try {
                    n = Fds.read(m.fds()[0], buf, 0, buf.length);
                } catch (dev.hako.kernel.SyscallException e) {
                    break; // EIO: the slave side is closed
                }
                if (n <= 0) break;
                out.write(buf, 0, n);
            }
            Fds.close(m.fds()[0]);
            List<String> lines = new ArrayList<>(out.toString(StandardCharsets.UTF_8).lines().map(String::strip).toList());
            assertThat(lines).containsExactly("/dev/pts/0", "c", "88", "done"); // 0x88 = 136, a devpts slave
        } finally {
            Fds.close(listener);
        }
    }
}
