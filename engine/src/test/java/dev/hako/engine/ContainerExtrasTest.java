package dev.hako.engine;

import dev.hako.engine.commit.Committer;
import dev.hako.engine.config.RunOptions;
import dev.hako.engine.container.ContainerRecord;
import dev.hako.engine.inspect.Stats;
import dev.hako.engine.inspect.Top;
import dev.hako.engine.logs.LogEntry;
import dev.hako.image.layer.TarReader;
import dev.hako.image.snapshot.Change;
import dev.hako.image.store.ImageRecord;
import dev.hako.oci.image.ImageConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** top, stats, diff, export, commit and rename against real containers. */
class ContainerExtrasTest {
    static final String PREFIX = "hako-test-cmds-";
    @TempDir static Path root;
    @TempDir static Path runRoot;
    static String image;
    static Engine engine;

    @BeforeAll
    static void importBusybox() throws Exception {
        image = EngineFixture.importBusybox(root, PREFIX, "CMD [\"sh\"]");
        engine = new Engine(root, runRoot, m -> { });
    }

    @AfterEach
    void removeAll() {
        EngineFixture.removeAll(engine);
    }

    private ContainerRecord started(RunOptions o) {
        var r = engine.create(o.command.isEmpty() ? image : image, null, o, false);
        engine.start(r.id());
        return r;
    }

    private ContainerRecord started(String script) { return started(RunOptions.of(List.of("sh", "-c", script))); }

    private static void awaitFile(ContainerRecord r, String path) {
        for (int i = 0; i < 500; i++) {
            if (Files.exists(Path.of("/proc/" + engine.inspect(r.id()).status().pid() + "/root" + path))) return;
            try { Thread.sleep(10); } catch (InterruptedException e) { throw new RuntimeException(e); }
        }
        fail(path + " never appeared");
    }

    // ------------------------------------------------------------------ top

    @Test
    void topListsTheContainersProcessesOnly() {
        var r = started("sleep 301 & sleep 302");
        awaitFile(r, "/bin"); // running
        Top top = null;
        for (int i = 0; i < 200; i++) {
            top = Top.of(engine.pids(r.id()), List.of());
            if (top.processes().size() == 2) break; // the shell execs its last command: two sleeps
            try { Thread.sleep(10); } catch (InterruptedException e) { throw new RuntimeException(e); }
        }
        assertEquals(List.of("UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"), top.titles());
        List<String> cmds = top.processes().stream().map(List::getLast).toList();
        assertTrue(cmds.contains("sleep 301") && cmds.contains("sleep 302"), cmds.toString());
        assertEquals(2, top.processes().size(), top.toString());

        Top custom = Top.of(engine.pids(r.id()), List.of("-o", "pid,comm"));
        assertEquals(List.of("PID", "COMMAND"), custom.titles());
        var e = assertThrows(EngineException.class, () -> Top.of(engine.pids(r.id()), List.of("-o", "comm")));
        assertEquals("Couldn't find PID field in ps output", e.getMessage());
        e = assertThrows(EngineException.class, () -> Top.of(engine.pids(r.id()), List.of("--no-such-option")));
        assertTrue(e.getMessage().startsWith("ps: "), e.getMessage());

        engine.kill(r.id(), "KILL");
        engine.waitFor(r.id());
        e = assertThrows(EngineException.class, () -> engine.pids(r.id()));
        assertEquals("container " + r.id() + " is not running", e.getMessage());
    }

    // ------------------------------------------------------------------ stats

