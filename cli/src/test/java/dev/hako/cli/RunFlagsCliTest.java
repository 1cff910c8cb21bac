package dev.hako.cli;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The run flags of `hako run/create`, each seen from inside a real container (limits read back from the
 * container's own cgroup files, the device node opened), and their bad values refused with docker's words
 * before anything is made.
 */
class RunFlagsCliTest {
    static Path work;
    static Cli cli;
    static final String IMAGE = "rf-flags-box:latest";

    @BeforeAll
    static void fixture() throws Exception {
        work = Files.createTempDirectory("hako-test-runflags-");
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
    void limitsGroupsAndDevicesAreInForceInside() {
        var r = cli.run("run", "--name", "rf-flags-" + UUID.randomUUID().toString().substring(0, 8), "--ulimit", "nofile=1024:2048", "--cpuset-cpus", "0", "--cpuset-mems", "0",
                "--cpu-shares", "512", "--cpu-period", "50000", "--cpu-quota", "25000",
                "--memory", "64m", "--memory-swap", "128m", "--memory-reservation", "32m", "--oom-score-adj", "300",
                "--group-add", "1234", "--group-add", "daemon", "--device", "/dev/loop7:/dev/xloop:r", IMAGE, "sh", "-c",
                "echo nofile $(ulimit -Sn) $(ulimit -Hn); echo oom $(cat /proc/self/oom_score_adj); echo groups $(id -G);"
                        + " echo dev $(stat -c '%F %t:%T' /dev/xloop); dd if=/dev/xloop of=/dev/null bs=512 count=1 2>/dev/null && echo read-ok;"
                        + " cd /sys/fs/cgroup; echo cpuset $(cat cpuset/cpuset.cpus) $(cat cpuset/cpuset.mems);"
                        + " echo cpu $(cat cpu/cpu.shares) $(cat cpu/cpu.cfs_period_us) $(cat cpu/cpu.cfs_quota_us);"
                        + " echo mem $(cat memory/memory.limit_in_bytes) $(cat memory/memory.memsw.limit_in_bytes) $(cat memory/memory.soft_limit_in_bytes)");
        assertThat(r.code()).as(r.toString()).isZero();
        List<String> lines = r.out().lines().toList();
        assertThat(lines).contains("nofile 1024 2048", "oom 300", "dev block special file 7:7", "read-ok",
                "cpuset 0 0", "cpu 512 50000 25000", "mem 67108864 134217728 33554432");
        String groups = lines.stream().filter(l -> l.startsWith("groups ")).findFirst().orElseThrow();
        assertThat(List.of(groups.split(" "))).contains("1234", "1"); // busybox's daemon group is gid 1
        String id = cli.run("ps", "-a", "-q", "--no-trunc", "--filter", "status=exited").out().lines()
                .filter(l -> cli.run("container", "inspect", "-f", "{{.HostConfig.CpuShares}}", l).out().equals("512\n"))
                .findFirst().orElseThrow();
        var hc = cli.run("container", "inspect", "-f",
                "{{.HostConfig.CpusetCpus}} {{.HostConfig.MemorySwap}} {{.HostConfig.OomScoreAdj}} {{.HostConfig.Runtime}} {{json .HostConfig.Devices}}", id);
        assertThat(hc.out()).startsWith("0 134217728 300 runc [").contains("\"PathInContainer\":\"/dev/xloop\"");
        assertThat(cli.run("rm", id).code()).isZero();
    }

    @Test
    void aDeviceNotGivenIsRefusedByTheCgroup() {
        // the same node made inside (CAP_MKNOD is a default) can't be opened: only --device allows it
        var r = cli.run("run", "--rm", IMAGE, "sh", "-c", "mknod /tmp/xloop b 7 7 && dd if=/tmp/xloop of=/dev/null bs=512 count=1");
        assertThat(r.code()).as(r.toString()).isNotZero();
        assertThat(r.err()).contains("Operation not permitted");
    }

    @Test
    void envFilesLabelsAndFilters() throws Exception {
        Path env = work.resolve("env.list");
        Files.writeString(env, "# a comment\n\n  FROM_FILE=one two\nOVERRIDDEN=file\nPATH\nHAKO_RF_UNSET_VARIABLE\n");
        Path labels = work.resolve("labels.list");
        Files.writeString(labels, "# labels\nrf.tier=backend\nrf.flag\n");
        String name = "rf-labels-" + UUID.randomUUID().toString().substring(0, 8);
        var run = cli.run("run", "-d", "--name", name, "--env-file", env.toString(), "-e", "OVERRIDDEN=flag",
                "--label-file", labels.toString(), "-l", "rf.owner=" + name, "--label", "rf.tier=front", IMAGE,
                "sh", "-c", "env; sleep 300");
        assertThat(run.code()).as(run.toString()).isZero();
        String id = run.out().trim();
        try {
            String log = "";
            for (int i = 0; i < 200 && !log.contains("OVERRIDDEN"); i++) {
                log = cli.run("logs", name).out();
                Thread.sleep(20);
            }
            assertThat(log.lines().toList()).contains("FROM_FILE=one two", "OVERRIDDEN=flag", "PATH=" + System.getenv("PATH"));
            assertThat(log).doesNotContain("HAKO_RF_UNSET_VARIABLE");

            var inspect = cli.run("container", "inspect", "-f", "{{json .Config.Labels}}", name);
            assertThat(inspect.out().trim()).isEqualTo("{\"rf.flag\":\"\",\"rf.owner\":\"" + name + "\",\"rf.tier\":\"front\"}");

            assertThat(cli.run("ps", "-q", "--no-trunc", "--filter", "label=rf.owner=" + name).out()).isEqualTo(id + "\n");
            assertThat(cli.run("ps", "-q", "--no-trunc", "--filter", "label=rf.owner=" + name, "--filter", "label=rf.flag").out())
                    .isEqualTo(id + "\n");
            assertThat(cli.run("ps", "-q", "--filter", "label=rf.owner=" + name, "--filter", "label=rf.tier=backend").out()).isEmpty();
            assertThat(cli.run("ps", "-q", "--filter", "label=rf.owner=someone-else").out()).isEmpty();
            assertThat(cli.run("ps", "-q", "--no-trunc", "--filter", "name=" + name).out()).isEqualTo(id + "\n");
            var bad = cli.run("ps", "--filter", "colour=red");
            assertThat(bad.code()).isEqualTo(125);
            assertThat(bad.err()).contains("invalid filter 'colour'");
        } finally {
            assertThat(cli.run("rm", "-f", id).code()).isZero();
        }
    }

    @Test
    void cidfileIsWrittenAndAnExistingOneRefused() throws Exception {
        Path cid = work.resolve("cid-" + UUID.randomUUID());
        var create = cli.run("create", "--cidfile", cid.toString(), IMAGE, "true");
        assertThat(create.code()).as(create.toString()).isZero();
        assertThat(Files.readString(cid)).isEqualTo(create.out().trim());
        int before = containerDirs();
        var again = cli.run("create", "--cidfile", cid.toString(), IMAGE, "true");
        assertThat(again.code()).isEqualTo(125);
        assertThat(again.err()).contains("Container ID file found, make sure the other container isn't running or delete " + cid);
        assertThat(containerDirs()).isEqualTo(before);
        assertThat(cli.run("rm", create.out().trim()).code()).isZero();
    }

    @Test
    void badValuesAreRefusedWithDockersWordsAndLeaveNothing() throws Exception {
        int before = containerDirs();
        record Case(List<String> flags, String message) {}
        List<Case> cases = List.of(
                new Case(List.of("--ulimit", "nofile"), "invalid argument \"nofile\" for \"--ulimit\" flag: invalid ulimit argument: nofile"),
                new Case(List.of("--ulimit", "bogus=1"), "invalid ulimit type: bogus"),
                new Case(List.of("--ulimit", "nofile=2048:1024"), "ulimit soft limit must be less than or equal to hard limit: 2048 > 1024"),
                new Case(List.of("--device", "/dev/hako-rf-missing"), "error gathering device information while adding custom device \"/dev/hako-rf-missing\": no such file or directory"),
                new Case(List.of("--device", "/dev/null:/dev/n:rwx"), "invalid device mode: rwx"),
                new Case(List.of("--memory-swap", "64m"), "You should always set the Memory limit when using Memoryswap limit, see usage"),
                new Case(List.of("-m", "64m", "--memory-swap", "32m"), "Minimum memoryswap limit should be larger than memory limit, see usage"),
                new Case(List.of("-m", "32m", "--memory-reservation", "64m"), "Minimum memory limit can not be less than memory reservation limit, see usage"),
                new Case(List.of("--oom-score-adj", "2000"), "Invalid value 2000, range for oom score adj is [-1000, 1000]"),
                new Case(List.of("--cpus", "1", "--cpu-quota", "50000"), "Conflicting options: Nano CPUs and CPU Quota cannot both be set"),
                new Case(List.of("--cpu-period", "10"), "CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)"),
                new Case(List.of("--cpuset-cpus", "999"), "Requested CPUs are not available - requested 999, available: "),
                new Case(List.of("--cpuset-cpus", "x-y"), "invalid argument \"x-y\" for \"--cpuset-cpus\" flag"),
                new Case(List.of("--group-add", "no-such-group"), "unable to find group no-such-group: no matching entries in group file"),
                new Case(List.of("--pull", "sometimes"), "invalid pull option: 'sometimes': must be one of \"always\", \"missing\" or \"never\""),
                new Case(List.of("--env-file", work.resolve("no-such-env").toString()), "open " + work.resolve("no-such-env") + ": no such file or directory"),
                new Case(List.of("--memory-reservation", "lots"), "invalid argument \"lots\" for \"--memory-reservation\" flag: invalid size: 'lots'"),
                new Case(List.of("--runtime", "no-such-runtime"), "unknown or invalid runtime name: no-such-runtime"));
        for (Case c : cases) {
            List<String> args = new java.util.ArrayList<>(List.of("run", "--rm"));
            args.addAll(c.flags());
            args.addAll(List.of(IMAGE, "true"));
            var r = cli.run(args.toArray(String[]::new));
            assertThat(r.code()).as(c + "\n" + r).isEqualTo(125);
            assertThat(r.err()).as(c.toString()).contains(c.message());
        }
        assertThat(containerDirs()).isEqualTo(before);
        assertThat(cli.run("ps", "-a", "-q").out()).doesNotContain("\n\n");
    }

    @Test
    void badEnvFileLinesAreRefused() throws Exception {
        Path env = work.resolve("bad.env");
        Files.writeString(env, "GOOD=1\nBAD KEY=2\n");
        var r = cli.run("run", "--rm", "--env-file", env.toString(), IMAGE, "true");
        assertThat(r.code()).isEqualTo(125);
        assertThat(r.err()).contains("poorly formatted environment: variable 'BAD KEY' contains whitespaces");
    }

    static int containerDirs() throws Exception { return countEntries(cli.root.resolve("containers")); }

    static int countEntries(Path dir) throws Exception {
        if (!Files.isDirectory(dir)) return 0;
        try (var s = Files.list(dir)) {
            return (int) s.count();
        }
    }
}
