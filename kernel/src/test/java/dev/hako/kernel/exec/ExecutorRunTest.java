package dev.hako.kernel.exec;

import dev.hako.kernel.exec.LaunchPlan.Rlimit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Containers from hand-made plans on the real kernel: what the process sees inside. */
class ExecutorRunTest {
    @TempDir
    static Path tmp;
    static String rootfs;

    @BeforeAll
    static void rootfs() throws Exception {
        rootfs = Containers.sharedRootfs();
        Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    static Containers.Result sh(PlanBuilder b, String script) {
        b.args.clear();
        b.args.addAll(List.of("/bin/sh", "-c", script));
        return Containers.run(b.build());
    }

    static Containers.Result sh(String script) { return sh(PlanBuilder.typical(rootfs), script); }

    @Test
    void echoInAContainer() {
        Containers.Result r = Containers.run(PlanBuilder.typical(rootfs, "echo", "hello", "world").build());
        assertThat(r.err()).isEmpty();
        assertThat(r.out()).isEqualTo("hello world\n");
        assertThat(r.exitCode()).isZero();
    }

    @Test
    void initIsPid1WithHostnameAndIds() {
        Containers.Result r = sh("echo $$; hostname; id -u; id -g; pwd; echo $HOME");
        assertThat(r.out().lines().toList()).containsExactly("1", "hako-test", "0", "0", "/", "/root");
    }

    @Test
    void exitCodesPassThrough() {
        assertThat(sh("exit 42").exitCode()).isEqualTo(42);
    }

    @Test
    void killedBySignalIs128PlusN() {
        try (Launch l = Executor.launch(PlanBuilder.typical(rootfs, "sleep", "100").build(), Stdio.nulls(), Supervision.FOREGROUND)) {
            l.proceed();
            l.awaitReady();
            assertThat(l.signal(9)).isTrue();
            assertThat(l.waitFor()).isEqualTo(137);
        }
    }

    @Test
    void missingCommandIs127WithStructuredError() {
        assertThatThrownBy(() -> Containers.run(PlanBuilder.typical(rootfs, "no-such-command").build()))
                .isInstanceOfSatisfying(LaunchException.class, e -> {
                    assertThat(e.step()).isEqualTo("exec");
                    assertThat(e.path()).isEqualTo("no-such-command");
                    assertThat(e.errno()).isEqualTo(dev.hako.kernel.Errno.ENOENT);
                    assertThat(e.exitCode()).isEqualTo(127);
                    assertThat(e.getMessage()).contains("exec no-such-command").contains("ENOENT");
                });
    }

    @Test
    void notExecutableIs126() throws Exception {
        Path f = Path.of(rootfs, "notexec");
        Files.writeString(f, "#!/bin/sh\necho hi\n");
        assertThatThrownBy(() -> Containers.run(PlanBuilder.typical(rootfs, "/notexec").build()))
                .isInstanceOfSatisfying(LaunchException.class, e -> assertThat(e.exitCode()).isEqualTo(126));
    }

    @Test
    void capabilitiesAndNoNewPrivs() {
        Containers.Result r = sh("grep -E '^(Cap|NoNewPrivs|Seccomp:)' /proc/self/status");
        String caps = String.format("%016x", PlanBuilder.DOCKER_CAPS);
        assertThat(r.out()).contains("CapInh:\t0000000000000000", "CapPrm:\t" + caps, "CapEff:\t" + caps,
                "CapBnd:\t" + caps, "CapAmb:\t0000000000000000", "NoNewPrivs:\t1", "Seccomp:\t0");
    }

    @Test
    void nonRootUserWithGroupsUmaskCwdEnv() {
        PlanBuilder b = PlanBuilder.typical(rootfs);
        b.uid = 1000;
        b.gid = 1001;
        b.groups.addAll(List.of(10, 20));
        b.umask = 027;
        b.cwd = "/home/user";
        b.env.add("GREETING=hello there");
        Containers.Result r = sh(b, "id -u; id -g; id -G; umask; pwd; echo \"$GREETING\"; grep -E '^Cap(Eff|Prm|Inh)' /proc/self/status");
        assertThat(r.out().lines().toList()).containsExactly("1000", "1001", "1001 10 20", "0027", "/home/user", "hello there",
                "CapInh:\t0000000000000000", "CapPrm:\t0000000000000000", "CapEff:\t0000000000000000");
    }

    @Test
    void rlimits() {
        PlanBuilder b = PlanBuilder.typical(rootfs);
        b.rlimits.add(new Rlimit(PlanBuilder.RLIMIT_NOFILE, 1000, 2000));
        Containers.Result r = sh(b, "ulimit -n; ulimit -Hn");
        assertThat(r.out().lines().toList()).containsExactly("1000", "2000");
    }

    @Test
    void mountsMasksAndReadonlyPaths() {
        Containers.Result r = sh("cat /proc/self/mountinfo; echo ---; cat /proc/kcore | wc -c; ls /sys/firmware | wc -l;"
                + " echo 1 > /proc/sys/kernel/domainname && echo WROTE; touch /sys/x && echo TOUCHED; echo done");
        String[] parts = r.out().split("---\n");
        String mountinfo = parts[0];
        assertThat(mountinfo).containsPattern("rootfs / rw");
        assertThat(mountinfo).contains(" /proc rw,nosuid,nodev,noexec", " /dev rw,nosuid", " /dev/pts ",
                " /dev/shm ", " /dev/mqueue ", " /sys ro,nosuid,nodev,noexec");
        assertThat(mountinfo).containsPattern(" /proc/sys ro,");
        assertThat(mountinfo).containsPattern("/null /proc/keys ");
        assertThat(mountinfo).containsPattern(" /sys/firmware ro,.* - tmpfs ");
        assertThat(parts[1].lines().toList()).containsExactly("0", "0", "done");
        assertThat(r.err()).contains("Read-only file system");
    }

    @Test
    void devicesAreThere() {
        Containers.Result r = sh("ls -l /dev/null /dev/zero /dev/tty | cut -c1-10; head -c 4 /dev/zero | wc -c; readlink /dev/fd; readlink /dev/ptmx");
        assertThat(r.out().lines().toList()).containsExactly("crw-rw-rw-", "crw-rw-rw-", "crw-rw-rw-", "4", "/proc/self/fd", "pts/ptmx");
    }

    @Test
    void userNamespaceWithMappings() {
        PlanBuilder b = PlanBuilder.typical(rootfs).withUserns(100000, 65536);
        b.before.removeIf(s -> s instanceof LaunchPlan.DeviceStep);
        for (String d : List.of("null", "zero", "full", "random", "urandom", "tty"))
            b.before.add(new LaunchPlan.DeviceStep("/dev/" + d, 'c', 0, 0, 0, 0, 0, true));
        b.before.removeIf(s -> s instanceof LaunchPlan.MountStep m && m.fstype().equals("sysfs"));
        b.before.add(PlanBuilder.bind("/sys", "/sys", true));
        Containers.Result r = sh(b, "cat /proc/self/uid_map /proc/self/gid_map; id -u; echo $$; echo > /dev/null && echo ok");
        assertThat(r.err()).isEmpty();
        assertThat(r.out().lines().map(String::trim).toList())
                .containsExactly("0     100000      65536", "0     100000      65536", "0", "1", "ok");
    }

    @Test
    void idmappedBindMountInAUserNamespace() throws Exception {
        Path vol = Files.createDirectories(tmp.resolve("vol"));
        Files.writeString(vol.resolve("owned-by-host-root"), "x");
        PlanBuilder b = PlanBuilder.typical(rootfs).withUserns(100000, 65536);
        b.before.removeIf(s -> s instanceof LaunchPlan.DeviceStep);
        b.before.add(new LaunchPlan.DeviceStep("/dev/null", 'c', 0, 0, 0, 0, 0, true));
        b.before.removeIf(s -> s instanceof LaunchPlan.MountStep m && m.fstype().equals("sysfs"));
        b.before.add(new LaunchPlan.MountStep(vol.toString(), "/home", "bind", PlanBuilder.MS_BIND | PlanBuilder.MS_REC, null,
                List.of(), 0, null, 0, 0, "/proc/self/ns/user"));
        b.before.add(PlanBuilder.bind(vol.toString(), "/root", false));
        Containers.Result r = sh(b, "stat -c %u /home/owned-by-host-root /root/owned-by-host-root");
        assertThat(r.err()).isEmpty();
        assertThat(r.out().lines().toList()).containsExactly("0", "65534");
    }

    @Test
    void failingMountReportsStepPathErrnoAndLeavesNothing() throws Exception {
        PlanBuilder b = PlanBuilder.typical(rootfs, "true");
        b.before.add(PlanBuilder.mount("none", "/mnt/x", "no-such-fs", 0, null));
        Launch l = Executor.launch(b.build(), Stdio.nulls(), Supervision.FOREGROUND);
        int pid = l.pid(), executor = l.executorPid();
        l.proceed();
        assertThatThrownBy(l::awaitReady).isInstanceOfSatisfying(LaunchException.class, e -> {
            assertThat(e.step()).isEqualTo("mount");
            assertThat(e.path()).isEqualTo("none on /mnt/x");
            assertThat(e.errno()).isEqualTo(dev.hako.kernel.Errno.ENODEV);
            assertThat(e.getMessage()).isEqualTo("mount none on /mnt/x: ENODEV (No such device)");
        });
        // both processes are gone (reaped), and no mount of the container is left on the host
        assertThat(Files.exists(Path.of("/proc/" + pid))).isFalse();
        assertThat(Files.exists(Path.of("/proc/" + executor))).isFalse();
        assertThat(Files.readString(Path.of("/proc/self/mountinfo"))).doesNotContain(rootfs);
        l.close();
    }

    @Test
    void foregroundExecutorForwardsSignals() throws Exception {
        PlanBuilder b = PlanBuilder.typical(rootfs, "/bin/sh", "-c", "trap 'echo got-term; exit 7' TERM; echo ready; while :; do sleep 0.05; done");
        try (Launch l = Executor.launch(b.build(), Stdio.pipes(), Supervision.FOREGROUND)) {
            var reader = new java.io.BufferedReader(new java.io.InputStreamReader(l.stdout()));
            l.proceed();
            l.awaitReady();
            assertThat(reader.readLine()).isEqualTo("ready");
            try (dev.hako.kernel.Pidfd executor = dev.hako.kernel.Pidfd.open(l.executorPid())) {
                executor.signal(15); // what a shell's kill does to `hako-runtime run`'s executor
            }
            assertThat(reader.readLine()).isEqualTo("got-term");
            assertThat(l.waitFor()).isEqualTo(7);
            l.stderr().close();
            reader.close();
        }
    }
}