    @Test
    void statsReadsCgroupCountersAndComputesCpuPercent() throws Exception {
        RunOptions o = RunOptions.of(List.of("sh", "-c", "while :; do :; done"));
        o.memory = 64L << 20;
        var r = started(o);
        int pid = engine.inspect(r.id()).status().pid();
        Stats a = Stats.read(r.id(), r.name(), engine.cgroupStats(r.id()), pid);
        double cpu = 0;
        for (int i = 0; i < 20 && cpu <= 0; i++) {
            Thread.sleep(300);
            cpu = Stats.cpuPercent(a, Stats.read(r.id(), r.name(), engine.cgroupStats(r.id()), pid));
        }
        Stats b = Stats.read(r.id(), r.name(), engine.cgroupStats(r.id()), pid);
        assertTrue(cpu > 0, "a busy container uses CPU: " + cpu);
        assertTrue(Stats.cpuPercent(a, b) <= 100.0 * b.onlineCpus() + 1, "at most all CPUs");
        assertEquals(64L << 20, b.memLimit());
        assertTrue(b.memUsage() > 0 && b.memPercent() > 0 && b.memPercent() < 100, b.toString());
        assertEquals(1, b.pids());
        assertEquals(0, Stats.cpuPercent(null, b));

        var unlimited = started("sleep 300");
        Stats u = Stats.read(unlimited.id(), unlimited.name(), engine.cgroupStats(unlimited.id()),
                engine.inspect(unlimited.id()).status().pid());
        long host = 0;
        for (String line : Files.readAllLines(Path.of("/proc/meminfo")))
            if (line.startsWith("MemTotal:")) host = Long.parseLong(line.replaceAll("\\D+", "")) * 1024;
        assertEquals(host, u.memLimit(), "no limit: docker shows the host's memory");
    }

    // ------------------------------------------------------------------ diff, export, commit

    /** Deletes a file (whiteout), replaces /usr by a new directory (opaque), adds /data/f. */
    private ContainerRecord changed() {
        RunOptions o = RunOptions.of(List.of("sh", "-c",
                "rm /etc/passwd && rm -rf /usr && mkdir -p /usr/x /data && echo n > /usr/x/f && echo d > /data/f && touch /ready; sleep 300"));
        o.env.add("FROM_RUN=1");
        var r = started(o);
        awaitFile(r, "/ready");
        return r;
    }

    @Test
    void diffShowsAddedChangedAndDeletedPaths() {
        var r = changed();
        List<String> lines = Committer.diff(engine, r.id()).stream().map(Change::toString).toList();
        for (String want : List.of("C /etc", "D /etc/passwd", "A /data", "A /data/f", "C /usr", "A /usr/x", "A /usr/x/f", "D /usr/bin", "A /ready"))
            assertTrue(lines.contains(want), want + " in " + lines);
        assertFalse(lines.stream().anyMatch(l -> l.endsWith("/etc/hostname") || l.endsWith("/etc/hosts")), lines.toString());
        var e = assertThrows(EngineException.class, () -> Committer.diff(engine, "no-such-container-cmds"));
        assertEquals("No such container: no-such-container-cmds", e.getMessage());
    }

    @Test
    void exportWritesTheMergedFilesystem() throws Exception {
        var r = changed();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Committer.export(engine, r.id(), out);
        List<String> names = new ArrayList<>();
        TarReader tar = new TarReader(new ByteArrayInputStream(out.toByteArray()));
        for (TarReader.Entry e; (e = tar.next()) != null; ) names.add(e.name());
        assertTrue(names.contains("data/f") && names.contains("bin/busybox") && names.contains("usr/x/f"), names.toString());
        assertFalse(names.contains("etc/passwd") || names.stream().anyMatch(n -> n.startsWith("usr/bin")), names.toString());
        assertFalse(names.stream().anyMatch(n -> n.contains(".wh.")), "no whiteouts in an export");
    }

