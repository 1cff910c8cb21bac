package dev.hako.cli.container;

import dev.hako.cli.Main;
import dev.hako.image.store.ImageService;
import dev.hako.oci.image.Platform;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import static org.junit.jupiter.api.Assertions.*;

/** `hako run/ps/logs/stop/rm ...` in-process against a temp root with a busybox image imported offline. */
class ContainerCliTest {
    static final String PREFIX = "hako-test-engine-";
    @TempDir static Path root;
    static String image;

    record Result(int code, String out, String err) {
        @Override public String toString() { return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err; }
    }

    static Result hako(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        List<String> all = new ArrayList<>(List.of("--root", root.toString(), "--runroot", root.resolve("run").toString()));
        all.addAll(List.of(args));
        int code = Main.run(all.toArray(String[]::new), new Main.Terminal(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), new ByteArrayInputStream(new byte[0]), false, 200));
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @BeforeAll
    static void importBusybox() throws Exception {
        Path project = Path.of(System.getProperty("hako.projectDir", "."));
        Path fs = root.resolve("busybox-fs");
        sh("bash", project.resolve("scripts/busybox-rootfs.sh").toString(), fs.toString());
        Path tar = root.resolve("busybox.tar");
        sh("tar", "-C", fs.toString(), "--numeric-owner", "-cf", tar.toString(), ".");
        image = PREFIX + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()) + ":latest";
        try (InputStream in = Files.newInputStream(tar)) {
            new ImageService(root).importImage(in, image, List.of("CMD [\"sh\"]"), "test", Platform.host());
        }
    }

    @AfterAll
    static void removeAll() {
        Result ids = hako("ps", "-a", "-q");
        for (String id : ids.out().split("\n")) if (!id.isBlank()) hako("rm", "-f", id.trim());
    }

    private static void sh(String... cmd) throws Exception {
        var p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) throw new IllegalStateException(String.join(" ", cmd) + ": " + out);
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
