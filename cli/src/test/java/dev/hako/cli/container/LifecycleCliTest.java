package dev.hako.cli.container;

import dev.hako.cli.container.CliFixture.Result;

import dev.hako.engine.ContainerView;
import dev.hako.engine.container.ContainerRecord;
import dev.hako.engine.container.ContainerState;
import dev.hako.engine.container.Status;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import static org.junit.jupiter.api.Assertions.*;

/** restart, run's lifecycle flags, logs --since/--until and the lifecycle fields of ps and inspect. */
@Timeout(300) // a hung follow must not hang the build
class LifecycleCliTest {
    @TempDir static Path root;
    static String image;
    static final String NAME = "hako-lc-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());

    static Result hako(String... args) { return CliFixture.hako(root, new byte[0], args); }

    @BeforeAll
    static void importBusybox() throws Exception {
        image = CliFixture.importBusybox(root, "hako-test-lifecycle-cli-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()) + ":latest", List.of("CMD [\"sh\"]"));
    }

    @AfterAll
    static void removeAll() {
        Result ids = hako("ps", "-a", "-q");
        for (String id : ids.out().split("\n")) if (!id.isBlank()) hako("rm", "-f", id.trim());
        assertEquals("", hako("ps", "-a", "-q").out());
    }


    @Test
    void restartRunsTheContainerAgainAndInspectShowsTheLifecycleFlags() {
        String name = NAME + "-r";
        Result run = hako("run", "-d", "--name", name, "--restart", "on-failure:4", "--stop-signal", "SIGINT", "--stop-timeout", "7",
                "--log-opt", "max-size=1m,max-file=2", image, "sh", "-c", "trap 'exit 0' INT; echo hi; while :; do sleep 0.1; done");
        assertEquals(0, run.code(), run.toString());
        Result r = hako("restart", "-t", "5", name);
        assertEquals(0, r.code(), r.toString());
        assertEquals(name + "\n", r.out());
        assertTrue(hako("ps", "--format", "{{.Names}} {{.Status}}").out().contains(name + " Up "));
        Result i = hako("container", "inspect", "--format",
                "{{.HostConfig.RestartPolicy.Name}} {{.HostConfig.RestartPolicy.MaximumRetryCount}} {{.RestartCount}} "
                        + "{{.Config.StopSignal}} {{.Config.StopTimeout}} {{.HostConfig.LogConfig.Type}} {{.State.Restarting}}", name);
        assertEquals("on-failure 4 0 SIGINT 7 json-file false\n", i.out(), i.toString());
        assertEquals(0, hako("stop", name).code());
        assertTrue(hako("ps", "-a", "--format", "{{.Names}} {{.Status}}").out().contains(name + " Exited (0)"));
        Result logs = hako("logs", name);
        assertEquals("hi\nhi\n", logs.out(), logs.toString());
    }

    @Test
    void badLifecycleFlagsFailWithDockersMessages() {
        Result r = hako("run", "--restart", "on-failure:x", image, "true");
        assertEquals(125, r.code(), r.toString());
        assertTrue(r.err().contains("invalid restart policy format: maximum retry count must be an integer"), r.err());
        r = hako("run", "--rm", "--restart", "always", image, "true");
        assertEquals(125, r.code(), r.toString());
        assertTrue(r.err().contains("Conflicting options: cannot specify both --restart and --rm"), r.err());
        r = hako("create", "--log-driver", "syslog", image, "true");
        assertEquals(125, r.code(), r.toString());
        assertTrue(r.err().contains("logger: no log driver named 'syslog' is registered"), r.err());
    }

    @Test
    void logsSinceUntilAndTheNoneDriver() {
        String name = NAME + "-l";
        Result run = hako("run", "--name", name, image, "sh", "-c", "echo one; echo two");
        assertEquals(0, run.code(), run.toString());
        assertEquals("one\ntwo\n", hako("logs", "--since", "10m", name).out());
        assertEquals("", hako("logs", "--until", "2000-01-01T00:00:00Z", name).out());
        assertEquals("two\n", hako("logs", "--since", "1h", "--tail", "1", name).out());
        Result bad = hako("logs", "--since", "yesterday", name);
        assertNotEquals(0, bad.code());
        assertTrue(bad.err().contains("invalid value for \"since\": failed to parse value as time or duration: \"yesterday\""), bad.err());

        String none = NAME + "-n";
        assertEquals(0, hako("run", "--name", none, "--log-driver", "none", image, "echo", "hidden").code());
        Result logs = hako("logs", none);
        assertEquals(1, logs.code(), logs.toString());
        assertTrue(logs.err().contains("configured logging driver does not support reading"), logs.err());
    }

    @Test
    void restartingStatusReadsAsDockers() {
        var r = new ContainerRecord("a".repeat(64), "x", "img", "sha256:" + "b".repeat(64), "2026-01-01T00:00:00Z", List.of(),
                null, null, false, null, null);
        Instant now = Instant.parse("2026-01-01T00:01:00Z");
        var v = new ContainerView(r, new ContainerState(true, "2026-01-01T00:00:10Z"), new Status("restarting", 1, "2026-01-01T00:00:58Z", 0));
        assertEquals("Restarting (1) 2 seconds ago", ContainerCommands.statusText(v, now));
    }
}
