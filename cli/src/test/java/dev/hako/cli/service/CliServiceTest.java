package dev.hako.cli.service;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * bin/hako through the CLI service (the C front-end and the warm JVM) against the plain JVM (HAKO_SERVICE=0):
 * the same output and exit codes, and everything that belongs to the caller rather than to the service's own
 * process: relative paths, the environment, stdin, signals (docker's sig-proxy), the terminal, and that a
 * killed `hako` leaves its container running. The service lives in a private directory (HAKO_SERVICE_DIR) and
 * is killed at the end.
 */
class CliServiceTest {
    static final Path PROJECT = Path.of(System.getProperty("hako.projectDir", "/work/main"));
    static final Path HAKO = PROJECT.resolve("bin/hako");
    static final String IMAGE = "svc-busybox:latest";
    static Path work, serviceDir, root;

    record Result(int code, String out, String err) {
        String describe() { return "exit " + code + "\nstdout:\n" + out + "\nstderr:\n" + err; }
    }

    @BeforeAll
    static void setUp() throws Exception {
        Path jar = PROJECT.resolve("cli/target/hako-cli.jar");
        assumeTrue(Files.isExecutable(PROJECT.resolve("kernel/target/native/hako-cli-front")) && Files.exists(jar)
                && !newerThan(PROJECT.resolve("cli/target/classes"), Files.getLastModifiedTime(jar)),
                "bin/hako needs a packaged tree (mvn package) newer than the compiled classes");
        work = Files.createTempDirectory("hako-test-clisvc-");
        serviceDir = work.resolve("service");
        Files.createDirectory(serviceDir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        root = work.resolve("root");
        Path fs = work.resolve("fs");
        Result b = run(false, work, null, Map.of(), List.of("bash", PROJECT.resolve("scripts/busybox-rootfs.sh").toString(), fs.toString()));
        assertThat(b.code()).as(b.describe()).isZero();
        b = run(false, work, null, Map.of(), List.of("tar", "-C", fs.toString(), "--numeric-owner", "-cf", "busybox.tar", "."));
        assertThat(b.code()).as(b.describe()).isZero();
        // no service yet: this command starts one and runs in the plain JVM meanwhile (nobody waits for a JVM start)
        Result r = run(true, work, null, Map.of("HAKO_TRACE_TIMING", "1"), command("import", "busybox.tar", IMAGE));
        assertThat(r.code()).as(r.describe()).isZero();
        assertThat(r.err()).contains("starting the service").contains("falling back to the plain JVM");
        for (int i = 0; i < 600 && !socketAnswers(); i++) Thread.sleep(100);
        assertThat(socketAnswers()).as("the service came up").isTrue();
    }

    /** The service writes its pid file once it listens. */
    static boolean socketAnswers() throws IOException {
        try (Stream<Path> s = Files.list(serviceDir)) {
            return s.anyMatch(f -> f.toString().endsWith(".pid"));
        }
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (work == null) return;
        run(false, work, null, Map.of(), List.of("sh", "-c", HAKO + " --root " + root + " --runroot " + work.resolve("run")
                + " ps -aq | xargs -r " + HAKO + " --root " + root + " --runroot " + work.resolve("run") + " rm -f"));
        try (Stream<Path> s = Files.list(serviceDir)) {
            for (Path pid : s.filter(f -> f.toString().endsWith(".pid")).toList())
                ProcessHandle.of(Long.parseLong(Files.readString(pid).trim())).ifPresent(ProcessHandle::destroyForcibly);
        }
        new ProcessBuilder("rm", "-rf", "--one-file-system", work.toString()).inheritIO().start().waitFor();
    }

    @Test
    void theServiceAnswersAsThePlainJvmDoes() throws Exception {
        List<List<String>> commands = List.of(
                List.of("images", "--format", "{{.Repository}}:{{.Tag}}"),
                List.of("run", "--rm", "--network", "none", IMAGE, "sh", "-c", "echo out; echo err >&2; exit 3"),
                List.of("run", "--rm", "--network", "none", IMAGE, "no-such-command"),
                List.of("inspect", "no-such-container"),
                List.of("run", "--no-such-flag", IMAGE),
                List.of("volume", "ls"),
                List.of("ps", "-a", "--format", "{{.Names}}"));
        for (List<String> c : commands) {
            Result viaService = hako(true, c.toArray(String[]::new));
            Result plain = hako(false, c.toArray(String[]::new));
            assertThat(viaService).as(String.join(" ", c) + "\nservice: " + viaService.describe() + "\nplain: " + plain.describe())
                    .isEqualTo(plain);
        }
        Result traced = run(true, work, null, Map.of("HAKO_TRACE_TIMING", "1"), command("images", "-q"));
        assertThat(traced.err()).as("the command ran in the service").contains("hako front-end: acknowledged");
        try (Stream<Path> s = Files.list(serviceDir)) {
            Path sock = s.filter(f -> f.toString().endsWith(".sock")).findFirst().orElseThrow();
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(sock))).isEqualTo("rw-------");
        }
    }

    @Test
    void relativePathsAreTheCallers() throws Exception {
        Path cwd = work.resolve("caller");
        Files.createDirectories(cwd.resolve("data"));
        Files.writeString(cwd.resolve("data/f"), "from the caller\n");
        Files.writeString(cwd.resolve("env.list"), "FROM_FILE=yes\n");
        Result r = run(true, cwd, null, Map.of(), command("run", "--rm", "--network", "none", "-v", "./data:/d",
                "--env-file", "env.list", IMAGE, "sh", "-c", "cat /d/f; echo $FROM_FILE"));
        assertThat(r.code()).as(r.describe()).isZero();
        assertThat(r.out()).isEqualTo("from the caller\nyes\n");

        r = run(true, cwd, null, Map.of(), command("create", "--name", "svc-cp", "--network", "none", IMAGE, "true"));
        assertThat(r.code()).as(r.describe()).isZero();
        r = run(true, cwd, null, Map.of(), command("cp", "data/f", "svc-cp:/copied"));
        assertThat(r.code()).as(r.describe()).isZero();
        r = run(true, cwd, null, Map.of(), command("cp", "svc-cp:/copied", "back"));
        assertThat(r.code()).as(r.describe()).isZero();
        assertThat(Files.readString(cwd.resolve("back"))).isEqualTo("from the caller\n");
        assertThat(Path.of("/back")).as("nothing lands in the service's own directory").doesNotExist();
        hako(true, "rm", "-f", "svc-cp");
    }

    @Test
    void environmentAndStdinAreTheCallers() throws Exception {
        Result r = run(true, work, "piped in\n", Map.of("SVC_FROM_CALLER", "caller's value"),
                command("run", "-i", "--rm", "--network", "none", "-e", "SVC_FROM_CALLER", IMAGE,
                        "sh", "-c", "echo \"$SVC_FROM_CALLER\"; cat"));
        assertThat(r.code()).as(r.describe()).isZero();
        assertThat(r.out()).as(r.describe()).isEqualTo("caller's value\npiped in\n");
    }

    @Test
    void signalsToHakoReachTheContainer() throws Exception {
        Path out = work.resolve("sig.out");
        Process p = start(command("run", "--rm", "--network", "none", IMAGE, "sh", "-c",
                "trap 'echo got TERM; exit 7' TERM; echo ready; while true; do sleep 0.1; done"), out);
        awaitContent(out, "ready");
        // bin/hako execs the front-end: p is the process a user's shell or kill would signal
        new ProcessBuilder("kill", "-TERM", Long.toString(p.pid())).start().waitFor();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(Files.readString(out)).isEqualTo(7);
        assertThat(Files.readString(out)).contains("got TERM");
    }

    @Test
    void aKilledHakoLeavesItsContainerRunning() throws Exception {
        Path out = work.resolve("k9.out");
        Process p = start(command("run", "--name", "svc-k9", "--network", "none", IMAGE, "sh", "-c",
                "echo ready; sleep 2; echo finished"), out);
        awaitContent(out, "ready");
        p.destroyForcibly().waitFor();
        Result ps = hako(true, "ps", "--format", "{{.Names}} {{.State}}");
        assertThat(ps.out()).as(ps.describe()).contains("svc-k9 running");
        Result w = hako(true, "wait", "svc-k9");
        assertThat(w.out().trim()).as(w.describe()).isEqualTo("0");
        assertThat(hako(true, "logs", "svc-k9").out()).isEqualTo("ready\nfinished\n");
        hako(true, "rm", "svc-k9");
    }

    @Test
    void theCallersTerminalIsRawDuringRunItAndItsKeysAreTheShellsAfter() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/script")), "script(1) makes the terminal");
        String h = String.join(" ", command());
        String inner = "stty rows 30 cols 100; " + h + " run -it --rm --network none " + IMAGE + " sh; echo rc=$?; "
                + "read line; echo after=$line; stty -a | grep -o -- '-\\?icanon'";
        Path out = work.resolve("tty.out");
        var pb = new ProcessBuilder("script", "-qec", inner, "/dev/null").directory(work.toFile())
                .redirectOutput(out.toFile()).redirectErrorStream(true);
        serviceEnv(pb.environment(), true);
        Process p = pb.start();
        try (var keys = p.getOutputStream()) {
            awaitContent(out, "# ");   // the container's shell prompts
            keys.write("stty size; exit 4\n".getBytes(StandardCharsets.UTF_8));
            keys.flush();
            awaitContent(out, "rc=4");
            // typed after hako returned: the shell's, not a reader hako left behind
            keys.write("typed later\n".getBytes(StandardCharsets.UTF_8));
            keys.flush();
            awaitContent(out, "after=");
        }
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        String text = Files.readString(out).replace("\r", "");
        assertThat(text).contains("30 100\n").contains("after=typed later\n");
        assertThat(text.substring(text.indexOf("after="))).as(text).contains("icanon").doesNotContain("-icanon");
    }

    // ---------------------------------------------------------------- helpers

    static List<String> command(String... args) {
        List<String> c = new ArrayList<>(List.of(HAKO.toString(), "--root", root.toString(), "--runroot", work.resolve("run").toString()));
        c.addAll(List.of(args));
        return c;
    }

    static Result hako(boolean service, String... args) throws IOException, InterruptedException {
        return run(service, work, null, Map.of(), command(args));
    }

    static Map<String, String> serviceEnv(Map<String, String> env, boolean service) {
        env.remove("HAKO_TRACE_TIMING");
        env.put("HAKO_SERVICE", service ? "1" : "0");
        env.put("HAKO_SERVICE_DIR", serviceDir.toString());
        env.put("HAKO_SERVICE_IDLE", "120");
        return env;
    }

    /** Runs {@code cmd} in {@code cwd} with {@code stdin} (null: /dev/null), through the service or the plain JVM. */
    static Result run(boolean service, Path cwd, String stdin, Map<String, String> extraEnv, List<String> cmd)
            throws IOException, InterruptedException {
        String tag = Long.toHexString(ThreadLocalRandom.current().nextLong());
        Path in = work.resolve("in-" + tag), out = work.resolve("out-" + tag), err = work.resolve("err-" + tag);
        Files.writeString(in, stdin == null ? "" : stdin);
        var pb = new ProcessBuilder(cmd).directory(cwd.toFile())
                .redirectInput(stdin == null ? ProcessBuilder.Redirect.from(new java.io.File("/dev/null")) : ProcessBuilder.Redirect.from(in.toFile()))
                .redirectOutput(out.toFile()).redirectError(err.toFile());
        serviceEnv(pb.environment(), service).putAll(extraEnv);
        Process p = pb.start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + String.join(" ", cmd));
        }
        Result r = new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
        Files.delete(in);
        Files.delete(out);
        Files.delete(err);
        return r;
    }

    static Process start(List<String> cmd, Path out) throws IOException {
        var pb = new ProcessBuilder(cmd).directory(work.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectOutput(out.toFile()).redirectErrorStream(true);
        serviceEnv(pb.environment(), true);
        return pb.start();
    }

    static void awaitContent(Path file, String text) throws Exception {
        for (int i = 0; i < 600; i++) {
            if (Files.exists(file) && Files.readString(file).contains(text)) return;
            Thread.sleep(50);
        }
        throw new AssertionError(file + " never showed \"" + text + "\": " + (Files.exists(file) ? Files.readString(file) : "(none)"));
    }

    static boolean newerThan(Path dir, FileTime time) throws IOException {
        if (!Files.isDirectory(dir)) return false;
        try (Stream<Path> s = Files.walk(dir)) {
            return s.anyMatch(f -> {
                try {
                    return Files.getLastModifiedTime(f).compareTo(time) > 0;
                } catch (IOException e) {
                    return false;
                }
            });
        }
    }
}
