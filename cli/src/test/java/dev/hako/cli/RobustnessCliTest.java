package dev.hako.cli;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Issue 4: concurrent `hako` processes, a `hako` killed with -9 while its container runs, and bad input; after
 * each failure nothing is half-made (no container dir, no mount, no cgroup). Uses bin/hako (one JVM per call,
 * as users run it) where processes matter, in-process picocli elsewhere.
 */
class RobustnessCliTest {
    static Path work;
    static Cli cli;
    static Path hako;
    static final String IMAGE = "rf-robust-box:latest";

    @BeforeAll
    static void fixture() throws Exception {
        Path project = Path.of(System.getProperty("hako.projectDir", Path.of("").toAbsolutePath().getParent().toString()));
        hako = project.resolve("bin/hako");
        work = Files.createTempDirectory("hako-test-robust-");
        cli = new Cli(work.resolve("root"));
        var imp = cli.run("import", "-c", "CMD [\"sh\"]", Cli.busyboxTar(work).toString(), IMAGE);
        assertThat(imp.code()).as(imp.toString()).isZero();
    }

    @AfterAll
    static void cleanup() throws Exception {
        for (String id : cli.run("ps", "-a", "-q", "--no-trunc").out().split("\n")) if (!id.isBlank()) cli.run("rm", "-f", id);
        Cli.deleteTree(work);
    }

    /** bin/hako needs the packaged CLI (mvn package); the in-process tests below don't. */
    private static void assumePackaged() {
        assumeTrue(Files.isRegularFile(hako.getParent().getParent().resolve("cli/target/hako-cli.jar")),
                "bin/hako needs cli/target/hako-cli.jar (mvn package)");
    }

    private static ProcessBuilder binHako(String... args) {
        List<String> cmd = new ArrayList<>(List.of(hako.toString(), "--root", cli.root.toString(), "--runroot", cli.root.resolve("run").toString()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd);
    }

    record Out(int code, String out, String err) {}

    private static Out runBinHako(String... args) throws IOException, InterruptedException {
        Path err = Files.createTempFile(work, "err", ".txt");
        Process p = binHako(args).redirectError(err.toFile()).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(180, TimeUnit.SECONDS)).as("hako " + String.join(" ", args) + " finished").isTrue();
        return new Out(p.exitValue(), out, Files.readString(err));
    }

