package dev.hako.cli.container;

import dev.hako.cli.container.CliFixture.Result;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import static org.junit.jupiter.api.Assertions.*;

/** docker run's -a/--attach: only the named streams reach the caller; the container's log keeps everything. */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class AttachFlagCliTest {
    @TempDir static Path root;
    static String image;

    static Result hako(byte[] stdin, String... args) { return CliFixture.hako(root, stdin, args); }

    static Result hako(String... args) { return hako(new byte[0], args); }

    static String name() { return "hako-attachflag-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()); }

    @BeforeAll
    static void importBusybox() throws Exception {
        image = CliFixture.importBusybox(root, name() + ":latest", List.of("CMD [\"sh\"]"));
    }

    @AfterAll
    static void removeAll() {
        for (String id : hako("ps", "-a", "-q").out().split("\n")) if (!id.isBlank()) hako("rm", "-f", id.trim());
    }

    static final String BOTH = "echo out; echo err >&2; exit 3";

    @Test
    void onlyTheNamedOutputStreams() {
        String name = name();
        Result r = hako("run", "-a", "stdout", "--name", name, image, "sh", "-c", BOTH);
        assertEquals(3, r.code(), "the exit code as without -a: " + r);
        assertEquals("out\n", r.out(), r.toString());
        assertEquals("", r.err(), r.toString());
        Result logs = hako("logs", name);
        assertEquals("out\n", logs.out(), "the log keeps both streams: " + logs);
        assertEquals("err\n", logs.err(), logs.toString());

        r = hako("run", "--rm", "--attach", "STDERR", image, "sh", "-c", BOTH);
        assertEquals(3, r.code(), r.toString());
        assertEquals("", r.out(), r.toString());
        assertEquals("err\n", r.err(), r.toString());

        String removed = name();
        r = hako("run", "--rm", "--name", removed, "-a", "stdout", "-a", "Stderr", image, "sh", "-c", BOTH);
        assertEquals(3, r.code(), r.toString());
        assertEquals("out\n", r.out(), r.toString());
        assertEquals("err\n", r.err(), r.toString());
        assertEquals(1, hako("inspect", removed).code(), "--rm removed it after the attached run");
    }

    @Test
    void stdinOnlyPrintsTheIdAndSendsStdin() {
        Result r = hako("piped\n".getBytes(), "run", "-i", "-a", "stdin", image, "sh", "-c", "cat; echo gone >&2; exit 4");
        assertEquals(0, r.code(), "docker: with no output attached, run ends as a detached one: " + r);
        String id = r.out().trim();
        assertTrue(id.matches("[0-9a-f]{64}"), "the container ID, as run -d prints it: " + r);
        assertEquals("", r.err(), r.toString());
        assertEquals("4\n", hako("wait", id).out(), "it has exited: stdin's EOF closed its stdin");
        Result logs = hako("logs", id);
        assertEquals("piped\n", logs.out(), "the caller's stdin reached cat: " + logs);
        assertEquals("gone\n", logs.err(), logs.toString());
    }

    @Test
    void interactiveAttachesStdinToo() {
        Result r = hako("abc\n".getBytes(), "run", "--rm", "-i", "-a", "stdout", image, "sh", "-c", "cat; echo err >&2");
        assertEquals(0, r.code(), r.toString());
        assertEquals("abc\n", r.out(), "-i attaches stdin whatever -a says: " + r);
        assertEquals("", r.err(), r.toString());
    }

    @Test
    void ttyHasOneStream() {
        Result r = hako("run", "--rm", "-t", "-a", "stdout", image, "sh", "-c", "echo one; echo two >&2");
        assertEquals(0, r.code(), r.toString());
        assertEquals("one\r\ntwo\r\n", r.out(), r.toString());
        r = hako("run", "--rm", "-t", "-a", "stderr", image, "sh", "-c", "echo one; echo two >&2");
        assertEquals(0, r.code(), r.toString());
        assertEquals("", r.out() + r.err(), "a terminal's output is the stdout stream, not attached here: " + r);
    }

    @Test
    void dockerErrorsAndNothingCreated() {
        String before = hako("ps", "-a", "-q").out();
        Result r = hako("run", "-d", "-a", "stdout", image, "true");
        assertEquals(1, r.code(), r.toString());
        assertEquals("Error: Conflicting options: -a and -d\n", r.err());
        r = hako("run", "-a", "stdio", image, "true");
        assertEquals(125, r.code(), r.toString());
        assertEquals("Error: invalid argument \"stdio\" for \"-a, --attach\" flag: valid streams are STDIN, STDOUT and STDERR\n", r.err());
        assertEquals(before, hako("ps", "-a", "-q").out(), "no container was made");
    }

    static final String STREAMS = "{{.Config.AttachStdin}} {{.Config.AttachStdout}} {{.Config.AttachStderr}} "
            + "{{.Config.OpenStdin}} {{.Config.StdinOnce}}";

    static String streams(String ref) {
        Result r = hako("container", "inspect", "--format", STREAMS, ref);
        assertEquals(0, r.code(), r.toString());
        return r.out().trim();
    }

    @Test
    void createKeepsTheAttachedStreamsAndStartAttachesOutputAsDocker() {
        String name = name();
        Result r = hako("create", "-a", "stdout", "--name", name, image, "sh", "-c", BOTH);
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().trim().matches("[0-9a-f]{64}"), "create prints the ID: " + r);
        assertEquals("false true false false false", streams(name), "docker's Config.Attach*, OpenStdin, StdinOnce");
        r = hako("start", "-a", name);
        assertEquals(3, r.code(), r.toString());
        assertEquals("out\n", r.out(), "docker's start -a attaches stdout and stderr whatever create's -a said: " + r);
        assertEquals("err\n", r.err(), r.toString());

        assertEquals(0, hako("create", "--name", name + "-both", image, "true").code());
        assertEquals("false true true false false", streams(name + "-both"), "without -a: stdout and stderr");
        assertEquals(0, hako("create", "-i", "-a", "stdout", "--name", name + "-i", image, "true").code());
        assertEquals("true true false true true", streams(name + "-i"), "-i attaches stdin (and closes it once) whatever -a says");
        Result run = hako("run", "-a", "stderr", "--name", name + "-run", image, "true");
        assertEquals(0, run.code(), run.toString());
        assertEquals("false false true false false", streams(name + "-run"), "run keeps them too");
        for (String n : new String[] {name, name + "-both", name + "-i", name + "-run"}) hako("rm", "-f", n);
    }

    @Test
    void createAttachStdinWithoutInteractiveIsTakenAsDockerTakesIt() {
        // docker: -a stdin without -i is no error; the container's stdin is not open, so nothing is ever sent to it
        String name = name();
        Result r = hako("create", "-a", "stdin", "--name", name, image, "sh", "-c", "cat; echo done");
        assertEquals(0, r.code(), r.toString());
        assertEquals("true false false false false", streams(name));
        Result tty = hako("run", "-t", "-a", "stdin", "--rm", image, "true");
        assertEquals(1, tty.code(), "run checks the terminal for -a stdin as for -i (docker's CheckTty): " + tty);
        assertEquals("Error: the input device is not a TTY\n", tty.err());
        r = hako("never read\n".getBytes(), "start", "-a", "-i", name);
        assertEquals(0, r.code(), r.toString());
        assertEquals("done\n", r.out(), "cat saw /dev/null, not the caller's stdin: " + r);
        hako("rm", "-f", name);
    }

    @Test
    void createRefusesWhatRunRefuses() {
        String before = hako("ps", "-a", "-q").out();
        Result r = hako("create", "-a", "stdio", image, "true");
        assertEquals(125, r.code(), r.toString());
        assertEquals("Error: invalid argument \"stdio\" for \"-a, --attach\" flag: valid streams are STDIN, STDOUT and STDERR\n", r.err());
        assertEquals(before, hako("ps", "-a", "-q").out(), "no container was made");
    }
}