    @Test
    void commitMakesAnImageThatRunsWithTheChanges() throws Exception {
        var r = changed();
        ImageRecord img = Committer.commit(engine, r.id(), PREFIX + "committed:v1", "me <me@example.com>", "a message",
                List.of("ENV FROM_CHANGE=2", "CMD [\"cat\", \"/data/f\"]", "WORKDIR /data", "LABEL k=v"), true);
        assertEquals("running", engine.inspect(r.id()).status().state(), "unpaused after the commit");

        ImageConfig config = engine.images().config(img);
        assertEquals(List.of("cat", "/data/f"), config.config().cmd());
        assertTrue(config.config().env().contains("FROM_RUN=1"), config.config().env().toString());
        assertTrue(config.config().env().contains("FROM_CHANGE=2"));
        assertEquals("/data", config.config().workingDir());
        assertEquals("v", config.config().labels().get("k"));
        assertEquals("me <me@example.com>", config.author());
        assertEquals("a message", config.history().getLast().comment());
        assertEquals(2, config.diffIds().size());

        // the new layer is stored gzip-compressed (docker's and podman's form): digest of the gzip, DiffID of the tar
        var manifest = engine.images().content().readManifest(
                new dev.hako.oci.image.Descriptor(img.manifestMediaType(), img.manifestDigest(), -1));
        var layer = manifest.layersOrEmpty().getLast();
        assertEquals("application/vnd.oci.image.layer.v1.tar+gzip", layer.mediaType());
        byte[] gz;
        try (InputStream blob = engine.images().content().open(layer.digest())) {
            gz = blob.readAllBytes();
        }
        assertEquals(layer.digest(), dev.hako.oci.image.Digest.sha256(gz));
        assertEquals(layer.size(), gz.length);
        byte[] plain;
        try (InputStream in = new java.util.zip.GZIPInputStream(new ByteArrayInputStream(gz))) {
            plain = in.readAllBytes();
        }
        assertEquals(config.diffIds().getLast(), dev.hako.oci.image.Digest.sha256(plain));
        // it holds the change in layer-tar form
        List<String> names = new ArrayList<>();
        TarReader tar = new TarReader(new ByteArrayInputStream(plain));
        for (TarReader.Entry e; (e = tar.next()) != null; ) names.add(e.name());
        assertTrue(names.contains("etc/.wh.passwd"), names.toString());
        assertTrue(names.contains("usr/.wh..wh..opq"), names.toString());
        assertTrue(names.contains("data/f"), names.toString());
        assertFalse(names.stream().anyMatch(n -> n.startsWith("etc/hostname") || n.startsWith("etc/hosts")), names.toString());

        // a container from the committed image sees the change
        var c = engine.create(PREFIX + "committed:v1", null, RunOptions.of(List.of("sh", "-c",
                "test ! -e /etc/passwd && test ! -e /usr/bin && cat /usr/x/f f && echo $FROM_RUN$FROM_CHANGE")), false);
        engine.start(c.id());
        assertEquals(0, engine.waitFor(c.id()), engine.log(c.id()).readAll().toString());
        assertEquals("n\nd\n12\n", String.join("", engine.log(c.id()).readAll().stream().map(LogEntry::log).toList()));
        var byCmd = engine.create(PREFIX + "committed:v1", null, new RunOptions(), false);
        engine.start(byCmd.id());
        assertEquals(0, engine.waitFor(byCmd.id()));
        assertEquals("d\n", engine.log(byCmd.id()).readAll().getFirst().log());

        var e = assertThrows(EngineException.class, () -> Committer.commit(engine, r.id(), null, null, null,
                List.of("FROM busybox"), true));
        assertTrue(e.getMessage().contains("FROM is not a valid change command"), e.getMessage());
        engine.remove(c.id(), true);
        engine.remove(byCmd.id(), true);
        engine.images().remove(img.id().toString(), true);
    }

    // ------------------------------------------------------------------ rename

    @Test
    void renameWithDockersErrors() {
        var a = engine.create(image, "cmds-rename-a", RunOptions.of(List.of("true")), false);
        engine.create(image, "cmds-rename-b", RunOptions.of(List.of("true")), false);
        engine.rename("cmds-rename-a", "cmds-rename-c");
        assertEquals("cmds-rename-c", engine.inspect(a.id()).record().name());
        assertEquals(a.id(), engine.inspect("cmds-rename-c").record().id());
        var e = assertThrows(EngineException.class, () -> engine.rename("cmds-rename-c", "cmds-rename-c"));
        assertEquals("Renaming a container with the same name as its current name", e.getMessage());
        e = assertThrows(EngineException.class, () -> engine.rename("cmds-rename-c", "cmds-rename-b"));
        assertTrue(e.getMessage().startsWith("Error when allocating new name: Conflict. The container name \"/cmds-rename-b\" is already in use"), e.getMessage());
        e = assertThrows(EngineException.class, () -> engine.rename("cmds-rename-c", "bad name"));
        assertEquals("Invalid container name (bad name), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed", e.getMessage());
        e = assertThrows(EngineException.class, () -> engine.rename("cmds-rename-none", "cmds-rename-d"));
        assertEquals("No such container: cmds-rename-none", e.getMessage());
    }
}
