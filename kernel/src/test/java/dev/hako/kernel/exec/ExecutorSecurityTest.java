package dev.hako.kernel.exec;

import dev.hako.kernel.Errno;
import dev.hako.kernel.Fds;
import dev.hako.kernel.SyscallException;
import dev.hako.kernel.exec.LaunchPlan.Capabilities;
import dev.hako.kernel.exec.LaunchPlan.DeviceStep;
import dev.hako.kernel.exec.LaunchPlan.HookPlan;
import dev.hako.kernel.exec.LaunchPlan.HookStep;
import dev.hako.kernel.exec.LaunchPlan.MountStep;
import dev.hako.kernel.exec.LaunchPlan.Namespace;
import dev.hako.kernel.exec.LaunchPlan.Sysctl;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.FileInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The attacks of shared/SECURITY.md that the executor must stop, on the real kernel. */
class ExecutorSecurityTest {
    @TempDir
    Path tmp;

    Path hostile() {
        return Containers.copyOfRootfs(tmp.resolve("rootfs"));
    }

    static List<String> entries(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).toList();
        }
    }

    static void replaceWithSymlink(Path link, String target) throws IOException {
        Containers.deleteTree(link);
        Files.createSymbolicLink(link, Path.of(target));
    }

    static LaunchException launchFails(LaunchPlan plan) {
        try {
            Containers.run(plan);
        } catch (LaunchException e) {
            return e;
        }
        throw new AssertionError("launch did not fail");
    }

    // ---- CVE-2021-30465: mount destinations resolve inside the rootfs ----

    @Test
    void mountTargetsThroughSymlinksStayInsideTheRootfs() throws Exception {
        Path root = hostile();
        Path host = Files.createDirectory(tmp.resolve("host-target"));
        Files.createSymbolicLink(root.resolve("abs"), host);
        Files.createSymbolicLink(root.resolve("rel"), Path.of("../../../../../../../.." + host));
        PlanBuilder b = PlanBuilder.typical(root.toString(), "/bin/sh", "-c", "grep -o ' " + host + "/[a-z0-9]* ' /proc/self/mountinfo");
        b.before.add(PlanBuilder.mount("tmpfs", "/abs/one", "tmpfs", 0, null));
        b.before.add(PlanBuilder.mount("tmpfs", "/rel/two", "tmpfs", 0, null));
        b.before.add(PlanBuilder.bind(tmp.toString(), "/abs/three", true));
        Containers.Result r = Containers.run(b.build());
        assertThat(r.out().lines().map(String::strip).toList()).containsExactly(host + "/one", host + "/two", host + "/three");
        assertThat(entries(host)).isEmpty();
        assertThat(entries(root.resolve(host.toString().substring(1)))).containsExactlyInAnyOrder("one", "two", "three");
    }

    @Test
    void racingSymlinkSwapNeverReachesTheHost() throws Exception {
        Path root = hostile();
        Path host = Files.createDirectory(tmp.resolve("host-race"));
        Path vol = root.resolve("vol");
        Files.createDirectory(vol);
        AtomicBoolean stop = new AtomicBoolean();
        Thread swapper = Thread.ofPlatform().start(() -> {
            while (!stop.get()) {
                try {
                    Files.deleteIfExists(vol);
                    Files.createSymbolicLink(vol, host);
                    Thread.onSpinWait();
                    Files.deleteIfExists(vol);
                    Files.createDirectory(vol);
                } catch (IOException ignored) {
                    // the container may have created entries under vol/: clear them and go on
                    Containers.deleteTree(vol);
                }
            }
        });
        try {
            for (int i = 0; i < 30; i++) {
                PlanBuilder b = PlanBuilder.typical(root.toString(), "true");
                b.before.add(PlanBuilder.bind(tmp.toString(), "/vol/x" + i + "/y", false));
                try {
                    Containers.run(b.build());
                } catch (LaunchException expected) {
                    // a lost race fails the launch; what matters is where things land
                }
            }
        } finally {
            stop.set(true);
            swapper.join();
        }
        assertThat(entries(host)).isEmpty();
    }

    // ---- CVE-2019-16884 / CVE-2025-52881: /proc ----

    @Test
    void nonProcfsOnProcIsRefused() {
        PlanBuilder b = PlanBuilder.typical(Containers.sharedRootfs(), "true");
        b.before.removeIf(s -> s instanceof MountStep m && m.fstype().equals("proc"));
        b.before.add(2, PlanBuilder.bind(tmp.toString(), "/proc", false));
        LaunchException e = launchFails(b.build());
        assertThat(e.step()).isEqualTo("mount");
        assertThat(e.path()).endsWith(" on /proc");
        assertThat(e.getMessage()).contains("only a procfs");
    }

    @Test
    void mountOverAProcfsPathIsRefused() {
        PlanBuilder b = PlanBuilder.typical(Containers.sharedRootfs(), "true");
        b.before.add(PlanBuilder.bind(tmp.toString(), "/proc/sys/kernel", false));
        LaunchException e = launchFails(b.build());
        assertThat(e.step()).isEqualTo("mount");
        assertThat(e.getMessage()).contains("procfs");
    }

    @Test
    void sysctlWritesIgnoreARacingOverlayOfProcSys() {
        String root = Containers.sharedRootfs();
        PlanBuilder b = PlanBuilder.typical(root, "/bin/sh", "-c", "hostname; readlink /proc/sys/kernel/hostname");
        b.hostname = null;
        String k = root + "/proc/sys/kernel";
        // a createContainer hook (in the container's mount namespace, before pivot_root) plays the attacker
        b.before.add(new HookStep(new HookPlan("/bin/sh", List.of("sh", "-c",
                "mount -t tmpfs none " + k + " && ln -s /proc/sysrq-trigger " + k + "/hostname"), List.of("PATH=/bin:/usr/bin"), 10, "{}")));
        b.sysctls.add(new Sysctl("kernel.hostname", "safe.example"));
        Containers.Result r = Containers.run(b.build());
        assertThat(r.out().lines().toList()).containsExactly("safe.example", "/proc/sysrq-trigger");
    }

    @Test
    void sysctlWithDotsAndSlashes() {
        PlanBuilder b = PlanBuilder.typical(Containers.sharedRootfs(), "/bin/sh", "-c", "cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/msgmax");
        b.sysctls.add(new Sysctl("net.ipv4.ip_forward", "1"));
        b.sysctls.add(new Sysctl("kernel/msgmax", "12345"));
        assertThat(Containers.run(b.build()).out().lines().toList()).containsExactly("1", "12345");
    }

    @Test
    void sysctlEscapingProcSysIsRefused() {
        PlanBuilder b = PlanBuilder.typical(Containers.sharedRootfs(), "true");
        b.sysctls.add(new Sysctl("../../self/oom_score_adj", "1"));
        LaunchException e = launchFails(b.build()); // dots become slashes: it can only name something under /proc/sys
        assertThat(e.step()).isEqualTo("sysctl");
        assertThat(e.path()).startsWith("/proc/sys/");
    }

    // ---- CVE-2023-27561: rootfs /proc or /sys is a symlink ----

    @Test
    void procOrSysSymlinkInTheImageIsRefused() throws Exception {
        Path root = hostile();
        replaceWithSymlink(root.resolve("proc"), "/tmp");
        LaunchException e = launchFails(PlanBuilder.typical(root.toString(), "true").build());
        assertThat(e.step()).isEqualTo("mount");
        assertThat(e.errno()).isEqualTo(Errno.ELOOP);
        assertThat(e.getMessage()).contains("/proc in the rootfs is a symlink");
        Files.delete(root.resolve("proc"));
        Files.createDirectory(root.resolve("proc"));
        replaceWithSymlink(root.resolve("sys"), "proc");
        e = launchFails(PlanBuilder.typical(root.toString(), "true").build());
        assertThat(e.getMessage()).contains("/sys in the rootfs is a symlink");
    }

    // ---- CVE-2025-31133: the mask source must be the null device ----

    static PlanBuilder imageDev(Path root) {
        PlanBuilder b = PlanBuilder.typical(root.toString(), "true");
        b.before.removeIf(s -> s instanceof DeviceStep || s instanceof MountStep m && "/dev".equals(m.target()));
        b.before.removeIf(s -> s instanceof LaunchPlan.SymlinkStep);
        return b;
    }

    @Test
    void symlinkedDevNullIsRefusedForMasking() throws Exception {
        Path root = hostile();
        Files.createSymbolicLink(root.resolve("dev/null"), Path.of("/etc/passwd"));
        LaunchException e = launchFails(imageDev(root).build());
        assertThat(e.step()).isEqualTo("mask");
        assertThat(e.path()).isEqualTo("/dev/null");
        assertThat(e.getMessage()).contains("not the null device");
    }

    @Test
    void regularFileDevNullIsRefusedForMasking() throws Exception {
        Path root = hostile();
        Files.writeString(root.resolve("dev/null"), "not null");
        LaunchException e = launchFails(imageDev(root).build());
        assertThat(e.step()).isEqualTo("mask");
        assertThat(e.getMessage()).contains("not the null device");
    }

    @Test
    void maskedPathsReadEmptyAndCannotBeRemoved() {
        Containers.Result r = Containers.run(PlanBuilder.typical(Containers.sharedRootfs(), "/bin/sh", "-c",
                "wc -c < /proc/keys; ls /sys/firmware | wc -l; rm -f /proc/keys 2>/dev/null || echo rm-failed;"
                        + " umount /proc/keys 2>/dev/null || echo umount-failed; touch /sys/firmware/x 2>/dev/null || echo ro").build());
        assertThat(r.out().lines().map(String::strip).toList()).containsExactly("0", "0", "rm-failed", "umount-failed", "ro");
    }

    // ---- CVE-2025-52565: /dev/console and /dev/pts ----

    LaunchException consoleLaunchFails(PlanBuilder b) {
        String sock = tmp.resolve("console.sock").toString();
        int listener = Fds.listenUnix(sock, 1);
        try {
            CompletableFuture.runAsync(() -> {
                try {
                    Fds.close(Fds.accept(listener));
                } catch (RuntimeException ignored) {
                    // closed listener
                }
            });
            b.terminal = true;
            b.consoleSocket = sock;
            return launchFails(b.build());
        } finally {
            Fds.close(listener);
        }
    }

    @Test
    void symlinkedDevConsoleIsRefused() throws Exception {
        Path root = hostile();
        Files.createDirectories(root.resolve("dev/pts"));
        Files.createSymbolicLink(root.resolve("dev/console"), Path.of("/etc/hostname"));
        PlanBuilder b = imageDev(root);
        b.before.add(new DeviceStep("/dev/null", 'c', 1, 3, 0666, 0, 0, false));
        LaunchException e = consoleLaunchFails(b);
        assertThat(e.step()).isEqualTo("console");
        assertThat(e.path()).isEqualTo("/dev/console");
        assertThat(e.errno()).isEqualTo(Errno.ELOOP);
        assertThat(Files.readString(root.resolve("etc/hostname"))).isEqualTo("hako-test\n");
    }

    @Test
    void symlinkedDevPtsIsRefused() throws Exception {
        Path root = hostile();
        Files.createDirectories(root.resolve("elsewhere"));
        Files.createSymbolicLink(root.resolve("dev/pts"), Path.of("/elsewhere"));
        PlanBuilder b = imageDev(root);
        b.before.add(new DeviceStep("/dev/null", 'c', 1, 3, 0666, 0, 0, false));
        LaunchException e = consoleLaunchFails(b);
        assertThat(e.step()).isEqualTo("console");
        assertThat(e.path()).isEqualTo("/dev/pts/ptmx");
        assertThat(e.errno()).isEqualTo(Errno.ELOOP);
    }

    // ---- CVE-2026-41579: /dev of the image is a symlink to a host directory ----

    @Test
    void devSymlinkToAHostDirectoryCreatesNothingOutside() throws Exception {
        Path root = hostile();
        Path host = Files.createDirectory(tmp.resolve("host-dev"));
        replaceWithSymlink(root.resolve("dev"), host.toString());
        Containers.Result r = Containers.run(PlanBuilder.typical(root.toString(), "/bin/sh", "-c", "echo > /dev/null && ls /dev | wc -l").build());
        assertThat(Integer.parseInt(r.out().strip())).isGreaterThan(5);
        assertThat(entries(host)).isEmpty();
    }

    // ---- CVE-2022-29162: inheritable capabilities exactly as planned ----

    @Test
    void inheritableCapabilitiesAreExactlyThePlans() {
        PlanBuilder b = PlanBuilder.typical(Containers.sharedRootfs(), "grep", "^CapInh", "/proc/self/status");
        long more = PlanBuilder.DOCKER_CAPS | PlanBuilder.bits(PlanBuilder.CAP_SYS_ADMIN, PlanBuilder.CAP_NET_RAW);
        b.caps = new Capabilities(more, more, more, 0, 0);
        assertThat(Containers.run(b.build()).out()).isEqualTo("CapInh:\t0000000000000000\n");
        long inh = PlanBuilder.bits(PlanBuilder.CAP_NET_RAW);
        b.caps = new Capabilities(more, more, more, inh, 0);
        assertThat(Containers.run(b.build()).out()).isEqualTo(String.format("CapInh:\t%016x%n", inh));
    }

    // ---- CVE-2024-21626: no host fd or cwd crosses into the container ----

    @Test
    void cwdThroughProcSelfFdFailsForEveryFd() {
        for (int n = 3; n <= 64; n++) {
            PlanBuilder b = PlanBuilder.typical(Containers.sharedRootfs(), "pwd");
            b.cwd = "/proc/self/fd/" + n;
            try {
                Containers.Result r = Containers.run(b.build());
                throw new AssertionError("cwd /proc/self/fd/" + n + " was accepted: " + r.out());
            } catch (LaunchException e) {
                assertThat(e.step()).isEqualTo("chdir");
            }
        }
    }

    @Test
    void execWithCwdThroughProcSelfFdFailsForEveryFd() throws Exception {
        try (Launch init = Executor.launch(PlanBuilder.typical(Containers.sharedRootfs(), "sleep", "1000").build(), Stdio.nulls(),
                Supervision.DETACH)) {
            init.proceed();
            init.awaitReady();
            try {
                for (int n = 3; n <= 64; n++) {
                    PlanBuilder e = new PlanBuilder();
                    e.mode = LaunchPlan.Mode.EXEC;
                    for (String t : List.of("ipc", "uts", "net", "pid", "mnt"))
                        e.namespaces.add(new Namespace(t, "/proc/" + init.pid() + "/ns/" + t));
                    e.args.add("/bin/pwd");
                    e.cwd = "/proc/self/fd/" + n;
                    LaunchException x = launchFails(e.build());
                    assertThat(x.step()).isEqualTo("chdir");
                }
            } finally {
                init.signal(9);
                init.pidfd().awaitExit(Duration.ofSeconds(10));
            }
        }
    }

    @Test
    void onlyStdioAndPreservedFdsCrossTheExec() {
        Containers.Result r = Containers.run(PlanBuilder.typical(Containers.sharedRootfs(), "ls", "/proc/self/fd").build());
        assertThat(r.out().lines().toList()).containsExactly("0", "1", "2", "3"); // 3: ls's own directory fd
        int a = Fds.open("/dev/null", 0, 0), c = Fds.open("/dev/zero", 0, 0);
        try {
            PlanBuilder b = PlanBuilder.typical(Containers.sharedRootfs(), "/bin/sh", "-c", "readlink /proc/self/fd/3; readlink /proc/self/fd/4; ls /proc/self/fd | wc -l");
            b.preserveFds = 2;
            // the JVM's fds 3 and 4 are whatever they are; check the count and that 3/4 are what the JVM has there
            String fd3 = link("/proc/self/fd/3"), fd4 = link("/proc/self/fd/4");
            Containers.Result p = Containers.run(b.build());
            assertThat(p.out().lines().toList()).containsExactly(fd3, fd4, "6");
        } finally {
            Fds.close(a);
            Fds.close(c);
        }
    }

    static String link(String p) {
        try {
            return Files.readSymbolicLink(Path.of(p)).toString();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void createdInitHoldsOnlyStdioAndTheFifo() throws Exception {
        Path fifo = tmp.resolve("exec.fifo");
        Fds.mkfifo(fifo.toString(), 0622);
        PlanBuilder b = PlanBuilder.typical(Containers.sharedRootfs(), "true");
        b.mode = LaunchPlan.Mode.CREATE;
        b.execFifo = fifo.toString();
        Launch l = Executor.launch(b.build(), Stdio.pipes());
        try {
            l.proceed();
            l.awaitReady();
            // "ready" comes just before the init closes its end of the sync socket and blocks in open(2)
            Path syscall = Path.of("/proc/" + l.pid() + "/syscall");
            String openat = System.getProperty("os.arch").equals("aarch64") ? "56 " : "257 ";
            for (int i = 0; i < 500 && !Files.readString(syscall).startsWith(openat); i++) Thread.sleep(10);
            List<String> targets = new ArrayList<>();
            for (String fd : entries(Path.of("/proc/" + l.pid() + "/fd"))) targets.add(fd + " -> " + link("/proc/" + l.pid() + "/fd/" + fd));
            assertThat(targets).hasSize(4);
            assertThat(targets).allMatch(t -> t.contains("pipe:[") || t.endsWith("/dev/null") || t.endsWith("exec.fifo"), "stdio or the fifo");
        } finally {
            try (FileInputStream in = new FileInputStream(fifo.toFile())) {
                in.read();
            }
            l.pidfd().awaitExit(Duration.ofSeconds(5));
            l.close();
            l.stdout().close();
            l.stderr().close();
        }
    }

    // ---- CVE-2019-5736: the executor binary cannot be overwritten ----

    @Test
    void executorRunsFromASealedMemfd() throws Exception {
        int fd = Executor.binaryFd();
        int all = Fds.F_SEAL_SEAL | Fds.F_SEAL_SHRINK | Fds.F_SEAL_GROW | Fds.F_SEAL_WRITE;
        assertThat(Fds.seals(fd) & all).isEqualTo(all);
        assertThat(link("/proc/self/fd/" + fd)).startsWith("/memfd:hako-executor");
        int w = Fds.open("/proc/self/fd/" + fd, 1 /* O_WRONLY */, 0);
        try {
            assertThatThrownBy(() -> Fds.writeFully(w, new byte[] {0x7f}))
                    .isInstanceOfSatisfying(SyscallException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EPERM));
        } finally {
            Fds.close(w);
        }
    }

    @Test
    void containerCannotOverwriteTheExecutorWhileExecJoins() throws Exception {
        String before = sha256(Path.of("/proc/self/fd/" + Executor.binaryFd()));
        Path onDisk = Path.of(System.getProperty(Executor.BINARY_PROPERTY, "/nonexistent"));
        String diskBefore = Files.exists(onDisk) ? sha256(onDisk) : null;
        PlanBuilder b = PlanBuilder.typical(Containers.sharedRootfs(), "/bin/sh", "-c",
                "while :; do for f in /proc/[0-9]*/exe; do echo pwned >> $f; done 2>/dev/null; done");
        long all = hostBoundingSet();
        b.caps = new Capabilities(all, all, all, 0, 0); // even with every capability
        try (Launch init = Executor.launch(b.build(), Stdio.nulls(), Supervision.DETACH)) {
            init.proceed();
            init.awaitReady();
            try {
                for (int i = 0; i < 10; i++) {
                    PlanBuilder e = new PlanBuilder();
                    e.mode = LaunchPlan.Mode.EXEC;
                    for (String t : List.of("ipc", "uts", "net", "pid", "mnt"))
                        e.namespaces.add(new Namespace(t, "/proc/" + init.pid() + "/ns/" + t));
                    e.args.addAll(List.of("/bin/true"));
                    Containers.run(e.build());
                }
            } finally {
                init.signal(9);
                init.pidfd().awaitExit(Duration.ofSeconds(10));
            }
        }
        assertThat(sha256(Path.of("/proc/self/fd/" + Executor.binaryFd()))).isEqualTo(before);
        if (diskBefore != null) assertThat(sha256(onDisk)).isEqualTo(diskBefore);
    }

    static long hostBoundingSet() throws IOException {
        return Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith("CapBnd:"))
                .map(l -> Long.parseUnsignedLong(l.substring(7).strip(), 16)).findFirst().orElseThrow();
    }

    static String sha256(Path p) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)));
    }
}