    @Test
    void tenParallelRunRmAllSucceed() throws Exception {
        assumePackaged();
        ExecutorService pool = Executors.newFixedThreadPool(10);
        try {
            List<Future<Out>> runs = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                int n = i;
                runs.add(pool.submit((Callable<Out>) () -> runBinHako("run", "--rm", IMAGE, "sh", "-c", "echo run-" + n + " $HOSTNAME")));
            }
            for (int i = 0; i < 10; i++) {
                Out o = runs.get(i).get(300, TimeUnit.SECONDS);
                assertThat(o.code()).as(o.toString()).isZero();
                assertThat(o.out()).matches("run-" + i + " [0-9a-f]{12}\n");
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(cli.run("ps", "-a", "-q").out()).isEmpty();
        assertNothingLeft();
    }

    @Test
    void killingTheForegroundHakoLeavesTheContainerRunning() throws Exception {
        assumePackaged();
        String name = "rf-kill9-" + UUID.randomUUID().toString().substring(0, 8);
        Process fg = binHako("run", "--name", name, IMAGE, "sh", "-c", "echo up; while :; do sleep 0.1; done")
                .redirectErrorStream(true).start();
        String first = new String(fg.getInputStream().readNBytes(3), StandardCharsets.UTF_8); // "up\n" is printed from the log
        assertThat(first).isEqualTo("up\n");
        fg.destroyForcibly(); // bin/hako exec's the JVM: this is SIGKILL to the hako process itself
        assertThat(fg.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(fg.exitValue()).isEqualTo(137);
        assertStillServed(name);
    }

    @Test
    void killingHakoRunDetachedLeavesTheContainerRunning() throws Exception {
        assumePackaged();
        String name = "rf-kill9d-" + UUID.randomUUID().toString().substring(0, 8);
        Process d = binHako("run", "-d", "--name", name, IMAGE, "sh", "-c", "echo up; while :; do sleep 0.1; done").start();
        String id = new String(d.getInputStream().readNBytes(64), StandardCharsets.UTF_8);
        assertThat(id).matches("[0-9a-f]{64}");
        d.destroyForcibly();
        d.waitFor(30, TimeUnit.SECONDS);
        assertStillServed(name);
    }

    /** The container outlived its hako: listed as running, its log readable, stop and rm work from a new hako. */
    private static void assertStillServed(String name) throws Exception {
        Thread.sleep(200);
        assertThat(cli.run("ps", "--format", "{{.Names}} {{.State}}").out()).contains(name + " running");
        String log = "";
        for (int i = 0; i < 200 && !log.contains("up"); i++) {
            log = cli.run("logs", name).out();
            Thread.sleep(20);
        }
        assertThat(log).isEqualTo("up\n");
        assertThat(cli.run("exec", name, "true").code()).isZero();
        var stop = cli.run("stop", "-t", "1", name);
        assertThat(stop.code()).as(stop.toString()).isZero();
        assertThat(cli.run("wait", name).out()).isEqualTo("137\n");
        assertThat(cli.run("rm", name).code()).isZero();
        assertNothingLeft();
    }

    @Test
    void badInputFailsWithDockersWordsAndLeavesNothing() throws Exception {
        String name = "rf-dup-" + UUID.randomUUID().toString().substring(0, 8);
        var first = cli.run("create", "--name", name, IMAGE, "true");
        assertThat(first.code()).as(first.toString()).isZero();
        int before = RunFlagsCliTest.countEntries(cli.root.resolve("containers"));

        var dup = cli.run("run", "--rm", "--name", name, IMAGE, "true");
        assertThat(dup.code()).isEqualTo(125);
        assertThat(dup.err()).contains("Conflict. The container name \"/" + name + "\" is already in use by container \""
                + first.out().trim() + "\". You have to remove (or rename) that container to be able to reuse that name.");

        var badFlag = cli.run("run", "--rm", "--no-such-flag", IMAGE, "true");
        assertThat(badFlag.code()).isEqualTo(125);
        assertThat(badFlag.err()).contains("--no-such-flag").contains("See 'hako run --help'.");

        var badMemory = cli.run("run", "--rm", "-m", "lots", IMAGE, "true");
        assertThat(badMemory.code()).isEqualTo(125);
        assertThat(badMemory.err()).contains("invalid argument \"lots\" for \"--memory\" flag: invalid size: 'lots'");

        var noImage = cli.run("run", "--rm", "--pull", "never", "rf-robust-no-such-image", "true");
        assertThat(noImage.code()).isEqualTo(125);
        assertThat(noImage.err()).contains("No such image: rf-robust-no-such-image:latest");

        var notFound = cli.run("run", "--rm", IMAGE, "rf-no-such-command");
        assertThat(notFound.code()).isEqualTo(127);
        assertThat(notFound.err()).contains("exec: \"rf-no-such-command\": executable file not found in $PATH");

        var notExecutable = cli.run("run", "--rm", IMAGE, "/etc/passwd");
        assertThat(notExecutable.code()).isEqualTo(126);
        assertThat(notExecutable.err()).contains("/etc/passwd").containsIgnoringCase("permission denied");

        // docker makes a missing -v source as a directory; hako refuses it: either way nothing may stay behind
        Path missing = work.resolve("no-such-bind-source-" + UUID.randomUUID());
        var bind = cli.run("run", "--rm", "-v", missing + ":/data", IMAGE, "true");
        if (bind.code() != 0) {
            assertThat(bind.code()).as(bind.toString()).isEqualTo(125);
            assertThat(bind.err()).contains(missing.toString());
        }

        var stopped = cli.run("exec", name, "true");
        assertThat(stopped.code()).isEqualTo(1);
        assertThat(stopped.err()).contains("is not running");

        assertThat(RunFlagsCliTest.countEntries(cli.root.resolve("containers"))).isEqualTo(before);
        assertThat(cli.run("rm", name).code()).isZero();
        assertNothingLeft();
    }

    /** No container dirs, no mount under the root, no hako cgroup of a container that is gone. */
    private static void assertNothingLeft() throws Exception {
        List<String> live = List.of(cli.run("ps", "-a", "-q", "--no-trunc").out().split("\n"));
        Path containers = cli.root.resolve("containers");
        if (Files.isDirectory(containers)) {
            try (var s = Files.list(containers)) {
                assertThat(s.map(p -> p.getFileName().toString()).filter(id -> id.matches("[0-9a-f]{64}") && !live.contains(id))
                        .toList()).isEmpty();
            }
        }
        assertThat(Files.readString(Path.of("/proc/self/mountinfo"))).doesNotContain(cli.root.toString() + "/containers/");
        Path runtimeState = cli.root.resolve("run/runtime");
        if (Files.isDirectory(runtimeState)) {
            try (var s = Files.list(runtimeState)) {
                List<String> ids = s.map(p -> p.getFileName().toString()).filter(id -> id.matches("[0-9a-f]{64}")).toList();
                assertThat(ids.stream().filter(id -> !live.contains(id)).toList()).isEmpty();
                for (String id : ids) if (!live.contains(id)) assertThat(Path.of("/sys/fs/cgroup/memory/hako", id)).doesNotExist();
            }
        }
    }
}
