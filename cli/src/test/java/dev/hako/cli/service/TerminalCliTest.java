package dev.hako.cli.service;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import static dev.hako.cli.service.CliServiceTest.IMAGE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * bin/hako on a caller's terminal made by script(1), through the CLI service and the plain JVM (HAKO_SERVICE=0):
 * the container's pty has the caller's window size before its process runs, and script's end-of-input (which it
 * types into the terminal before hako has it in raw mode) reaches the container as an EOF, never as a NUL byte.
 * The fixture is CliServiceTest's (a private service directory, a busybox image).
 */
class TerminalCliTest {
    @BeforeAll
    static void setUp() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/script")), "script(1) makes the terminal");
        CliServiceTest.setUp();
    }

    @AfterAll
    static void tearDown() throws Exception { CliServiceTest.tearDown(); }

    @Test
    void aTtyContainerSeesTheCallersSizeAtOnce() throws Exception {
        for (boolean service : new boolean[] {false, true}) {
            String run = String.join(" ", CliServiceTest.command("run", "-t", "--rm", "--network", "none", IMAGE, "stty", "size"));
            int runs = service ? 10 : 3; // the plain JVM's start is seconds on a busy machine
            String inner = "stty rows 31 cols 97; i=0; while [ $i -lt " + runs + " ]; do " + run + "; i=$((i+1)); done";
            String out = underScript(service, inner, false).replace("\r", "");
            assertThat(out).as("service=" + service + ": every run, at once").isEqualTo("31 97\n".repeat(runs));
        }
    }

    @Test
    void execTtySeesTheCallersSizeAtOnce() throws Exception {
        var d = CliServiceTest.hako(true, "run", "-d", "--name", "svc-size-exec", "--network", "none", IMAGE, "sleep", "300");
        assertThat(d.code()).as(d.describe()).isZero();
        try {
            for (boolean service : new boolean[] {false, true}) {
                int runs = service ? 6 : 2;
                // -t without -i: stdin is /dev/null, the size is stdout's terminal's (docker's)
                String exec = String.join(" ", CliServiceTest.command("exec", "-t", "svc-size-exec", "stty", "size"));
                String inner = "stty rows 29 cols 91; i=0; while [ $i -lt " + runs + " ]; do " + exec + "; i=$((i+1)); done";
                String out = underScript(service, inner, false).replace("\r", "");
                assertThat(out).as("service=" + service).isEqualTo("29 91\n".repeat(runs));
            }
        } finally {
            CliServiceTest.hako(true, "rm", "-f", "svc-size-exec");
        }
    }

    @Test
    void stdinAtEofReachesTheContainerAsEofNotAsANulByte() throws Exception {
        for (boolean service : new boolean[] {false, true}) {
            String[][] cases = {
                    {"hi\r\n", "echo", "hi"},
                    // still running when hako sends what the terminal held: a NUL would be echoed as ^@ first
                    {"hi\r\n", "sh", "-c", "'sleep 1; echo hi'"},
                    {"rc=0\r\n", "sh", "-c", "'cat; echo rc=$?'"},
            };
            for (String[] c : cases) {
                String inner = String.join(" ", CliServiceTest.command(withImage(c)));
                String out = underScript(service, inner, true);
                assertThat(out).as("service=" + service + ": " + inner).isEqualTo(c[0]);
            }
        }
    }

    private static String[] withImage(String[] c) {
        String[] args = new String[6 + c.length - 1];
        String[] head = {"run", "-it", "--rm", "--network", "none", IMAGE};
        System.arraycopy(head, 0, args, 0, head.length);
        System.arraycopy(c, 1, args, head.length, c.length - 1);
        return args;
    }

    /**
     * What {@code script -qec INNER /dev/null} prints, byte for byte; its stdin is /dev/null ({@code stdinAtEof}: script
     * then sends the terminal an EOF) or a pipe held open until it ends.
     */
    static String underScript(boolean service, String inner, boolean stdinAtEof) throws Exception {
        Path out = CliServiceTest.work.resolve("script-" + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".out");
        var pb = new ProcessBuilder("script", "-qec", inner, "/dev/null").directory(CliServiceTest.work.toFile())
                .redirectOutput(out.toFile()).redirectErrorStream(true);
        if (stdinAtEof) pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        CliServiceTest.serviceEnv(pb.environment(), service);
        Process p = pb.start();
        try {
            if (!p.waitFor(90, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
                throw new AssertionError("timed out: " + inner + "\n" + Files.readString(out, StandardCharsets.ISO_8859_1));
            }
        } finally {
            p.getOutputStream().close();
        }
        String text = Files.readString(out, StandardCharsets.ISO_8859_1); // bytes as chars: a NUL shows as \0
        Files.delete(out);
        return text;
    }
}
