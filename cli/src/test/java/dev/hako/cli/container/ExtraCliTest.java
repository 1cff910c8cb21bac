package dev.hako.cli.container;

import dev.hako.cli.container.CliFixture.Result;

import dev.hako.oci.image.Platform;
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

/** `hako top/stats/cp/export/diff/commit/rename/info/version` in-process: docker's output and error wording. */
class ExtraCliTest {
    static final String PREFIX = "hako-test-cmds-";
    @TempDir static Path root;
    @TempDir Path host;
    static String image;

    static Result hako(byte[] stdin, String... args) { return CliFixture.hako(root, stdin, args); }

    static Result hako(String... args) { return hako(new byte[0], args); }

    @BeforeAll
    static void importBusybox() throws Exception {
        image = CliFixture.importBusybox(root, PREFIX + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()) + ":latest", List.of("CMD [\"sh\"]"));
    }

    @AfterAll
    static void removeAll() {
        Result ids = hako("ps", "-a", "-q");
        for (String id : ids.out().split("\n")) if (!id.isBlank()) hako("rm", "-f", id.trim());
    }

    static String sh(String... cmd) throws Exception {
        var p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) throw new IllegalStateException(String.join(" ", cmd) + ": " + out);
        return out;
    }

    private static String runDetached(String name, String script) throws Exception {
        Result r = hako("run", "-d", "--name", name, image, "sh", "-c", script + " && touch /ready; sleep 300");
        assertEquals(0, r.code(), r.toString());
        String id = r.out().trim();
        for (int i = 0; i < 500 && !hako("exec", name, "test", "-e", "/ready").toString().startsWith("exit 0"); i++) Thread.sleep(10);
        return id;
    }

    @Test
    void topAndStatsPrintDockersColumns() throws Exception {
        String id = runDetached("cmds-cli-top", "true");
        Result top = hako("top", "cmds-cli-top");
        assertEquals(0, top.code(), top.toString());
        String[] lines = top.out().split("\n");
        assertTrue(lines[0].matches("UID +PID +PPID +C +STIME +TTY +TIME +CMD"), lines[0]);
        assertTrue(lines[1].endsWith("sleep 300"), top.out());
        Result missing = hako("top", "cmds-cli-none");
        assertEquals(1, missing.code());
        assertEquals("Error response from daemon: No such container: cmds-cli-none\n", missing.err());

        Result stats = hako("stats", "--no-stream", "cmds-cli-top");
        assertEquals(0, stats.code(), stats.toString());
        String[] rows = stats.out().split("\n");
        assertTrue(rows[0].matches("CONTAINER ID +NAME +CPU % +MEM USAGE / LIMIT +MEM % +NET I/O +BLOCK I/O +PIDS"), rows[0]);
        assertTrue(rows[1].matches(id.substring(0, 12) + " +cmds-cli-top +\\d+\\.\\d\\d% +[\\d.]+[KMG]?i?B / [\\d.]+[KMGT]iB +\\d+\\.\\d\\d% +\\S+ / \\S+ +\\S+ / \\S+ +1"), rows[1]);
        assertFalse(stats.out().contains("\033["), "no screen control with --no-stream");
        Result fmt = hako("stats", "--no-stream", "--no-trunc", "--format", "{{.ID}} {{.Name}} {{.PIDs}}", "cmds-cli-top");
        assertEquals(id + " cmds-cli-top 1\n", fmt.out());
        Result none = hako("stats", "--no-stream", "cmds-cli-none");
        assertEquals(1, none.code());
        assertTrue(none.err().contains("No such container: cmds-cli-none"), none.toString());
        hako("rm", "-f", "cmds-cli-top");
    }

    @Test
    void cpBothDirectionsAndAsTarStreams() throws Exception {
        runDetached("cmds-cli-cp", "mkdir /d && echo one > /d/a");
        Result out = hako("cp", "cmds-cli-cp:/d", host.toString());
        assertEquals(0, out.code(), out.toString());
        assertEquals("one\n", Files.readString(host.resolve("d/a")));

        Files.writeString(host.resolve("up"), "up\n");
        assertEquals(0, hako("cp", host.resolve("up").toString(), "cmds-cli-cp:/d/").code());
        Result tar = hako("cp", "cmds-cli-cp:/d", "-");
        assertEquals(0, tar.code(), tar.toString());
        Path t = host.resolve("d.tar");
        Files.write(t, tar.raw());
        String names = sh("tar", "-tf", t.toString());
        assertTrue(names.contains("d/a") && names.contains("d/up"), names);

        Result in = hako(Files.readAllBytes(t), "cp", "-", "cmds-cli-cp:/tmp");
        assertEquals(0, in.code(), in.toString());
        assertEquals(0, hako("cp", "cmds-cli-cp:/tmp/d/up", host.resolve("back").toString()).code());
        assertEquals("up\n", Files.readString(host.resolve("back")));

        Result notFound = hako("cp", "cmds-cli-cp:/nope", host.toString());
        assertEquals(1, notFound.code());
        assertEquals("Error response from daemon: Could not find the file /nope in container cmds-cli-cp\n", notFound.err());
        Result both = hako("cp", "a:/x", "b:/y");
        assertEquals("Error: copying between containers is not supported\n", both.err());
        Result neither = hako("cp", host.toString(), host.resolve("x").toString());
        assertEquals("Error: must specify at least one container source\n", neither.err());
        Result noContainer = hako("cp", "cmds-cli-none:/x", host.toString());
        assertEquals("Error response from daemon: No such container: cmds-cli-none\n", noContainer.err());
        hako("rm", "-f", "cmds-cli-cp");
    }

    /** docker cp resolves a stopped container's paths through its volumes, and refuses a read-only one. */
    @Test
    void cpReachesAStoppedContainersVolumes() throws Exception {
        String vol = "cmds-cli-cpvol-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        Result create = hako("create", "--network", "none", "--name", "cmds-cli-cpvol", "-v", vol + ":/data", "-v", vol + "-ro:/ro:ro",
                image, "cat", "/data/f");
        assertEquals(0, create.code(), create.toString());
        Files.writeString(host.resolve("f"), "to the volume\n");
        Result in = hako("cp", host.resolve("f").toString(), "cmds-cli-cpvol:/data/");
        assertEquals(0, in.code(), in.toString());
        Result ro = hako("cp", host.resolve("f").toString(), "cmds-cli-cpvol:/ro/");
        assertEquals(1, ro.code(), ro.toString());
        assertEquals("Error response from daemon: mounted volume is marked read-only\n", ro.err());
        Result start = hako("start", "-a", "cmds-cli-cpvol");
        assertEquals("to the volume\n", start.out(), start.toString());
        Result out = hako("cp", "cmds-cli-cpvol:/data/f", host.resolve("back").toString());
        assertEquals(0, out.code(), out.toString());
        assertEquals("to the volume\n", Files.readString(host.resolve("back")));
        Result other = hako("run", "--rm", "--network", "none", "-v", vol + ":/v", image, "cat", "/v/f");
        assertEquals("to the volume\n", other.out(), "another container sees the copy in the volume: " + other);
        assertEquals(0, hako("rm", "-v", "cmds-cli-cpvol").code());
        assertEquals(0, hako("volume", "rm", vol, vol + "-ro").code());
    }

    @Test
    void diffCommitExportRename() throws Exception {
        runDetached("cmds-cli-commit", "echo hi > /hello && rm /etc/group");
        Result diff = hako("diff", "cmds-cli-commit");
        assertEquals(0, diff.code(), diff.toString());
        assertTrue(diff.out().contains("A /hello\n") && diff.out().contains("C /etc\n") && diff.out().contains("D /etc/group\n"), diff.out());

        Result commit = hako("commit", "-c", "CMD [\"cat\", \"/hello\"]", "cmds-cli-commit", PREFIX + "cli-committed:1");
        assertEquals(0, commit.code(), commit.toString());
        assertTrue(commit.out().matches("sha256:[0-9a-f]{64}\n"), commit.out());
        Result run = hako("run", "--rm", PREFIX + "cli-committed:1");
        assertEquals("hi\n", run.out(), run.toString());
        Result badChange = hako("commit", "-c", "FROM x", "cmds-cli-commit");
        assertEquals(1, badChange.code());
        assertTrue(badChange.err().startsWith("Error response from daemon: "), badChange.toString());

        Path tar = host.resolve("export.tar");
        Result export = hako("export", "-o", tar.toString(), "cmds-cli-commit");
        assertEquals(0, export.code(), export.toString());
        String names = sh("tar", "-tf", tar.toString());
        assertTrue(names.contains("hello") && !names.contains("etc/group"), names);
        Result stream = hako("export", "cmds-cli-commit");
        assertEquals(Files.size(tar), stream.raw().length, "the same archive on stdout");

        assertEquals(0, hako("rename", "cmds-cli-commit", "cmds-cli-renamed").code());
        assertEquals("/cmds-cli-renamed\n", hako("container", "inspect", "--format", "{{.Name}}", "cmds-cli-renamed").out());
        Result same = hako("rename", "cmds-cli-renamed", "cmds-cli-renamed");
        assertEquals("Error response from daemon: Renaming a container with the same name as its current name\n", same.err());
        hako("rm", "-f", "cmds-cli-renamed");
        hako("rmi", PREFIX + "cli-committed:1");
    }

    @Test
    void infoAndVersion() {
        Result info = hako("info");
        assertEquals(0, info.code(), info.toString());
        for (String want : List.of("Server:\n", " Containers: ", "  Running: ", "  Paused: ", "  Stopped: ", " Images: ",
                " Storage Driver: overlay2\n", " Cgroup Driver: cgroupfs\n", " Cgroup Version: ", " Kernel Version: ",
                " Operating System: ", " CPUs: ", " Total Memory: ", " Docker Root Dir: " + root))
            assertTrue(info.out().contains(want), want + " in\n" + info.out());
        Result fmt = hako("info", "--format", "{{.Driver}} {{.OSType}} {{.Images}}");
        assertEquals("overlay2 linux " + (hako("images", "-q").out().lines().distinct().count()) + "\n", fmt.out());

        Result version = hako("version");
        assertTrue(version.out().startsWith("Client:\n Version: "), version.out());
        assertTrue(version.out().contains("\nServer: hako Engine\n Engine:\n  Version: "), version.out());
        assertEquals("hako Engine\n", hako("version", "--format", "{{.Server.Platform.Name}}").out());
    }
}
