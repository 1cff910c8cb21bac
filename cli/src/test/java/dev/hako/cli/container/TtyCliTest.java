package dev.hako.cli.container;

import dev.hako.cli.container.CliFixture.Result;

import dev.hako.cli.Main;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Interactive containers through the CLI: -i with piped stdin in-process, and a real terminal: `hako run -it` and
 * `hako attach` driven under tmux (a pty whose size the test changes), with detach keys, resize and exit codes.
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class TtyCliTest {
    @TempDir static Path root;
    static String image;
    static final String TMUX_SOCKET = "hako-tty-test-" + ProcessHandle.current().pid();

    static Result hako(byte[] stdin, String... args) { return CliFixture.hako(root, stdin, args); }

    static Result hako(String... args) { return hako(new byte[0], args); }

    @BeforeAll
    static void importBusybox() throws Exception {
        image = CliFixture.importBusybox(root, "hako-test-tty-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()) + ":latest", List.of("CMD [\"sh\"]"));
    }

    @AfterAll
    static void removeAll() throws Exception {
        new ProcessBuilder("tmux", "-L", TMUX_SOCKET, "kill-server").redirectErrorStream(true).start().waitFor(10, TimeUnit.SECONDS);
        Object uid = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        Files.deleteIfExists(Path.of(System.getenv().getOrDefault("TMUX_TMPDIR", "/tmp"), "tmux-" + uid, TMUX_SOCKET));
        Result ids = hako("ps", "-a", "-q");
        for (String id : ids.out().split("\n")) if (!id.isBlank()) hako("rm", "-f", id.trim());
    }

    static String sh(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + String.join(" ", cmd));
        }
        if (p.exitValue() != 0) throw new AssertionError(String.join(" ", cmd) + " exited " + p.exitValue() + ":\n" + out);
        return out;
    }

    @Test
    void pipedStdinIsStreamedInAndEofEndsIt() {
        var r = hako("hi\n".getBytes(), "run", "-i", "--rm", image, "cat");
        assertEquals(0, r.code(), r.toString());
        assertEquals("hi\n", r.out());
        r = hako("a\nb\n".getBytes(), "run", "-i", "--rm", image, "sh", "-c", "cat; echo err >&2; exit 3");
        assertEquals(3, r.code(), r.toString());
        assertEquals("a\nb\n", r.out());
        assertEquals("err\n", r.err(), "stderr apart without a tty");
    }

    @Test
    void dockerErrors() {
        var r = hako("run", "-it", "--rm", image, "sh");
        assertEquals(1, r.code(), r.toString());
        assertEquals("Error: the input device is not a TTY\n", r.err());
        assertEquals("", hako("ps", "-a", "-q").out(), "nothing created");

        String name = "hako-tty-stopped-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        assertEquals(0, hako("create", "--name", name, "-it", image, "sh").code());
        r = hako("attach", name);
        assertEquals(1, r.code(), r.toString());
        assertEquals("Error: You cannot attach to a stopped container, start it first\n", r.err());
        r = hako("run", "-it", "--detach-keys", "ctrl-1", "--rm", image, "sh");
        assertEquals(1, r.code(), "the TTY check comes first, as docker's: " + r);
        hako("rm", "-f", name);
    }

    @Test
    void logsOfATtyContainerAreItsRawOutput() {
        String name = "hako-tty-logs-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        var r = hako("run", "-t", "--name", name, image, "sh", "-c", "echo one; echo two >&2");
        assertEquals(0, r.code(), r.toString());
        assertEquals("one\r\ntwo\r\n", r.out(), "a tty has one stream, with the pty's CRLF");
        r = hako("logs", name);
        assertEquals("one\r\ntwo\r\n", r.out(), r.toString());
        hako("rm", "-f", name);
    }

    @Test
    void startAttachInteractive() {
        String name = "hako-tty-start-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        assertEquals(0, hako("create", "-i", "--name", name, image, "sh", "-c", "cat; exit 6").code());
        var r = hako("x\n".getBytes(), "start", "-a", "-i", name);
        assertEquals(6, r.code(), "the client's EOF closed the container's stdin (docker's StdinOnce): " + r);
        assertEquals("x\n", r.out(), r.toString());
        hako("rm", "-f", name);
    }

    /** A pty the test drives: tmux with its own server socket, a pane running the CLI in a fresh JVM. */
    @Test
    void realTerminalRunResizeDetachAttach() throws Exception {
        Path launcher = root.resolve("hako-launcher");
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Files.writeString(launcher, "#!/bin/sh\nexec " + Path.of(System.getProperty("java.home"), "bin", "java")
                + " -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xshare:auto --enable-native-access=ALL-UNNAMED -cp '" + cp
                + "' dev.hako.cli.Main --root '" + root + "' --runroot '" + root.resolve("run") + "' \"$@\"\n");
        Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwx------"));
        String name = "hako-tty-term-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        String script = launcher + " run -it --name " + name + " " + image + " sh; echo RUN-EXIT=$?; "
                + launcher + " exec -it " + name + " sh; echo EXEC-EXIT=$?; "
                + launcher + " attach " + name + "; echo ATTACH-EXIT=$?; "
                + launcher + " start -a -i " + name + "; echo START-EXIT=$?; echo STTY=$(stty -a | grep -o -- '-*icanon'); sleep 600";
        tmux("new-session", "-d", "-s", "t", "-x", "100", "-y", "30", script);
        try {
            await("the shell's prompt", s -> s.contains("/ #"));
            tmux("send-keys", "-t", "t", "echo $((6*7)); stty size", "Enter");
            await("42 and the pane's size", s -> s.contains("\n42\n") && s.contains("30 100"));
            tmux("resize-window", "-t", "t", "-x", "90", "-y", "25");
            // the resize reaches the container through hako's SIGWINCH handler: asked again until it is there
            for (int i = 0; i < 30; i++) {
                tmux("send-keys", "-t", "t", "stty size", "Enter");
                try {
                    await("the new size", s -> s.contains("25 90"), 20);
                    break;
                } catch (AssertionError e) {
                    if (i == 29) throw e;
                }
            }
            tmux("send-keys", "-t", "t", "C-p", "C-q");
            await("the detach", s -> s.contains("RUN-EXIT=0"));
            assertTrue(hako("ps", "--format", "{{.Names}} {{.State}}").out().contains(name + " running"), "still running after the detach");
            // exec -it: the executor's pty proxy on the caller's terminal (raw), with its window size
            tmux("send-keys", "-t", "t", "echo ex-$((2*21)); stty size; exit 4", "Enter");
            await("the exec'd shell", s -> s.contains("ex-42\n25 90") && s.contains("EXEC-EXIT=4"));
            // typed before the attach has the terminal in raw mode, the line still reaches the shell
            tmux("send-keys", "-t", "t", "echo back-$((40+2))", "Enter");
            await("the attached shell", s -> s.contains("back-42"));
            tmux("send-keys", "-t", "t", "exit 3", "Enter");
            await("the exit code", s -> s.contains("ATTACH-EXIT=3"));
            // start -a -i again: a new monitor, the socket bound again, the same terminal
            tmux("send-keys", "-t", "t", "echo again-$((1+1)); exit 9", "Enter");
            await("the restarted shell", s -> s.contains("again-2") && s.contains("START-EXIT=9"));
            await("the terminal restored", s -> s.contains("STTY=icanon"));
            assertTrue(hako("ps", "-a", "--format", "{{.Names}} {{.State}}").out().contains(name + " exited"));
        } catch (AssertionError | RuntimeException e) {
            throw new AssertionError(e.getMessage() + "\n--- pane:\n" + capture(), e);
        } finally {
            tmux("kill-session", "-t", "t");
            hako("rm", "-f", name);
        }
    }

    private static void tmux(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("tmux", "-L", TMUX_SOCKET));
        cmd.addAll(List.of(args));
        sh(cmd.toArray(String[]::new));
    }

    private static String capture() {
        try {
            return sh("tmux", "-L", TMUX_SOCKET, "capture-pane", "-p", "-J", "-S", "-100", "-t", "t");
        } catch (Exception e) {
            return "(no capture: " + e.getMessage() + ")";
        }
    }

    private static void await(String what, Predicate<String> seen) throws InterruptedException { await(what, seen, 600); }

    /** @param tries captures 100 ms apart */
    private static void await(String what, Predicate<String> seen, int tries) throws InterruptedException {
        String last = "";
        for (int i = 0; i < tries; i++) {
            last = capture();
            if (seen.test(last)) return;
            Thread.sleep(100);
        }
        throw new AssertionError("no " + what + " within " + tries / 10 + " s");
    }
}
