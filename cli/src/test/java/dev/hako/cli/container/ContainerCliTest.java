package dev.hako.cli.container;

import dev.hako.cli.container.CliFixture.Result;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import static org.junit.jupiter.api.Assertions.*;

/** `hako run/ps/logs/stop/rm ...` in-process against a temp root with a busybox image imported offline. */
class ContainerCliTest {
    static final String PREFIX = "hako-test-engine-";
    @TempDir static Path root;
    static String image;

    static Result hako(String... args) { return CliFixture.hako(root, new byte[0], args); }

    @BeforeAll
    static void importBusybox() throws Exception {
        image = CliFixture.importBusybox(root, PREFIX + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()) + ":latest", List.of("CMD [\"sh\"]"));
    }

    @AfterAll
    static void removeAll() {
        Result ids = hako("ps", "-a", "-q");
        for (String id : ids.out().split("\n")) if (!id.isBlank()) hako("rm", "-f", id.trim());
    }


    @Test
    void runRmPrintsAndCleansUp() {
        Result r = hako("run", "--rm", image, "echo", "hi");
        assertEquals(0, r.code(), r.toString());
        assertEquals("hi\n", r.out());
        assertEquals("", hako("ps", "-a", "-q").out(), "--rm removed the container");
    }

    @Test
    void detachedRmIsCleanedUpByTheNextListing() throws Exception {
        Result run = hako("run", "-d", "--rm", image, "true");
        assertEquals(0, run.code(), run.toString());
        String id = run.out().trim();
        assertEquals("0\n", hako("wait", id).out());
        assertEquals("", hako("ps", "-a", "-q").out().lines().filter(l -> id.startsWith(l)).findFirst().orElse(""));
        assertFalse(Files.exists(root.resolve("containers").resolve(id)));
    }

    @Test
    void rmiRefusesAnImageAContainerUsesUntilTheContainerIsGone() {
        Result create = hako("create", image, "true");
        assertEquals(0, create.code(), create.toString());
        String id = create.out().trim();
        Result rmi = hako("rmi", image);
        assertEquals(1, rmi.code(), rmi.toString());
        assertTrue(rmi.err().contains("conflict") && rmi.err().contains(id.substring(0, 12)), rmi.toString());
        assertEquals(0, hako("rm", id).code());
        assertEquals(0, hako("image", "inspect", image).code(), "the refused rmi left the image in place");
    }

    @Test
    void exitCodesPropagate() {
        assertEquals(3, hako("run", "--rm", image, "sh", "-c", "exit 3").code());
        Result missing = hako("run", "--rm", image, "no-such-cmd");
        assertEquals(127, missing.code(), missing.toString());
        assertTrue(missing.err().contains("no-such-cmd"), missing.toString());
        Result noImage = hako("run", "--rm", PREFIX + "missing-image", "true");
        assertEquals(125, noImage.code(), noImage.toString());
    }

    @Test
    void detachedLogsPsStopRm() {
        String name = PREFIX + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        Result run = hako("run", "-d", "--name", name, "-e", "GREETING=hello", image, "sh", "-c",
                "echo $GREETING; echo oops >&2; exec sleep 1000");
        assertEquals(0, run.code(), run.toString());
        String id = run.out().trim();
        assertTrue(id.matches("[0-9a-f]{64}"), run.toString());

        Result ps = hako("ps");
        assertEquals(0, ps.code(), ps.toString());
        String[] lines = ps.out().split("\n");
        assertTrue(lines[0].matches("CONTAINER ID +IMAGE +COMMAND +CREATED +STATUS +PORTS +NAMES"), lines[0]);
        String row = List.of(lines).stream().filter(l -> l.startsWith(id.substring(0, 12))).findFirst().orElseThrow();
        assertTrue(row.contains(" Up ") && row.endsWith(name), row);

        Result exec = hako("exec", name, "sh", "-c", "exit 4");
        assertEquals(4, exec.code(), exec.toString());

        for (int i = 0; i < 200 && !hako("logs", name).out().contains("hello"); i++) sleep();
        Result logs = hako("logs", name);
        assertEquals("hello\n", logs.out(), logs.toString());
        assertEquals("oops\n", logs.err(), logs.toString());

        assertEquals("oops\n", hako("logs", "--tail", "1", name).err());
        assertEquals("", hako("logs", "--tail", "0", name).out());
        assertTrue(hako("logs", "-t", name).out().matches("\\d{4}-\\d\\d-\\d\\dT\\S+Z hello\n"));
        assertEquals(name + " running\n", hako("ps", "--format", "{{.Names}} {{.State}}").out().lines()
                .filter(l -> l.startsWith(name)).findFirst().orElseThrow() + "\n");
        assertEquals("running\n", hako("container", "inspect", "-f", "{{.State.Status}}", name).out());

        Result rmRunning = hako("rm", name);
        assertEquals(1, rmRunning.code(), rmRunning.toString());
        assertEquals(0, hako("stop", "-t", "1", name).code());
        assertEquals("137\n", hako("wait", name).out());
        assertTrue(hako("ps").out().lines().noneMatch(l -> l.endsWith(name)), "not listed without -a once exited");
        assertTrue(hako("ps", "-a").out().lines().anyMatch(l -> l.contains("Exited (137)") && l.endsWith(name)));
        Result inspect = hako("container", "inspect", name);
        assertTrue(inspect.out().contains("\"ExitCode\": 137,"), inspect.out());
        assertTrue(inspect.out().startsWith("[\n    {"), inspect.out());
        assertEquals(0, hako("rm", name).code());
        assertEquals(1, hako("logs", name).code());
    }

    private static void sleep() {
        try { Thread.sleep(20); } catch (InterruptedException e) { throw new RuntimeException(e); }
    }
}
