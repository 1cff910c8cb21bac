package dev.hako.engine.copy;

import dev.hako.engine.Engine;
import dev.hako.engine.EngineException;
import dev.hako.engine.EngineFixture;
import dev.hako.engine.config.RunOptions;
import dev.hako.engine.container.ContainerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import static org.junit.jupiter.api.Assertions.*;

/**
 * docker cp into and out of a stopped (created or exited) container reaches its volumes and binds, as the
 * container's process would see them; the mounts that make it so are seen by nobody else and don't outlive it.
 */
class StoppedMountsCopyTest {
    @TempDir static Path root;
    @TempDir static Path runRoot;
    @TempDir Path host;
    static String image;
    static Engine engine;

    @BeforeAll
    static void importBusybox() throws Exception {
        image = EngineFixture.importBusybox(root, "hako-test-cpvol-", "CMD [\"sh\"]");
        engine = new Engine(root, runRoot, m -> { });
    }

    @AfterEach
    void removeAll() {
        for (var v : engine.list()) engine.remove(v.record().id(), true, true);
    }

    @AfterAll
    static void noMountsLeft() throws IOException {
        assertFalse(Files.readString(Path.of("/proc/self/mountinfo")).contains(root.toString()), "no mount of the test's store is left");
    }

    static String volumeName() { return "hako-cpvol-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()); }

    private ContainerRecord created(List<String> binds, String script) {
        RunOptions o = RunOptions.of(List.of("sh", "-c", script));
        o.binds = binds;
        return engine.create(image, null, o, false);
    }

    private Path volumeData(String name) { return Path.of(engine.inspectVolume(name).mountpoint()); }

    private String logOf(ContainerRecord r) {
        StringBuilder b = new StringBuilder();
        for (var e : engine.log(r.id()).readAll()) b.append(e.log());
        return b.toString();
    }

    @Test
    void createdContainerVolumesAndBindsTakeTheCopy() throws Exception {
        String vol = volumeName();
        Path bind = Files.createDirectory(host.resolve("bind"));
        Files.writeString(host.resolve("f"), "into the volume");
        var r = created(List.of(vol + ":/data", bind + ":/b", "/anon"), "cat /data/f /b/f /anon/f; echo made > /data/out");
        try (ContainerCopy c = ContainerCopy.open(engine, r.id())) {
            // the mounts are the view's alone: the host (this thread's namespace) never sees them
            String mountinfo = Files.readString(Path.of("/proc/self/mountinfo"));
            assertFalse(mountinfo.contains(engine.store().dir(r.id()).resolve("rootfs/data").toString()), mountinfo);
            c.copyIn(host.resolve("f").toString(), false, "/data/f", false);
            c.copyIn(host.resolve("f").toString(), false, "/b/", false);
            c.copyIn(host.resolve("f").toString(), false, "/anon", false);
        }
        assertEquals("into the volume", Files.readString(volumeData(vol).resolve("f")), "the copy is in the named volume");
        assertEquals("into the volume", Files.readString(bind.resolve("f")), "and in the bind's source");
        String anon = engine.mounts(r.id()).stream().filter(p -> p.destination().equals("/anon")).findFirst().orElseThrow().name();
        assertEquals("into the volume", Files.readString(volumeData(anon).resolve("f")));
        assertFalse(Files.exists(engine.store().dir(r.id()).resolve("rootfs/data/f")), "not in the rootfs under the volume");

        engine.start(r.id());
        assertEquals(0, engine.waitFor(r.id()), logOf(r));
        assertEquals("into the volume".repeat(3), logOf(r), "the container sees what was copied");

        // exited: out of the volume, what the container wrote there
        try (ContainerCopy c = ContainerCopy.open(engine, r.id())) {
            c.copyOut("/data/out", false, host.resolve("out").toString(), false);
            ByteArrayOutputStream tar = new ByteArrayOutputStream();
            c.copyOut("/", false, tar);
            Files.write(host.resolve("all.tar"), tar.toByteArray());
        }
        assertEquals("made\n", Files.readString(host.resolve("out")));
        String names = EngineFixture.run("tar", "-tf", host.resolve("all.tar").toString());
        assertTrue(names.contains("./data/out") && names.contains("./b/f") && names.contains("./anon/f"),
                "a copy of / goes through the mounts: " + names);
    }

    @Test
    void readOnlyVolumeRefusesTheCopy() throws Exception {
        String vol = volumeName();
        Files.writeString(host.resolve("f"), "x");
        var r = created(List.of(vol + ":/ro:ro"), "true");
        try (ContainerCopy c = ContainerCopy.open(engine, r.id())) {
            var e = assertThrows(EngineException.class, () -> c.copyIn(host.resolve("f").toString(), false, "/ro/f", false));
            assertTrue(e.getMessage().contains("EROFS"), e.getMessage());
        }
        assertFalse(Files.exists(volumeData(vol).resolve("f")));
    }

    /**
     * An exited container swapped its mount point's parent for a symlink out of its root: the next cp mounts the
     * volume where the symlink leads inside the rootfs, and writes nothing on the host path it names.
     */
    @Test
    void symlinkedMountPointStaysInsideTheRootfs() throws Exception {
        String vol = volumeName();
        Path target = Files.createDirectory(host.resolve("target"));
        Files.writeString(host.resolve("f"), "contained");
        var r = created(List.of(vol + ":/p/m"), "mv /p /p2 && ln -s /../../../../../../.." + target + " /p");
        engine.start(r.id());
        assertEquals(0, engine.waitFor(r.id()), logOf(r));
        try (ContainerCopy c = ContainerCopy.open(engine, r.id())) {
            c.copyIn(host.resolve("f").toString(), false, "/p/m/f", false);
        }
        assertEquals("contained", Files.readString(volumeData(vol).resolve("f")), "the copy went into the volume");
        try (var s = Files.list(target)) {
            assertEquals(List.of(), s.toList(), "nothing was made on the host path the symlink names");
        }
        assertTrue(Files.isDirectory(engine.store().dir(r.id()).resolve("rootfs").resolve(target.toString().substring(1)).resolve("m")),
                "the mount point was made inside the rootfs");
    }

    @Test
    void missingBindSourceIsAClearError() throws Exception {
        Path gone = Files.createDirectory(host.resolve("gone"));
        var r = created(List.of(gone + ":/g"), "true");
        Files.delete(gone);
        var e = assertThrows(EngineException.class, () -> ContainerCopy.open(engine, r.id()).close());
        assertTrue(e.getMessage().contains(gone.toString()) && e.getMessage().contains("ENOENT"), e.getMessage());
    }
}
